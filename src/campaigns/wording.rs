//! What a page may promise. WeChat blocks domains whose pages reward sharing (诱导分享), so
//! the words it objects to are kept here, in one list the console shows to marketers; and a
//! page must not promise what the rules do not pay.

use super::model::Campaign;
use super::money::parse_yuan;

/// Words that ask people to share, forward or collect likes for a reward. A page that uses
/// any of them risks the campaign's domain being blocked inside WeChat.
pub const WECHAT_FORBIDDEN_WORDS: &[&str] = &[
    "分享到朋友圈",
    "转发到朋友圈",
    "朋友圈",
    "转发",
    "集赞",
    "点赞",
    "分享给好友领取",
    "分享领取",
    "分享即可",
    "分享到群",
    "分享至群",
    "转发领取",
];

/// Words that promise joining a group.
const GROUP_WORDS: &[&str] = &["入群", "进群", "加群", "社群"];

/// Every text the page shows, the title included.
fn page_texts(campaign: &Campaign) -> impl Iterator<Item = &str> {
    std::iter::once(campaign.title.as_str()).chain(campaign.spec.page.texts().map(String::as_str))
}

/// The forbidden words the page uses, each once, in the list's order.
pub fn forbidden_words_used(campaign: &Campaign) -> Vec<&'static str> {
    WECHAT_FORBIDDEN_WORDS
        .iter()
        .copied()
        .filter(|word| page_texts(campaign).any(|text| text.contains(word)))
        .collect()
}

/// The group word the page uses, if it promises joining a group.
pub fn group_promise(campaign: &Campaign) -> Option<&'static str> {
    GROUP_WORDS
        .iter()
        .copied()
        .find(|word| page_texts(campaign).any(|text| text.contains(word)))
}

/// Amounts in yuan the page names ("5元", "¥5.50", "10块") that no cash rule pays, in fen.
pub fn unpaid_amounts(campaign: &Campaign) -> Vec<i64> {
    let paid: Vec<i64> = campaign
        .spec
        .rules
        .iter()
        .map(|r| r.reward.cash_amount())
        .filter(|a| *a > 0)
        .collect();
    let mut unpaid: Vec<i64> = page_texts(campaign)
        .flat_map(yuan_amounts)
        .filter(|a| !paid.contains(a))
        .collect();
    unpaid.sort_unstable();
    unpaid.dedup();
    unpaid
}

/// Amounts of money written in a text, in fen: a number followed by 元 or 块, or after ¥.
fn yuan_amounts(text: &str) -> Vec<i64> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
            i += 1;
        }
        let number: String = chars[start..i].iter().collect();
        let before = start.checked_sub(1).map(|p| chars[p]);
        let after = chars.get(i).copied();
        let is_money = matches!(before, Some('¥' | '￥')) || matches!(after, Some('元' | '块'));
        let number = number.trim_end_matches('.');
        if let Some(fen) = is_money.then(|| parse_yuan(number).ok()).flatten() {
            found.push(fen);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_in_yuan_and_kept_in_fen() {
        assert_eq!(yuan_amounts("邀请3位好友入群得5元红包"), vec![500]);
        assert_eq!(yuan_amounts("立减¥12.5，再送2.05元"), vec![1250, 205]);
        assert_eq!(yuan_amounts("满10块可用，限量500份"), vec![1000]);
        assert_eq!(yuan_amounts("3位好友"), Vec::<i64>::new());
        assert_eq!(yuan_amounts("1.234元"), Vec::<i64>::new());
    }
}

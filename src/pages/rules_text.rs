//! The 活动规则 section, written from the campaign's own rules, qualification and dates, so
//! the page can never promise what the rules do not pay. The marketer's own lines follow.

use chrono::{DateTime, Utc};

use crate::campaigns::rules::{Reward, Rule, RuleKind};
use crate::campaigns::Campaign;
use crate::db::time::local;

/// The section's lines, in the order a reader needs them.
pub fn lines(c: &Campaign, utc_offset_minutes: i32) -> Vec<String> {
    let mut out = vec![dates(c.starts_at, c.ends_at, utc_offset_minutes)];
    out.push(what_counts(c));
    out.extend(c.spec.rules.iter().map(rule_line));
    if c.budget.is_some() || c.spec.rules.iter().any(has_stock) {
        out.push("奖励数量有限，发完即止；已获得的奖励不受影响。".into());
    }
    out.push("同一手机号只能参与一次；虚假或重复邀请不计入，相关奖励会被取消。".into());
    out.extend(
        c.spec
            .page
            .rules_notes
            .iter()
            .filter(|l| !l.trim().is_empty())
            .cloned(),
    );
    out
}

fn dates(
    starts: Option<DateTime<Utc>>,
    ends: Option<DateTime<Utc>>,
    offset_minutes: i32,
) -> String {
    let at = |t: DateTime<Utc>| local(t, offset_minutes).format("%Y年%-m月%-d日 %H:%M");
    match (starts, ends) {
        (Some(s), Some(e)) => format!("活动时间：{} 至 {}（北京时间）", at(s), at(e)),
        (None, Some(e)) => format!("活动时间：即日起至 {}（北京时间）", at(e)),
        (Some(s), None) => format!("活动时间：{} 起（北京时间）", at(s)),
        (None, None) => "活动时间：即日起，结束时间以页面通知为准。".into(),
    }
}

fn what_counts(c: &Campaign) -> String {
    let q = &c.spec.qualification;
    let joined = if q.require_group_join {
        "留下手机号并加入活动社群"
    } else {
        "留下手机号"
    };
    let hold = match (q.hold_hours, q.require_group_join) {
        (0, _) => String::new(),
        (h, true) => format!("，且在群内保留满 {h} 小时"),
        (h, false) => format!("，满 {h} 小时后"),
    };
    format!("好友通过你的专属海报或链接{joined}{hold}，计为 1 位有效邀请。")
}

fn rule_line(rule: &Rule) -> String {
    let reward = reward_words(&rule.reward);
    match rule.kind {
        RuleKind::Milestone { invites } => format!("累计有效邀请 {invites} 位好友，获得{reward}。"),
        RuleKind::PerInvite {
            max_per_inviter: Some(max),
        } => format!("每有效邀请 1 位好友，获得{reward}，每人最多计 {max} 位。"),
        RuleKind::PerInvite {
            max_per_inviter: None,
        } => format!("每有效邀请 1 位好友，获得{reward}。"),
        RuleKind::InviteeBonus => format!("通过好友邀请参与并成为有效邀请的你，获得{reward}。"),
        RuleKind::Leaderboard { top } => {
            format!("活动结束时，有效邀请人数排名前 {top} 位的参与者获得{reward}。")
        }
    }
}

fn reward_words(reward: &Reward) -> String {
    match reward {
        Reward::Physical { stock, .. } => format!("{}（共 {stock} 份）", reward.label()),
        _ => reward.label(),
    }
}

fn has_stock(rule: &Rule) -> bool {
    matches!(rule.reward, Reward::Physical { .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_beijing_time_whatever_the_server() {
        let s = "2026-12-01T02:00:00Z".parse().unwrap();
        let e = "2026-12-31T15:59:00Z".parse().unwrap();
        let bj = 480;
        assert_eq!(
            dates(Some(s), Some(e), bj),
            "活动时间：2026年12月1日 10:00 至 2026年12月31日 23:59（北京时间）"
        );
        assert!(dates(None, None, bj).starts_with("活动时间：即日起"));
    }
}

//! The people a participant invited, as their page lists them: a nickname or a masked
//! phone, and where each referral stands in plain words (待入群 / 待确认 / 已计入 /
//! 未计入, and why).

use super::store::{self, InviteeRow};
use super::views::InviteeLine;
use crate::campaigns::Campaign;
use crate::db::time::{from_ms, local};
use crate::participants::phone::mask;
use crate::state::AppState;

/// Listed at most; the counts above the list cover everyone.
const SHOWN: i64 = 50;

pub async fn lines(
    state: &AppState,
    campaign: &Campaign,
    inviter_id: &str,
) -> anyhow::Result<Vec<InviteeLine>> {
    let offset = state.settings.report_utc_offset_minutes;
    let rows = store::invitees(&state.db, inviter_id, SHOWN).await?;
    Ok(rows
        .into_iter()
        .map(|row| line(campaign, row, offset))
        .collect())
}

fn line(campaign: &Campaign, row: InviteeRow, offset: i32) -> InviteeLine {
    let who = row
        .name
        .filter(|n| !n.trim().is_empty())
        .or_else(|| row.phone.as_deref().map(mask).filter(|m| !m.is_empty()))
        .unwrap_or_else(|| "好友".to_owned());
    let (state, tone, why) = standing(
        campaign.spec.qualification.require_group_join,
        &row.state,
        row.cancel_reason.as_deref(),
        row.hold_until,
        offset,
    );
    InviteeLine {
        who,
        joined_on: local(from_ms(row.created_at), offset)
            .format("%-m月%-d日")
            .to_string(),
        state,
        tone,
        why,
    }
}

/// A referral's state in the words its inviter reads.
fn standing(
    require_group_join: bool,
    state: &str,
    reason: Option<&str>,
    hold_until: Option<i64>,
    offset: i32,
) -> (&'static str, &'static str, Option<String>) {
    match state {
        "qualified" => ("已计入", "counted", None),
        "pending" if require_group_join => (
            "待入群",
            "join",
            Some("好友加入活动社群后才开始计算".into()),
        ),
        "pending" | "holding" => {
            let until = hold_until.map(|ms| local(from_ms(ms), offset).format("%-m月%-d日 %H:%M"));
            let why = match until {
                Some(at) => format!("在群内保留到 {at} 后计入"),
                None => "核对后计入".to_owned(),
            };
            ("待确认", "waiting", Some(why))
        }
        "held" => ("待确认", "waiting", Some("活动方正在核对".into())),
        _ => {
            let why = match reason.unwrap_or_default() {
                "left_during_hold" => "好友在考核期内退出了社群",
                "rejected" => "未通过活动方审核",
                r if r.starts_with("fraud") => "未通过防刷核验",
                _ => "不符合活动规则",
            };
            ("未计入", "lost", Some(why.into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_in_plain_words() {
        assert_eq!(standing(true, "pending", None, None, 480).0, "待入群");
        assert_eq!(standing(false, "pending", None, None, 480).0, "待确认");
        let (state, _, why) = standing(false, "holding", None, Some(1_767_225_600_000), 480);
        assert_eq!(
            (state, why.as_deref()),
            ("待确认", Some("在群内保留到 1月1日 08:00 后计入"))
        );
        assert_eq!(
            standing(false, "qualified", None, None, 480),
            ("已计入", "counted", None)
        );
        let (state, _, why) = standing(false, "cancelled", Some("left_during_hold"), None, 480);
        assert_eq!(
            (state, why.as_deref()),
            ("未计入", Some("好友在考核期内退出了社群"))
        );
        let why = standing(false, "cancelled", Some("fraud:self_referral"), None, 480).2;
        assert_eq!(why.as_deref(), Some("未通过防刷核验"));
    }
}

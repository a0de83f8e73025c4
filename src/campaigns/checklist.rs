//! The launch checklist: what must hold before a campaign goes live. Blocking items stop
//! the launch (a poster nobody can scan, a required group nobody can join, a budget that
//! cannot pay the first reward, words that get the domain blocked in WeChat); warnings are
//! shown beside them. Each item links to the console section that fixes it.

use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use super::model::Campaign;
use super::money::format_yuan as yuan;
use super::rules::RuleKind;
use super::wording::{self, WECHAT_FORBIDDEN_WORDS};
use crate::db::time::to_ms;
use crate::groups::model::Kind;
use crate::http::error::{ApiError, ErrorCode};
use crate::posters::sample::{self, SampleCheck};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The campaign cannot go live while this fails.
    Blocking,
    /// Shown, but does not stop the launch.
    Warning,
}

/// One thing checked before launch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckItem {
    /// Stable: `poster`, `groups`, `budget`, `wechat_words` (blocking); `poster_small`,
    /// `group_promise`, `amount_promise`, `consent` (warnings).
    pub id: String,
    pub level: Level,
    pub passed: bool,
    /// What holds or what is wrong, in Chinese.
    pub message: String,
    /// The console page or section that fixes it.
    pub fix_url: String,
}

/// The whole checklist of a campaign.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Checklist {
    /// No blocking item fails: the campaign may go live.
    pub ready: bool,
    pub items: Vec<CheckItem>,
    /// The words checked against WeChat's rules on inducing shares.
    pub forbidden_words: Vec<String>,
}

impl Checklist {
    pub fn failing_blocking(&self) -> impl Iterator<Item = &CheckItem> {
        self.items
            .iter()
            .filter(|i| i.level == Level::Blocking && !i.passed)
    }
}

/// What the checklist needs to know beyond the campaign itself.
pub struct Facts {
    pub poster: SampleCheck,
    /// Groups of the live-code pool with a free seat and a QR code not yet expired.
    pub open_groups: usize,
}

/// Gathers the facts (a sample poster rendered and read, the group pool) and judges.
pub async fn run(state: &AppState, campaign: &Campaign) -> Result<Checklist, ApiError> {
    let poster = sample::check(state, campaign).await?;
    let now = to_ms(Utc::now());
    let groups = crate::groups::store::by_campaign(&state.db, &campaign.id).await?;
    let open_groups = groups
        .iter()
        .filter(|g| g.kind != Kind::Vip && g.is_open(now))
        .count();
    Ok(judge(
        campaign,
        &Facts {
            poster,
            open_groups,
        },
    ))
}

/// Refuses a launch while a blocking item fails, naming each (422 `launch_checklist_failed`).
pub async fn ensure_ready(state: &AppState, campaign: &Campaign) -> Result<(), ApiError> {
    let checklist = run(state, campaign).await?;
    let failing: Vec<String> = checklist
        .failing_blocking()
        .map(|i| format!("{} ({})", i.id, i.message))
        .collect();
    if failing.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(
        ErrorCode::LaunchChecklistFailed,
        format!("the launch checklist fails: {}", failing.join("; ")),
    ))
}

/// The checklist of a campaign given the facts; pure, so every item is tested alone.
pub fn judge(c: &Campaign, facts: &Facts) -> Checklist {
    let editor = format!("/admin/campaigns/{}", c.slug);
    let item = |id: &str, level, passed, message: String, fix: String| CheckItem {
        id: id.into(),
        level,
        passed,
        message,
        fix_url: fix,
    };
    let (passed, message) = poster(c, &facts.poster);
    let mut items = vec![item(
        "poster",
        Level::Blocking,
        passed,
        message,
        format!("{editor}/poster"),
    )];
    let small = facts.poster != SampleCheck::ReadsFullSizeOnly;
    let message = if small {
        "海报缩小一半后二维码仍可识别".to_owned()
    } else {
        "海报缩小一半后（在屏幕上看小图、远处扫码）二维码无法识别：建议放大二维码".to_owned()
    };
    items.push(item(
        "poster_small",
        Level::Warning,
        small,
        message,
        format!("{editor}/poster"),
    ));
    let (passed, message) = groups(c, facts.open_groups);
    items.push(item(
        "groups",
        Level::Blocking,
        passed,
        message,
        format!("{editor}/groups"),
    ));
    let (passed, message) = budget(c);
    items.push(item(
        "budget",
        Level::Blocking,
        passed,
        message,
        format!("{editor}#rules"),
    ));
    let words = wording::forbidden_words_used(c);
    let message = if words.is_empty() {
        "页面没有诱导分享的用语".to_owned()
    } else {
        format!(
            "页面含有微信禁止的诱导分享用语：{}。奖励入群和购买，不要奖励转发分享",
            words.join("、")
        )
    };
    items.push(item(
        "wechat_words",
        Level::Blocking,
        words.is_empty(),
        message,
        format!("{editor}#page"),
    ));
    let promise = wording::group_promise(c).filter(|_| !c.spec.qualification.require_group_join);
    let message = match promise {
        Some(word) => format!(
            "页面写了“{word}”，但邀请不要求好友入群：请勾选“好友需入群才计入邀请”或改写页面"
        ),
        None => "页面关于入群的说法与规则一致".to_owned(),
    };
    items.push(item(
        "group_promise",
        Level::Warning,
        promise.is_none(),
        message,
        format!("{editor}#qualification"),
    ));
    let unpaid = wording::unpaid_amounts(c);
    let message = if unpaid.is_empty() {
        "页面提到的金额都有对应的现金奖励".to_owned()
    } else {
        let amounts: Vec<String> = unpaid.iter().map(|f| format!("{}元", yuan(*f))).collect();
        format!("页面提到的 {} 没有对应的现金奖励规则", amounts.join("、"))
    };
    items.push(item(
        "amount_promise",
        Level::Warning,
        unpaid.is_empty(),
        message,
        format!("{editor}#rules"),
    ));
    let consent = c
        .spec
        .page
        .consent_text
        .as_deref()
        .is_some_and(|t| !t.trim().is_empty());
    let message = if consent {
        "已填写手机号授权说明".to_owned()
    } else {
        "未填写手机号授权说明，将显示默认文字；建议写明号码的用途".to_owned()
    };
    items.push(item(
        "consent",
        Level::Warning,
        consent,
        message,
        format!("{editor}#page"),
    ));
    Checklist {
        ready: !items
            .iter()
            .any(|i| i.level == Level::Blocking && !i.passed),
        items,
        forbidden_words: WECHAT_FORBIDDEN_WORDS
            .iter()
            .map(|w| w.to_string())
            .collect(),
    }
}

fn poster(c: &Campaign, sample: &SampleCheck) -> (bool, String) {
    let has_background = c
        .spec
        .poster
        .as_ref()
        .is_some_and(|p| p.background_asset.is_some());
    match sample {
        _ if !has_background => (false, "尚未上传海报背景图".into()),
        SampleCheck::Reads | SampleCheck::ReadsFullSizeOnly => {
            (true, "海报背景已设置，示例海报的二维码可以识别".into())
        }
        SampleCheck::Unreadable(why) => (false, why.clone()),
    }
}

fn groups(c: &Campaign, open_groups: usize) -> (bool, String) {
    if !c.spec.qualification.require_group_join {
        return (true, "邀请不要求入群，无需社群".into());
    }
    if open_groups == 0 {
        return (
            false,
            "要求好友入群，但没有未满且二维码未过期的社群：请添加社群".into(),
        );
    }
    (true, format!("{open_groups} 个社群有空位且二维码有效"))
}

/// The first cash a participant can earn: the milestone with the fewest invites, else
/// the smallest per-invite or invitee cash reward.
fn first_cash(c: &Campaign) -> Option<i64> {
    let rules = &c.spec.rules;
    let milestone = rules
        .iter()
        .filter_map(|r| match r.kind {
            RuleKind::Milestone { invites } if r.reward.cash_amount() > 0 => {
                Some((invites, r.reward.cash_amount()))
            }
            _ => None,
        })
        .min()
        .map(|(_, amount)| amount);
    milestone.or_else(|| {
        rules
            .iter()
            .filter(|r| matches!(r.kind, RuleKind::PerInvite { .. } | RuleKind::InviteeBonus))
            .map(|r| r.reward.cash_amount())
            .filter(|a| *a > 0)
            .min()
    })
}

fn budget(c: &Campaign) -> (bool, String) {
    let Some(first) = first_cash(c) else {
        return (true, "没有现金奖励，无需预算".into());
    };
    let left = c.budget_left().unwrap_or(0);
    if left < first {
        return (
            false,
            format!(
                "剩余预算 {} 元不够发放第一笔现金奖励 {} 元",
                yuan(left),
                yuan(first)
            ),
        );
    }
    (
        true,
        format!(
            "剩余预算 {} 元，够发放第一笔奖励 {} 元",
            yuan(left),
            yuan(first)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::model::Spec;
    use crate::campaigns::settings::Poster;
    use crate::campaigns::Slug;

    fn campaign() -> Campaign {
        let spec = Spec {
            poster: Some(Poster {
                background_asset: Some("bg".into()),
                ..Poster::default()
            }),
            ..Spec::default()
        };
        Campaign {
            id: "c1".into(),
            slug: Slug::parse("tea").unwrap(),
            title: "春茶".into(),
            status: crate::campaigns::Status::Draft,
            starts_at: None,
            ends_at: None,
            budget: None,
            budget_granted: 0,
            spec,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn passed(list: &Checklist, id: &str) -> bool {
        list.items.iter().find(|i| i.id == id).unwrap().passed
    }

    #[test]
    fn an_unreadable_poster_blocks_and_a_small_one_only_warns() {
        let facts = |poster| Facts {
            poster,
            open_groups: 0,
        };
        let list = judge(&campaign(), &facts(SampleCheck::Unreadable("太小".into())));
        assert!(!list.ready && !passed(&list, "poster"));
        let list = judge(&campaign(), &facts(SampleCheck::ReadsFullSizeOnly));
        assert!(list.ready && passed(&list, "poster") && !passed(&list, "poster_small"));
        let list = judge(&campaign(), &facts(SampleCheck::Reads));
        assert!(list.ready && passed(&list, "poster_small"));
    }
}

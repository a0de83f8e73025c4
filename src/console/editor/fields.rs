//! The other direction of the editor's form: a stored campaign as the fields a marketer
//! reads (yuan, Beijing time, one entry per line), and the campaigns service's refusals
//! put beside the field they concern, in Chinese.

use crate::campaigns::money::format_yuan;
use crate::campaigns::rules::{Reward, Rule, RuleKind};
use crate::campaigns::Campaign;
use crate::console::format::beijing_input;
use crate::http::error::{ApiError, ErrorCode};

use super::form::{FieldErrors, Values};

/// The form's values for a stored campaign.
pub fn values_of(c: &Campaign) -> Values {
    let mut v = Values::new();
    let mut put = |k: &str, value: String| {
        v.insert(k.to_owned(), value);
    };
    let page = &c.spec.page;
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    put("title", c.title.clone());
    put(
        "starts_at",
        c.starts_at.map(beijing_input).unwrap_or_default(),
    );
    put("ends_at", c.ends_at.map(beijing_input).unwrap_or_default());
    let (h, p, cl) = (&page.hero, &page.proof, &page.closing);
    for (k, o) in [
        ("hero_headline", &h.headline),
        ("hero_subtitle", &h.subtitle),
        ("hero_incentive", &h.incentive),
        ("hero_badge", &h.badge),
        ("hero_cta", &h.cta),
        ("hero_image_asset", &h.image_asset),
        ("theme_color", &page.theme.color),
        ("theme_logo_asset", &page.theme.logo_asset),
        ("proof_title", &p.title),
        ("closing_title", &cl.title),
        ("closing_text", &cl.text),
        ("closing_cta", &cl.cta),
        ("closing_follow_text", &cl.follow_text),
        ("consent_text", &page.consent_text),
        ("groups_fallback_text", &c.spec.groups.fallback_text),
    ] {
        put(k, opt(o));
    }
    put("theme_layout", page.theme.layout.as_str().to_owned());
    put("proof_certifications_lines", p.certifications.join("\n"));
    let joined = |pairs: Vec<(&str, &str)>| {
        pairs
            .iter()
            .map(|(a, b)| {
                if b.is_empty() {
                    a.to_string()
                } else {
                    format!("{a}|{b}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    put(
        "proof_experts_lines",
        joined(
            p.experts
                .iter()
                .map(|e| (e.name.as_str(), e.title.as_str()))
                .collect(),
        ),
    );
    put(
        "proof_testimonials_lines",
        joined(
            p.testimonials
                .iter()
                .map(|t| (t.name.as_str(), t.quote.as_str()))
                .collect(),
        ),
    );
    put(
        "proof_items_lines",
        joined(
            p.items
                .iter()
                .map(|i| (i.title.as_str(), i.text.as_str()))
                .collect(),
        ),
    );
    let q = &c.spec.qualification;
    put("hold_hours", q.hold_hours.to_string());
    put(
        "groups_max_per_person",
        c.spec.groups.max_per_person.to_string(),
    );
    put(
        "groups_reservation_minutes",
        c.spec.groups.reservation_minutes.to_string(),
    );
    let f = &c.spec.fraud;
    put("fraud_ip_burst_leads", f.ip_burst_leads.to_string());
    put("fraud_ip_burst_minutes", f.ip_burst_minutes.to_string());
    put(
        "fraud_quick_leave_minutes",
        f.quick_leave_minutes.to_string(),
    );
    put("fraud_hold_score", f.hold_score.to_string());
    put("fraud_reject_score", f.reject_score.to_string());
    put(
        "budget",
        c.budget.map(|b| format_yuan(b.amount)).unwrap_or_default(),
    );
    for (i, rule) in c.spec.rules.iter().enumerate() {
        for (name, value) in rule_fields(rule) {
            put(&format!("rule-{i}-{name}"), value);
        }
    }
    if page.ask_name {
        put("ask_name", "on".into());
    }
    if q.require_group_join {
        put("require_group_join", "on".into());
    }
    v
}

fn rule_fields(rule: &Rule) -> Vec<(&'static str, String)> {
    let (kind, count) = match rule.kind {
        RuleKind::Milestone { invites } => ("milestone", invites.to_string()),
        RuleKind::PerInvite { max_per_inviter } => (
            "per_invite",
            max_per_inviter.map(|n| n.to_string()).unwrap_or_default(),
        ),
        RuleKind::InviteeBonus => ("invitee_bonus", String::new()),
        RuleKind::Leaderboard { top } => ("leaderboard", top.to_string()),
    };
    let (reward, value, stock, name) = match &rule.reward {
        Reward::Cash { amount } => ("cash", format_yuan(*amount), String::new(), None),
        Reward::Coupon { pool } => ("coupon", pool.clone(), String::new(), None),
        Reward::Points { points } => ("points", points.to_string(), String::new(), None),
        Reward::Physical { sku, stock, name } => {
            ("physical", sku.clone(), stock.to_string(), name.clone())
        }
    };
    vec![
        ("id", rule.id.clone()),
        ("kind", kind.into()),
        ("count", count),
        ("reward", reward.into()),
        ("value", value),
        ("stock", stock),
        ("name", name.unwrap_or_default()),
    ]
}

/// The campaigns service's refusal as a Chinese message beside its field (`_form` when it
/// concerns the whole form).
pub fn service_errors(err: &ApiError) -> FieldErrors {
    let message = err.message();
    let rule = message
        .split('\'')
        .nth(1)
        .map(|id| format!("规则「{id}」："))
        .unwrap_or_default();
    let (field, text) = match err.code() {
        ErrorCode::EditConflict => ("_form", "活动刚被其他人修改过，请刷新页面后再改".into()),
        ErrorCode::BudgetBelowGranted => ("budget", "预算不能少于已经发放的金额".into()),
        ErrorCode::UnknownAsset => (
            "hero_image_asset",
            "找不到这张图片（头图或品牌标志），请重新上传".into(),
        ),
        ErrorCode::PosterQrOutside => {
            ("_form", "海报二维码超出了背景图，请在海报设计中调整".into())
        }
        ErrorCode::LaunchChecklistFailed => {
            ("_form", "上线检查未通过，请先处理下方清单中的阻断项".into())
        }
        ErrorCode::InvalidCampaign => match message {
            m if m.starts_with("title") => ("title", "标题需要 1 到 100 个字".into()),
            m if m.starts_with("page.theme.color") => (
                "theme_color",
                "品牌色请填写 # 加 6 位十六进制，如 #c8102e".into(),
            ),
            m if m.starts_with("ends_at") => ("ends_at", "结束时间必须晚于开始时间".into()),
            m if m.starts_with("budget.amount") => ("budget", "预算需在 0 到 100 亿元之间".into()),
            m if m.contains("needs a budget") => ("budget", "有现金奖励时必须填写预算".into()),
            m if m.contains("used twice") => ("rules", format!("{rule}规则编号重复了")),
            m if m.contains("1-32 of") => (
                "rules",
                format!("{rule}编号只能用小写字母、数字、- 和 _，最多 32 个字符"),
            ),
            m if m.contains("cash amount") => {
                ("rules", format!("{rule}现金金额需在 0.01 到 100 万元之间"))
            }
            m if m.contains("physical") => ("rules", format!("{rule}实物奖励需要填写 SKU 和库存")),
            m if m.contains("coupon") => ("rules", format!("{rule}优惠券奖励需要填写券池名称")),
            m if m.starts_with("rule") => ("rules", format!("{rule}数值超出范围")),
            m if m.contains("hold_hours") => ("hold_hours", "考核期最长 2160 小时（90 天）".into()),
            m if m.contains("max_per_person") => {
                ("groups_max_per_person", "每人最多可进 1 到 20 个群".into())
            }
            m if m.contains("page texts") => ("_form", "页面每段文字最多 2000 字".into()),
            m if m.contains("page.proof") => ("proof_items_lines", "信任背书最多 60 条".into()),
            _ => ("_form", format!("保存失败：{message}")),
        },
        _ => ("_form", format!("保存失败：{message}")),
    };
    FieldErrors::from([(field.to_owned(), text)])
}

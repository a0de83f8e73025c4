//! One participant (`/admin/campaigns/{slug}/participants/{code}`): who invited them,
//! whom they invited and where each invitee stands (in plain words, with why), their
//! groups, fraud flags, grants in yuan and the journal of those grants. Through
//! participants::service::detail, like the JSON API; the phone is full only for admins.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;

use super::error::ConsoleError;
use super::format::{beijing, yuan};
use super::render::page;
use super::session::{Console, Lang};
use crate::auth::{ReadAccess, Role};
use crate::db::time::from_ms;
use crate::participants::model::ReferralState;
use crate::participants::service::detail_with_person;
use crate::participants::views::{ParticipantGrant, ParticipantInvitee};
use crate::participants::{journal_of, JournalEntry};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    cfg.service(show)
}

/// An invitee and where their referral stands: `state` is a key of
/// `[participants.referral]`, `why` one of `[participants.why]` (or a fraud rule).
#[derive(Serialize)]
struct InviteeRow {
    code: String,
    name: String,
    phone: String,
    channel: String,
    signed_up_at: String,
    state: &'static str,
    /// When a referral in its hold counts.
    until: Option<String>,
    why: Option<&'static str>,
    /// Fraud rules behind a hold or a cancellation.
    rules: Vec<String>,
}

/// Why a referral does not count (yet), from its stored reason and the invitee's flags.
fn why(i: &ParticipantInvitee) -> (Option<&'static str>, Vec<String>) {
    let reason = i.reason.as_deref().unwrap_or_default();
    if let Some(rule) = reason.strip_prefix("fraud:") {
        return (Some("fraud"), vec![rule.to_owned()]);
    }
    match (i.referral_state, reason) {
        (ReferralState::Cancelled, "left_during_hold") => (Some("left_during_hold"), Vec::new()),
        (ReferralState::Cancelled, "rejected") => (Some("rejected"), i.fraud_rules.clone()),
        (ReferralState::Held | ReferralState::Cancelled, _) => {
            (Some("fraud"), i.fraud_rules.clone())
        }
        _ => (None, Vec::new()),
    }
}

impl From<&ParticipantInvitee> for InviteeRow {
    fn from(i: &ParticipantInvitee) -> Self {
        let (why, rules) = why(i);
        InviteeRow {
            code: i.code.clone(),
            name: i.name.clone().unwrap_or_default(),
            phone: i.phone_masked.clone().unwrap_or_default(),
            channel: i.channel.clone(),
            signed_up_at: beijing(i.created_at),
            state: i.referral_state.as_str(),
            until: i
                .hold_until
                .filter(|_| i.referral_state == ReferralState::Holding)
                .map(beijing),
            why,
            rules,
        }
    }
}

#[derive(Serialize)]
struct GrantView {
    rule_id: String,
    reason: String,
    reward_type: String,
    /// Cash in yuan; points as a count; nothing for coupons and prizes.
    amount: Option<String>,
    sku: Option<String>,
    status: String,
    granted_at: String,
    settled_at: Option<String>,
}

impl From<&ParticipantGrant> for GrantView {
    fn from(g: &ParticipantGrant) -> Self {
        let amount = match g.reward_type.as_str() {
            "cash" => Some(format!("¥{}", yuan(g.amount))),
            "points" => Some(g.amount.to_string()),
            _ => None,
        };
        GrantView {
            rule_id: g.rule_id.clone(),
            reason: g.reason.clone(),
            reward_type: g.reward_type.clone(),
            amount,
            sku: g.sku.clone(),
            status: g.status.clone(),
            granted_at: beijing(g.granted_at),
            settled_at: g.paid_at.or(g.revoked_at).map(beijing),
        }
    }
}

#[derive(Serialize)]
struct JournalView {
    at: String,
    grant: String,
    event: String,
    amount: String,
    actor: String,
    note: String,
}

impl JournalView {
    /// The entry, its amount read by its grant's reward type (cash in yuan, points counted).
    fn new(e: JournalEntry, grants: &[ParticipantGrant]) -> Self {
        let cash = grants
            .iter()
            .any(|g| g.grant_id == e.grant_id && g.reward_type == "cash");
        JournalView {
            at: beijing(from_ms(e.at)),
            grant: short_id(&e.grant_id).to_owned(),
            event: e.event,
            amount: if cash {
                format!("¥{}", yuan(e.amount))
            } else {
                e.amount.to_string()
            },
            actor: e.actor,
            note: e.note.unwrap_or_default(),
        }
    }
}

/// The end of a uuid, enough to tell grants apart on one page.
fn short_id(id: &str) -> &str {
    id.get(id.len().saturating_sub(8)..).unwrap_or(id)
}

#[get("/admin/campaigns/{slug}/participants/{code}")]
async fn show(
    console: Console<ReadAccess>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let (slug, code) = path.into_inner();
    let campaign = crate::campaigns::service::load(&state.db, &slug).await?;
    let (person, detail) = detail_with_person(&state, &slug, &code).await?;
    let journal = journal_of(&state.db, &person.id).await?;
    let admin = console.user.role == Role::Admin;
    let phone = match (admin, person.phone) {
        (true, Some(full)) => Some(full),
        _ => detail.phone_masked.clone(),
    };
    let invitees: Vec<InviteeRow> = detail.invitees.iter().map(InviteeRow::from).collect();
    let grants: Vec<GrantView> = detail.grants.iter().map(GrantView::from).collect();
    let journal: Vec<JournalView> = journal
        .into_iter()
        .map(|e| JournalView::new(e, &detail.grants))
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert(
        "campaign",
        &serde_json::json!({"slug": campaign.slug.as_str(), "title": campaign.title}),
    );
    ctx.insert(
        "p",
        &serde_json::json!({
            "code": detail.links.code,
            "name": detail.name,
            "phone": phone,
            "kind": detail.kind,
            "status": detail.status,
            "channel": detail.channel,
            "generation": detail.generation,
            "created_at": beijing(detail.created_at),
            "invite_url": detail.links.invite_url,
            "qualified_invites": detail.qualified_invites,
            "pending_invites": detail.pending_invites,
        }),
    );
    ctx.insert("full_phone", &admin);
    ctx.insert("inviter", &detail.inviter);
    ctx.insert("invitees", &invitees);
    ctx.insert(
        "flags",
        &detail
            .fraud_flags
            .iter()
            .map(|f| {
                (
                    f.rule.clone(),
                    match console.lang {
                        Lang::Zh => f.reason_zh.clone(),
                        Lang::En => f.reason_en.clone(),
                    },
                    beijing(from_ms(f.created_at)),
                )
            })
            .collect::<Vec<_>>(),
    );
    ctx.insert(
        "groups",
        &detail
            .groups
            .iter()
            .map(|g| {
                serde_json::json!({
                    "name": g.name,
                    "state": g.state,
                    "assigned_at": beijing(g.assigned_at),
                    "joined_at": g.joined_at.map(beijing),
                    "left_at": g.left_at.map(beijing),
                })
            })
            .collect::<Vec<_>>(),
    );
    ctx.insert("grants", &grants);
    ctx.insert("journal", &journal);
    Ok(page(&state, &console, "console/participant.html", ctx))
}

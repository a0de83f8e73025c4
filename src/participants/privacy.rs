//! Privacy requests, both admin-only and audited: export everything stored about a
//! person, and erase their personal data while the money records keep their amounts.

use chrono::Utc;

use super::model::ShippingAddress;
use super::privacy_store as ps;
use super::privacy_views::{
    ConsentRecord, Erasure, GroupEventRecord, LedgerRecord, ParticipantExport, PersonalData,
    ReferralRecord, ReminderRecord, ShippingRecord,
};
use super::store::{self, Participant};
use crate::audit::{self, Actor};
use crate::campaigns::service::load;
use crate::campaigns::Campaign;
use crate::db::time::{from_ms, to_ms};
use crate::http::error::ApiError;
use crate::state::AppState;

/// The person's phone as their "提醒我" sign-ups for the campaign hold it.
fn reminder_phone(state: &AppState, campaign: &Campaign, phone: &str) -> ps::ReminderPhone {
    ps::ReminderPhone {
        campaign_id: campaign.id.clone(),
        phone: phone.to_owned(),
        hashed: crate::pages::reminders::hashed_phone(&state.signer, phone),
    }
}

async fn find(
    state: &AppState,
    slug: &str,
    code: &str,
) -> Result<(Campaign, Participant), ApiError> {
    let campaign = load(&state.db, slug).await?;
    let participant = store::by_code(&state.db, &campaign.id, &code.to_ascii_lowercase())
        .await?
        .ok_or_else(|| ApiError::not_found("participant"))?;
    Ok((campaign, participant))
}

/// Writes the audit entry; the request goes no further when it cannot be recorded.
async fn audit_export(
    state: &AppState,
    actor: &Actor,
    c: &Campaign,
    p: &Participant,
) -> Result<(), ApiError> {
    let (actor, campaign_id, subject) = (actor.clone(), c.id.clone(), p.code.clone());
    state
        .db
        .write_tx(move |tx| {
            Box::pin(async move {
                let campaign = Some(campaign_id.as_str());
                audit::record(
                    tx,
                    &actor,
                    "participant.exported",
                    campaign,
                    &subject,
                    None,
                    None,
                )
                .await
            })
        })
        .await
        .map_err(ApiError::from)
}

/// `GET /api/v1/campaigns/{slug}/participants/{code}/export`
pub async fn export(
    state: &AppState,
    slug: &str,
    code: &str,
    actor: &Actor,
) -> Result<ParticipantExport, ApiError> {
    let (campaign, p) = find(state, slug, code).await?;
    audit_export(state, actor, &campaign, &p).await?;
    let db = &state.db;
    let participant = super::service::detail(state, slug, &p.code).await?;
    let personal = ps::personal(db, &p.id).await?;
    let consent = match (
        personal.consent_at,
        personal.consent_text_sha256,
        personal.consent_channel,
    ) {
        (Some(at), Some(text_sha256), Some(channel)) => Some(ConsentRecord {
            given_at: from_ms(at),
            text_sha256,
            channel,
        }),
        _ => None,
    };
    let referral = ps::referral(db, &p.id).await?.map(|r| ReferralRecord {
        state: r.state,
        created_at: from_ms(r.created_at),
        joined_at: r.joined_at.map(from_ms),
        hold_until: r.hold_until.map(from_ms),
        qualified_at: r.qualified_at.map(from_ms),
        cancelled_at: r.cancelled_at.map(from_ms),
        cancel_reason: r.cancel_reason,
    });
    let shipping = crate::rewards::grants_of(state, &p.id)
        .await?
        .into_iter()
        .filter_map(|g| {
            let address = serde_json::from_str::<ShippingAddress>(g.shipping.as_deref()?).ok()?;
            Some(ShippingRecord {
                grant_id: g.id,
                address,
            })
        })
        .collect();
    let group_events = ps::group_events(db, &p.id)
        .await?
        .into_iter()
        .map(|e| GroupEventRecord {
            group_id: e.group_id,
            kind: e.kind,
            member_ref: e.member_ref,
            phone: e.phone,
            occurred_at: from_ms(e.occurred_at),
        })
        .collect();
    let ledger = ps::ledger(db, &p.id)
        .await?
        .into_iter()
        .map(|l| LedgerRecord {
            grant_id: l.grant_id,
            event: l.event,
            amount: l.amount,
            actor: l.actor,
            note: l.note,
            at: from_ms(l.at),
        })
        .collect();
    let reminders = match personal.phone.as_deref() {
        Some(phone) => {
            let who = reminder_phone(state, &campaign, phone);
            ps::reminders(db, &who)
                .await?
                .into_iter()
                .map(|r| ReminderRecord {
                    signed_up_at: from_ms(r.created_at),
                    consent_text_sha256: r.consent_text_sha256,
                    sent_at: r.sent_at.map(from_ms),
                    failed_at: r.failed_at.map(from_ms),
                    phone_hashed: r.phone != phone,
                })
                .collect()
        }
        None => Vec::new(),
    };
    Ok(ParticipantExport {
        participant,
        personal: PersonalData {
            phone: personal.phone,
            name: personal.name,
            visitor_hash: personal.visitor_hash,
            ip_hash: personal.ip_hash,
            erased_at: personal.erased_at.map(from_ms),
        },
        consent,
        referral,
        shipping,
        member_refs: ps::member_refs(db, &p.id).await?,
        group_events,
        ledger,
        reminders,
    })
}

/// `DELETE /api/v1/campaigns/{slug}/participants/{code}`: the erasure and its audit entry
/// are one transaction.
pub async fn erase(
    state: &AppState,
    slug: &str,
    code: &str,
    actor: &Actor,
) -> Result<Erasure, ApiError> {
    let (campaign, p) = find(state, slug, code).await?;
    let grants_kept = crate::rewards::grants_of(state, &p.id).await?.len();
    let (actor, campaign_id) = (actor.clone(), campaign.id.clone());
    let (subject, code) = (p.id.clone(), p.code.clone());
    let reminder = p
        .phone
        .as_deref()
        .map(|phone| reminder_phone(state, &campaign, phone));
    let now_ms = to_ms(Utc::now());
    let erased_at = state
        .db
        .write_tx(move |tx| {
            Box::pin(async move {
                let erased_at = ps::erase(tx, &subject, reminder.as_ref(), now_ms).await?;
                let campaign = Some(campaign_id.as_str());
                audit::record(
                    tx,
                    &actor,
                    "participant.erased",
                    campaign,
                    &code,
                    None,
                    None,
                )
                .await?;
                Ok::<_, sqlx::Error>(erased_at)
            })
        })
        .await?;
    // Posters carry the nickname; the next one is drawn without it.
    state.posters.forget(&campaign.id, &p.code).await;
    Ok(Erasure {
        code: p.code,
        erased_at: from_ms(erased_at),
        grants_kept,
    })
}

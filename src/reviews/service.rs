//! The queue, read page by page, and decisions: one referral, or all the held ones of a
//! fraud rule or an inviter. Each decision is one transaction with its audit entry.

use chrono::Utc;
use serde_json::json;

use super::model::{Decision, MAX_NOTE_CHARS};
use super::store::{self, DecisionRow, HeldRow};
use super::views::{
    BulkBody, BulkView, DecisionBody, DecisionView, ReviewFlag, ReviewItem, ReviewPage,
};
use crate::audit::{self, Actor};
use crate::campaigns::service::load;
use crate::campaigns::Campaign;
use crate::db::time::{from_ms, to_ms};
use crate::fraud::{risk_score, Lang};
use crate::http::cursor;
use crate::http::error::{ApiError, ErrorCode};
use crate::participants::phone::mask;
use crate::participants::store as participants;
use crate::state::AppState;

/// A page of a campaign's held referrals, oldest first, with their flags and evidence.
pub async fn queue(
    state: &AppState,
    slug: &str,
    page: Option<&str>,
    limit: i64,
) -> Result<ReviewPage, ApiError> {
    let campaign = load(&state.db, slug).await?;
    let after = match page {
        Some(raw) => Some(cursor::parse(raw).ok_or_else(|| {
            ApiError::bad_request(ErrorCode::InvalidQuery, "cursor is not one this API gave")
        })?),
        None => None,
    };
    let limit = limit.clamp(1, 500);
    let mut rows = store::held(&state.db, &campaign.id, after.as_ref(), limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let ids: Vec<String> = rows.iter().map(|r| r.invitee_id.clone()).collect();
    let flags = store::flags(&state.db, &ids).await?;
    let next_cursor = more
        .then(|| {
            rows.last()
                .map(|r| cursor::encode(r.created_at, &r.invitee_id))
        })
        .flatten();
    let items = rows
        .into_iter()
        .map(|row| {
            let mine: Vec<ReviewFlag> = flags
                .iter()
                .filter(|f| f.participant_id == row.invitee_id)
                .map(|f| ReviewFlag {
                    reason_zh: f.reason_in(Lang::Zh),
                    reason_en: f.reason_in(Lang::En),
                    weight: f.weight,
                    rule: f.rule.clone(),
                    reason: f.reason.clone(),
                    at: from_ms(f.created_at),
                })
                .collect();
            item(row, mine)
        })
        .collect();
    Ok(ReviewPage { items, next_cursor })
}

fn item(row: HeldRow, flags: Vec<ReviewFlag>) -> ReviewItem {
    ReviewItem {
        risk_score: risk_score(flags.iter().map(|f| u32::try_from(f.weight).unwrap_or(0))),
        id: row.invitee_code,
        phone_masked: row.phone.as_deref().map(mask),
        channel: row.channel,
        inviter: row.inviter_code,
        signed_up_at: from_ms(row.created_at),
        held_at: from_ms(row.held_at.unwrap_or(row.created_at)),
        in_group: row.in_group,
        seconds_after_previous_invitee: row.since_previous_ms.map(|ms| ms / 1000),
        inviter_invitees: row.inviter_invitees,
        inviter_held: row.inviter_held,
        flags,
    }
}

fn checked_note(note: &str) -> Result<String, ApiError> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(ApiError::invalid(
            ErrorCode::InvalidField,
            format!("note: at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    Ok(note.to_owned())
}

/// `POST /api/v1/campaigns/{slug}/reviews/{id}`
pub async fn decide(
    state: &AppState,
    slug: &str,
    code: &str,
    body: DecisionBody,
    actor: &Actor,
) -> Result<DecisionView, ApiError> {
    let campaign = load(&state.db, slug).await?;
    let note = checked_note(&body.note)?;
    decide_one(state, &campaign, code, body.decision, &note, actor).await
}

/// `POST /api/v1/campaigns/{slug}/reviews/bulk`: each referral is decided on its own,
/// so one a reviewer decided meanwhile is skipped, not overruled.
pub async fn decide_bulk(
    state: &AppState,
    slug: &str,
    body: BulkBody,
    actor: &Actor,
) -> Result<BulkView, ApiError> {
    let campaign = load(&state.db, slug).await?;
    let note = checked_note(&body.note)?;
    if body.rule.is_none() && body.inviter.is_none() {
        return Err(ApiError::invalid(
            ErrorCode::InvalidField,
            "name a fraud `rule`, an `inviter`, or both",
        ));
    }
    let inviter = body.inviter.map(|c| c.to_ascii_lowercase());
    let codes = store::held_matching(
        &state.db,
        &campaign.id,
        body.rule.as_deref(),
        inviter.as_deref(),
    )
    .await?;
    let mut out = BulkView {
        decision: body.decision,
        decided: Vec::new(),
        skipped: Vec::new(),
    };
    for code in codes {
        match decide_one(state, &campaign, &code, body.decision, &note, actor).await {
            Ok(_) => out.decided.push(code),
            Err(e) if e.code() == ErrorCode::AlreadyDecided => out.skipped.push(code),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Decides if the referral is still held; the same decision again answers what stands,
/// the opposite one is refused.
async fn decide_one(
    state: &AppState,
    campaign: &Campaign,
    code: &str,
    decision: Decision,
    note: &str,
    actor: &Actor,
) -> Result<DecisionView, ApiError> {
    let invitee = participants::by_code(&state.db, &campaign.id, &code.to_ascii_lowercase())
        .await?
        .ok_or_else(|| ApiError::not_found("referral"))?;
    let flags: Vec<String> = store::flags(&state.db, std::slice::from_ref(&invitee.id))
        .await?
        .into_iter()
        .map(|f| f.rule)
        .collect();
    let terms = campaign.spec.qualification;
    let (campaign_id, note, actor) = (campaign.id.clone(), note.to_owned(), actor.clone());
    let (id, code) = (invitee.id.clone(), invitee.code.clone());
    let (row, now_state) = state
        .db
        .write_tx(move |tx| {
            Box::pin(async move {
                let now = to_ms(Utc::now());
                let moved = match decision {
                    Decision::Approve => {
                        let first_join = store::first_join(tx, &id).await?;
                        let next = crate::participants::qualification::approved(
                            terms.require_group_join,
                            terms.hold_hours,
                            first_join,
                            now,
                        );
                        store::approve(tx, &id, next).await?
                    }
                    Decision::Reject => store::reject(tx, &id, now).await?,
                };
                let Some(now_state) = store::state(tx, &id).await? else {
                    return Err(ApiError::not_found("referral"));
                };
                if !moved {
                    return match store::decision(tx, &id).await? {
                        Some(d) if d.decision == decision => Ok((d, now_state)),
                        Some(d) => Err(ApiError::conflict(
                            ErrorCode::AlreadyDecided,
                            format!("this referral was already decided: {}", d.decision),
                        )),
                        None => Err(ApiError::conflict(
                            ErrorCode::NotHeld,
                            format!("this referral is not held for review (it is {now_state})"),
                        )),
                    };
                }
                let row = DecisionRow::new(decision, &note, &actor, now);
                store::save(tx, &id, &campaign_id, &row).await?;
                let before = json!({"state": "held", "flags": flags});
                let after = json!({"state": now_state, "decision": decision, "note": note});
                let (action, c) = (decision.action(), Some(campaign_id.as_str()));
                audit::record(tx, &actor, action, c, &code, Some(before), Some(after)).await?;
                Ok((row, now_state))
            })
        })
        .await?;
    Ok(DecisionView {
        id: invitee.code,
        decision: row.decision,
        note: row.note,
        decided_by: Actor {
            kind: row.actor_kind,
            id: row.actor_id,
            name: row.actor,
        },
        decided_at: from_ms(row.decided_at),
        state: now_state,
    })
}

//! When the rules run: before a lead is stored (to start its referral held), right after
//! (to look back at its neighbourhood with everything committed, so of two concurrent
//! leads the later look sees both), and again when evidence arrives (a quick leave, an
//! import), from a queue in the database.

use chrono::{DateTime, Utc};

use super::device::{Device, DeviceSource};
use super::signals::{judge, Found, Member};
use super::store;
use crate::campaigns::Campaign;
use crate::db::time::to_ms;
use crate::db::Db;
use crate::with_db;

/// A new lead's device, and the participant its participant cookie names (another phone
/// number left from this browser). Without a visitor cookie, the participant cookie's
/// device stands in for the network hint.
pub async fn lead_device(
    db: &Db,
    campaign_id: &str,
    seen: &Device,
    me_code: Option<&str>,
    phone: &str,
) -> sqlx::Result<(Device, Option<String>)> {
    let mut device = seen.clone();
    let Some(code) = me_code else {
        return Ok((device, None));
    };
    let named: Option<(String, Option<String>)> = with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT id, device_id FROM participants WHERE code = $1 AND campaign_id = $2 AND phone <> $3",
        )
        .bind(code)
        .bind(campaign_id)
        .bind(phone)
        .fetch_optional(pool)
        .await?
    });
    if let Some((_, Some(known))) = &named {
        if !device.source.is_strong() {
            device.id = known.clone();
            device.source = DeviceSource::Participant;
        }
    }
    Ok((device, named.map(|(id, _)| id)))
}

/// With a lead committed, its neighbourhood is judged again: earlier siblings the new
/// lead incriminates are flagged too. A failure leaves the lead stored and the
/// neighbourhood queued for the background recheck.
/// `lead` is the new participant as stored.
pub async fn look_back(db: &Db, campaign: &Campaign, lead: Member, now: DateTime<Utc>) {
    let participant_id = lead.id.clone();
    let Err(e) = judge_around(db, campaign, lead, now).await else {
        return;
    };
    tracing::warn!(error = ?e, "judging a new lead's neighbourhood failed; queued for a recheck");
    let (id, campaign_id, at) = (participant_id, campaign.id.clone(), to_ms(now));
    let queued = db
        .write_tx(move |tx| {
            Box::pin(async move { store::ask_recheck(tx, &id, &campaign_id, at).await })
        })
        .await;
    if let Err(e) = queued {
        tracing::error!(error = ?e, "queueing a fraud recheck failed");
    }
}

/// The findings about a lead not stored yet.
pub async fn judge_new_lead(
    db: &Db,
    campaign: &Campaign,
    candidate: Member,
    named_by_cookie: Option<String>,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<Found>> {
    let s = &campaign.spec.fraud;
    let id = candidate.id.clone();
    let mut n = store::neighbourhood(db, &campaign.id, candidate, s, to_ms(now)).await?;
    n.named_by_cookie = named_by_cookie.filter(|named| *named != id);
    Ok(judge(&n, s)
        .into_iter()
        .filter(|f| f.participant_id == id)
        .collect())
}

/// Judges the neighbourhood of a stored participant and records what is new. Returns
/// how many participants got a new flag.
pub async fn look_around(
    db: &Db,
    campaign: &Campaign,
    participant_id: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<usize> {
    let Some(focus) = store::member(db, participant_id).await? else {
        return Ok(0);
    };
    judge_around(db, campaign, focus, now).await
}

/// Judges the neighbourhood of `focus` and records what is new.
async fn judge_around(
    db: &Db,
    campaign: &Campaign,
    focus: Member,
    now: DateTime<Utc>,
) -> sqlx::Result<usize> {
    let s = campaign.spec.fraud;
    let at = to_ms(now);
    let found = judge(
        &store::neighbourhood(db, &campaign.id, focus, &s, at).await?,
        &s,
    );
    let found = news(db, found).await?;
    if found.is_empty() {
        return Ok(0);
    }
    let campaign_id = campaign.id.clone();
    let touched = db
        .write_tx(move |tx| {
            Box::pin(async move { store::record(tx, &campaign_id, &found, &s, at).await })
        })
        .await?;
    Ok(touched.len())
}

/// The findings not yet stored at their weight: a busy neighbourhood judged again
/// writes only what changed.
async fn news(db: &Db, found: Vec<Found>) -> sqlx::Result<Vec<Found>> {
    let mut ids: Vec<String> = found.iter().map(|f| f.participant_id.clone()).collect();
    ids.dedup();
    let known = store::flags(db, &ids).await?;
    let stored = |f: &Found| {
        known.iter().any(|k| {
            k.participant_id == f.participant_id
                && k.rule == f.rule.as_str()
                && k.weight >= i64::from(f.weight)
        })
    };
    Ok(found.into_iter().filter(|f| !stored(f)).collect())
}

/// The background job: neighbourhoods that new evidence asked to judge again.
pub async fn recheck_due(db: &Db, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let mut done = 0;
    for (participant_id, campaign_id) in store::due_rechecks(db, to_ms(now)).await? {
        if !store::claim_recheck(db, &participant_id).await? {
            continue;
        }
        let Some(campaign) = crate::campaigns::store::by_id(db, &campaign_id).await? else {
            continue;
        };
        done += look_around(db, &campaign, &participant_id, now).await? as u64;
    }
    Ok(done)
}

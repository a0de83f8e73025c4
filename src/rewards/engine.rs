//! The reward engine, run by the background loop on every server. Work is found in the
//! database and claimed by a conditional update inside the transaction that does it,
//! so two servers never do it twice and a crash loses nothing (the claim rolls back).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::grants::{GrantTx, Granted, NewGrant};
use crate::campaigns::rules::RuleKind;
use crate::campaigns::{store as campaigns, Campaign};
use crate::db::time::to_ms;
use crate::db::Db;
use crate::with_db;

const BATCH: i64 = 200;

#[derive(sqlx::FromRow)]
struct Work {
    invitee_id: String,
    inviter_id: String,
    campaign_id: String,
}

async fn campaign<'a>(
    db: &Db,
    cache: &'a mut HashMap<String, Option<Campaign>>,
    id: &str,
) -> Result<Option<&'a Campaign>, sqlx::Error> {
    if !cache.contains_key(id) {
        let loaded = campaigns::by_id(db, id)
            .await
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        cache.insert(id.to_owned(), loaded);
    }
    Ok(cache[id].as_ref())
}

/// Referrals waiting for the engine; `which` is the SQL condition naming the work.
async fn find_work(db: &Db, which: &str) -> Result<Vec<Work>, sqlx::Error> {
    let sql = format!("SELECT invitee_id, inviter_id, campaign_id FROM referrals WHERE {which} ORDER BY created_at LIMIT $1");
    with_db!(db, read, |pool| sqlx::query_as(&sql)
        .bind(BATCH)
        .fetch_all(pool)
        .await)
}

/// Grants what newly qualified referrals earn. Returns the referrals handled.
pub async fn reward_qualified(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let mut cache = HashMap::new();
    let mut done = 0;
    for w in find_work(db, "state = 'qualified' AND rewarded_at IS NULL").await? {
        let Some(c) = campaign(db, &mut cache, &w.campaign_id).await? else {
            continue;
        };
        done += u64::from(reward_one(db, c, &w, to_ms(now)).await?);
    }
    Ok(done)
}

async fn reward_one(db: &Db, c: &Campaign, w: &Work, at: i64) -> Result<bool, sqlx::Error> {
    with_db!(db, write, |pool| {
        let mut tx = pool.begin().await?;
        let claimed = sqlx::query("UPDATE referrals SET rewarded_at = $1 WHERE invitee_id = $2 AND state = 'qualified' AND rewarded_at IS NULL")
            .bind(at)
            .bind(&w.invitee_id)
            .execute(&mut *tx)
            .await?;
        if claimed.rows_affected() == 0 {
            return Ok(false);
        }
        // One inviter's rewards are decided one referral at a time (caps, milestones).
        sqlx::query("UPDATE participants SET status = status WHERE id = $1")
            .bind(&w.inviter_id)
            .execute(&mut *tx)
            .await?;
        let qualified: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM referrals WHERE inviter_id = $1 AND state = 'qualified'",
        )
        .bind(&w.inviter_id)
        .fetch_one(&mut *tx)
        .await?;
        for rule in &c.spec.rules {
            let (beneficiary, reason, referral) = match rule.kind {
                RuleKind::Milestone { invites } if qualified >= i64::from(invites) => {
                    // A milestone lost and reached again is a new step.
                    let revoked: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM grants WHERE campaign_id = $1 AND rule_id = $2 AND participant_id = $3 AND status = 'revoked'",
                    )
                    .bind(&c.id)
                    .bind(&rule.id)
                    .bind(&w.inviter_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    (
                        &w.inviter_id,
                        format!("milestone:{invites}:{revoked}"),
                        None,
                    )
                }
                RuleKind::PerInvite { max_per_inviter } => {
                    let given: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM grants WHERE campaign_id = $1 AND rule_id = $2 AND participant_id = $3 AND status <> 'revoked'",
                    )
                    .bind(&c.id)
                    .bind(&rule.id)
                    .bind(&w.inviter_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if max_per_inviter.is_some_and(|max| given >= i64::from(max)) {
                        continue;
                    }
                    (
                        &w.inviter_id,
                        format!("invite:{}", w.invitee_id),
                        Some(w.invitee_id.as_str()),
                    )
                }
                RuleKind::InviteeBonus => (
                    &w.invitee_id,
                    "bonus".to_owned(),
                    Some(w.invitee_id.as_str()),
                ),
                RuleKind::Milestone { .. } | RuleKind::Leaderboard { .. } => continue,
            };
            let grant = NewGrant {
                campaign: c,
                rule,
                participant_id: beneficiary,
                reason,
                referral_id: referral,
                at,
            };
            if let Granted::Exhausted(what) = GrantTx::grant(&mut *tx, &grant).await? {
                metrics::counter!("fission_grants_refused_total", "why" => what).increment(1);
            }
        }
        tx.commit().await?;
        Ok(true)
    })
}

/// Referrals cancelled after they were rewarded: their unpaid grants are revoked (budget
/// and stock go back), paid ones flagged; milestones no longer met are revoked too.
pub async fn revoke_cancelled(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let mut cache = HashMap::new();
    let mut done = 0;
    for w in find_work(
        db,
        "state = 'cancelled' AND rewarded_at IS NOT NULL AND revoked_at IS NULL",
    )
    .await?
    {
        let Some(c) = campaign(db, &mut cache, &w.campaign_id).await? else {
            continue;
        };
        done += u64::from(revoke_one(db, c, &w, to_ms(now)).await?);
    }
    Ok(done)
}

async fn revoke_one(db: &Db, c: &Campaign, w: &Work, at: i64) -> Result<bool, sqlx::Error> {
    with_db!(db, write, |pool| {
        let mut tx = pool.begin().await?;
        // The journal says why: `fraud:<rule>`, `rejected`, `left_during_hold`.
        let claimed: Option<Option<String>> = sqlx::query_scalar("UPDATE referrals SET revoked_at = $1 WHERE invitee_id = $2 AND state = 'cancelled' AND revoked_at IS NULL RETURNING cancel_reason")
            .bind(at)
            .bind(&w.invitee_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(reason) = claimed else {
            return Ok(false);
        };
        let note = match reason {
            Some(reason) => format!("the referral was cancelled ({reason})"),
            None => "the referral was cancelled".to_owned(),
        };
        sqlx::query("UPDATE participants SET status = status WHERE id = $1")
            .bind(&w.inviter_id)
            .execute(&mut *tx)
            .await?;
        let caused: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM grants WHERE referral_id = $1 AND status <> 'revoked'",
        )
        .bind(&w.invitee_id)
        .fetch_all(&mut *tx)
        .await?;
        for id in &caused {
            GrantTx::revoke(&mut *tx, id, "system", &note, at).await?;
        }
        let qualified: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM referrals WHERE inviter_id = $1 AND state = 'qualified'",
        )
        .bind(&w.inviter_id)
        .fetch_one(&mut *tx)
        .await?;
        for rule in &c.spec.rules {
            let RuleKind::Milestone { invites } = rule.kind else {
                continue;
            };
            if qualified >= i64::from(invites) {
                continue;
            }
            let lost: Vec<String> = sqlx::query_scalar(
                "SELECT id FROM grants WHERE campaign_id = $1 AND rule_id = $2 AND participant_id = $3 AND status <> 'revoked'",
            )
            .bind(&c.id)
            .bind(&rule.id)
            .bind(&w.inviter_id)
            .fetch_all(&mut *tx)
            .await?;
            for id in &lost {
                GrantTx::revoke(&mut *tx, id, "system", "the milestone is no longer met", at)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    })
}

/// Leaderboard prizes, once per rule, when the campaign has ended and the holds of its
/// last referrals have run their time.
pub async fn award_leaderboards(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let ended = super::leaderboard::ended(db, to_ms(now))
        .await
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let mut awarded = 0;
    for (id, end) in ended {
        let Some(c) = campaigns::by_id(db, &id)
            .await
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?
        else {
            continue;
        };
        // The end is `ends_at`, or when the campaign was ended, whichever came first.
        if to_ms(now) < end + i64::from(c.spec.qualification.hold_hours) * 3_600_000 {
            continue;
        }
        for rule in &c.spec.rules {
            let RuleKind::Leaderboard { top } = rule.kind else {
                continue;
            };
            let at = to_ms(now);
            let winners = super::leaderboard::top(db, &c.id, i64::from(top)).await?;
            let done: bool = with_db!(db, write, |pool| {
                let mut tx = pool.begin().await?;
                let claimed: Option<String> = sqlx::query_scalar(
                    "INSERT INTO leaderboard_awards (campaign_id, rule_id, awarded_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (campaign_id, rule_id) DO NOTHING RETURNING rule_id",
                )
                .bind(&c.id)
                .bind(&rule.id)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                if claimed.is_none() {
                    false
                } else {
                    for (rank, winner) in winners.iter().enumerate() {
                        let grant = NewGrant {
                            campaign: &c,
                            rule,
                            participant_id: &winner.participant_id,
                            reason: format!("rank:{}", rank + 1),
                            referral_id: None,
                            at,
                        };
                        GrantTx::grant(&mut *tx, &grant).await?;
                    }
                    tx.commit().await?;
                    true
                }
            });
            if done {
                awarded += 1;
            }
        }
    }
    Ok(awarded)
}

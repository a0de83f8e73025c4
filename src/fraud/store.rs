//! Reading a neighbourhood and writing what the rules found. Flags are unique per
//! participant and rule, and every referral move is a conditional UPDATE, so judging the
//! same evidence twice, or on two servers at once, changes nothing the second time.

use std::sync::Arc;

use serde_json::Value;

use super::signals::{top_profile, Found, Member, Neighbourhood, VELOCITY_MINUTES};
use super::{reasons, risk_score, FraudSettings, Verdict};
use crate::db::{Db, Tx};
use crate::participants::qualification::{ON_FLAGGED_OPEN, ON_FLAGGED_QUALIFIED};
use crate::{on_tx, with_db};

/// What a member is, before the facts [`MEMBER`] and [`peers::PEER`] read differently.
macro_rules! member_select {
    () => {
        "SELECT p.id, p.inviter_id, p.phone, p.device_id, p.device_source, p.ua_profile, \
         p.net_hint, p.ip_hash, p.created_at, "
    };
}

mod inviter;
mod peers;
use inviter::{invitees, normal_pace, Own};
pub use inviter::{prune_pace, PACE_KEPT_MINUTES};
use peers::peers;

/// A member with the facts the patterns read. Whether they came back is read only for
/// members who signed up at or before `$2` (the no-return window's start): the one rule
/// that reads it judges those alone, and for an inviter's latest invitees, mostly recent,
/// the two lookups per person were most of the read. The filter after it binds `$1`.
const MEMBER: &str = concat!(
    member_select!(),
    "EXISTS (SELECT 1 FROM fraud_flags q \
     WHERE q.participant_id = p.id AND q.rule = 'quick_leave') AS quick_left, \
     CASE WHEN p.created_at <= $2 THEN \
       (EXISTS (SELECT 1 FROM visits v WHERE v.campaign_id = p.campaign_id AND v.visitor_hash = p.device_id \
          AND v.visited_at > p.created_at + 60000) \
        OR EXISTS (SELECT 1 FROM group_assignments g WHERE g.participant_id = p.id AND g.joined_at IS NOT NULL)) \
     ELSE FALSE END AS returned \
     FROM participants p WHERE "
);

/// The members `filter` selects with `$1` bound to `value`; whether they came back is read
/// for those who signed up at or before `settled` ([`MEMBER`]), false for the others.
async fn members(db: &Db, filter: &str, value: &str, settled: i64) -> sqlx::Result<Vec<Member>> {
    let sql = format!("{MEMBER}{filter}");
    with_db!(db, read, |pool| {
        sqlx::query_as(&sql)
            .bind(value)
            .bind(settled)
            .fetch_all(pool)
            .await
    })
}

/// One participant as the rules see them, every fact read.
pub async fn member(db: &Db, id: &str) -> sqlx::Result<Option<Member>> {
    Ok(members(db, "p.id = $1", id, i64::MAX).await?.pop())
}

/// Reads everything the rules look at around `focus` (which may not be stored yet: a
/// lead being captured).
pub async fn neighbourhood(
    db: &Db,
    campaign_id: &str,
    focus: Member,
    s: &FraudSettings,
    now: i64,
) -> sqlx::Result<Neighbourhood> {
    let since = now - i64::from(s.ip_burst_minutes) * 60_000;
    let mut n = Neighbourhood {
        focus: focus.id.clone(),
        now,
        ..Neighbourhood::default()
    };
    let mut own = Own::Counted(0);
    if let Some(inviter_id) = focus.inviter_id.as_deref() {
        let read = invitees(db, inviter_id, s.no_return_hours, now).await?;
        // A read no one else shared is taken as it is; a shared one is copied.
        let read = Arc::try_unwrap(read).unwrap_or_else(|shared| shared.as_ref().clone());
        (n.inviter, n.siblings) = (read.inviter, read.invitees);
        own = Own::among(&n.siblings, now - VELOCITY_MINUTES * 60_000);
    }
    for peer in peers(db, campaign_id, &focus, since, now).await? {
        match peer.list.as_str() {
            "device" => n.device_peers.push(peer.member),
            "hint" => n.hint_peers.push(peer.member),
            _ => n.address_peers.push(peer.member),
        }
    }
    for list in [&mut n.device_peers, &mut n.hint_peers, &mut n.address_peers] {
        if !list.iter().any(|m| m.id == focus.id) {
            list.push(focus.clone());
        }
    }
    if focus.inviter_id.is_some() && !n.siblings.iter().any(|m| m.id == focus.id) {
        n.siblings.push(focus.clone());
    }
    if let Some(inviter_id) = focus.inviter_id.as_deref() {
        campaign_normals(db, campaign_id, inviter_id, s, own, &mut n).await?;
    }
    Ok(n)
}

/// How many of the campaign's latest other leads tell whether a phone profile is rare in
/// it. Counting every lead read the whole campaign for each lead that asked (14 ms at
/// 10,000 participants, about a second at a million); a share of 2% among 2,000 is known
/// to about a third of a percent, and the sample follows the campaign's current traffic.
const PROFILE_SAMPLE: i64 = 2_000;

/// What is normal in the campaign, read only when the invitees make it matter. Leads
/// already found sharing a rare profile (another farm's) do not make it common.
async fn campaign_normals(
    db: &Db,
    campaign_id: &str,
    inviter_id: &str,
    s: &FraudSettings,
    own: Own,
    n: &mut Neighbourhood,
) -> sqlx::Result<()> {
    let count = n.siblings.len();
    if let Some((profile, k)) = top_profile(&n.siblings) {
        if count >= s.pattern_min_invitees as usize
            && k * 100 >= count * s.rare_ua_share_percent as usize
        {
            let (elsewhere, with_profile): (i64, i64) = with_db!(db, read, |pool| {
                sqlx::query_as(
                    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN ua_profile = $3 THEN 1 ELSE 0 END), 0) \
                     FROM (SELECT p.ua_profile FROM participants p WHERE campaign_id = $1 AND kind = 'lead' \
                     AND id <> $2 AND (inviter_id IS NULL OR inviter_id <> $2) AND NOT EXISTS \
                     (SELECT 1 FROM fraud_flags f WHERE f.participant_id = p.id AND f.rule = 'rare_shared_ua') \
                     ORDER BY p.created_at DESC LIMIT $4) AS latest",
                )
                .bind(campaign_id)
                .bind(inviter_id)
                .bind(&profile)
                .bind(PROFILE_SAMPLE)
                .fetch_one(pool)
                .await?
            });
            (n.leads_elsewhere, n.profile_elsewhere) = (elsewhere, with_profile);
        }
    }
    let since = n.now - VELOCITY_MINUTES * 60_000;
    if n.siblings.iter().filter(|m| m.created_at >= since).count() >= 10 {
        n.normal_per_inviter = normal_pace(db, campaign_id, inviter_id, own, since).await?;
    }
    Ok(())
}

/// Writes the findings' flags (a flag whose evidence grew takes the higher weight); for
/// every participant with a new or heavier flag, its referral's risk
/// score is summed again and the campaign's thresholds applied (held, or cancelled when
/// it had qualified or reached the reject score; the reward engine then revokes its
/// unpaid grants and flags paid ones for finance). Returns the participants newly flagged.
pub async fn record(
    tx: &mut Tx<'_>,
    campaign_id: &str,
    found: &[Found],
    s: &FraudSettings,
    at: i64,
) -> sqlx::Result<Vec<String>> {
    let mut touched: Vec<String> = Vec::new();
    on_tx!(tx, |conn| {
        for f in found {
            let params = f.params.to_string();
            let inserted: Option<String> = sqlx::query_scalar(
                "INSERT INTO fraud_flags (id, participant_id, campaign_id, rule, reason, created_at, weight, params) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (participant_id, rule) DO UPDATE SET \
                 weight = excluded.weight, params = excluded.params, reason = excluded.reason \
                 WHERE fraud_flags.weight < excluded.weight RETURNING participant_id",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(&f.participant_id)
            .bind(campaign_id)
            .bind(f.rule.as_str())
            .bind(reasons::bilingual(f.rule.as_str(), &f.params))
            .bind(at)
            .bind(i64::from(f.weight))
            .bind(&params)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(id) = inserted.filter(|id| !touched.contains(id)) {
                touched.push(id);
            }
        }
    });
    for id in &touched {
        let (score, top_rule) = rescore(tx, id).await?;
        let reason = format!("fraud:{top_rule}");
        let moves: &[&str] = match s.verdict(score) {
            Verdict::Pass => &[],
            Verdict::Hold => &[ON_FLAGGED_OPEN, ON_FLAGGED_QUALIFIED],
            Verdict::Reject => &[ON_REJECTED_BY_SCORE],
        };
        on_tx!(tx, |conn| {
            for sql in moves {
                sqlx::query(sql)
                    .bind(at)
                    .bind(&reason)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
        });
    }
    Ok(touched)
}

/// Sums a participant's flags into their referral's risk score; returns it with the
/// heaviest rule.
pub async fn rescore(tx: &mut Tx<'_>, participant_id: &str) -> sqlx::Result<(u32, String)> {
    on_tx!(tx, |conn| {
        let weights: Vec<(String, i64)> = sqlx::query_as(
            "SELECT rule, weight FROM fraud_flags WHERE participant_id = $1 ORDER BY weight DESC, rule",
        )
        .bind(participant_id)
        .fetch_all(&mut *conn)
        .await?;
        let score = risk_score(weights.iter().map(|(_, w)| u32::try_from(*w).unwrap_or(0)));
        sqlx::query("UPDATE referrals SET risk_score = $1 WHERE invitee_id = $2")
            .bind(i64::from(score))
            .bind(participant_id)
            .execute(&mut *conn)
            .await?;
        Ok((
            score,
            weights
                .into_iter()
                .next()
                .map(|(r, _)| r)
                .unwrap_or_default(),
        ))
    })
}

/// A leave minutes after joining: flagged on the person (the caller holds or cancels
/// their referral), and their inviter's other invitees judged again.
pub async fn quick_leave(
    tx: &mut Tx<'_>,
    participant_id: &str,
    campaign_id: &str,
    minutes: i64,
    at: i64,
) -> sqlx::Result<()> {
    let params = serde_json::json!({ "minutes": minutes });
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO fraud_flags (id, participant_id, campaign_id, rule, reason, created_at, weight, params) \
             VALUES ($1, $2, $3, 'quick_leave', $4, $5, $6, $7) ON CONFLICT (participant_id, rule) DO NOTHING",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(participant_id)
        .bind(campaign_id)
        .bind(reasons::bilingual("quick_leave", &params))
        .bind(at)
        .bind(i64::from(super::QUICK_LEAVE_WEIGHT))
        .bind(params.to_string())
        .execute(&mut *conn)
        .await?;
    });
    rescore(tx, participant_id).await?;
    ask_recheck(tx, participant_id, campaign_id, at).await
}

/// Binds: $1 at ms, $2 reason, $3 invitee id.
const ON_REJECTED_BY_SCORE: &str =
    "UPDATE referrals SET state = 'cancelled', cancel_reason = $2, cancelled_at = $1 \
     WHERE invitee_id = $3 AND state IN ('pending', 'holding', 'held', 'qualified')";

/// Asks for the neighbourhood of a participant to be judged again (inside the caller's
/// transaction: a quick leave, an import).
pub async fn ask_recheck(
    tx: &mut Tx<'_>,
    participant_id: &str,
    campaign_id: &str,
    at: i64,
) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO fraud_rechecks (participant_id, campaign_id, due_at) VALUES ($1, $2, $3) \
             ON CONFLICT (participant_id) DO NOTHING",
        )
        .bind(participant_id)
        .bind(campaign_id)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// Rechecks that are due: (participant id, campaign id).
pub async fn due_rechecks(db: &Db, now: i64) -> sqlx::Result<Vec<(String, String)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as("SELECT participant_id, campaign_id FROM fraud_rechecks WHERE due_at <= $1 ORDER BY due_at LIMIT 100")
            .bind(now)
            .fetch_all(pool)
            .await
    })
}

/// Claims a recheck; false when another server took it first.
pub async fn claim_recheck(db: &Db, participant_id: &str) -> sqlx::Result<bool> {
    with_db!(db, write, |pool| {
        let done = sqlx::query("DELETE FROM fraud_rechecks WHERE participant_id = $1")
            .bind(participant_id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() == 1)
    })
}

/// A flag as the review queue and the participant detail show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FlagRow {
    pub participant_id: String,
    pub rule: String,
    pub reason: String,
    pub weight: i64,
    pub params: Option<String>,
    pub created_at: i64,
}

impl FlagRow {
    /// The reason in one language, from the rule and its parameters (older flags without
    /// parameters keep the sentence they were stored with).
    pub fn reason_in(&self, lang: reasons::Lang) -> String {
        match self.params.as_deref().map(serde_json::from_str::<Value>) {
            Some(Ok(params)) => reasons::render(&self.rule, &params, lang),
            _ => self.reason.clone(),
        }
    }
}

/// The flags of these participants, oldest first.
pub async fn flags(db: &Db, participant_ids: &[String]) -> sqlx::Result<Vec<FlagRow>> {
    if participant_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=participant_ids.len())
        .map(|n| format!("${n}"))
        .collect();
    let sql = format!(
        "SELECT participant_id, rule, reason, weight, params, created_at FROM fraud_flags \
         WHERE participant_id IN ({}) ORDER BY created_at, rule",
        placeholders.join(", ")
    );
    with_db!(db, read, |pool| {
        let mut query = sqlx::query_as(&sql);
        for id in participant_ids {
            query = query.bind(id);
        }
        query.fetch_all(pool).await
    })
}

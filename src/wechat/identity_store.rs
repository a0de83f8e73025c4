//! Who is who in WeChat: single-use authorisation states, the openid a participant is
//! bound to (one participant per openid per campaign), every participant an openid
//! joined as, and the profile WeChat gave before the person joined.

use anyhow::Context;

use super::flags::{wechat_flags, WechatSignals};
use crate::db::{Db, Tx};
use crate::{on_tx, with_db};

/// States older than this are refused (the authorise round trip takes seconds).
pub const STATE_MAX_AGE_MS: i64 = 10 * 60 * 1000;

pub async fn create_state(
    db: &Db,
    id: &str,
    campaign_id: &str,
    return_to: &str,
    scope: &str,
    now: i64,
) -> anyhow::Result<()> {
    let (id, campaign_id, return_to, scope) = (
        id.to_owned(),
        campaign_id.to_owned(),
        return_to.to_owned(),
        scope.to_owned(),
    );
    db.write_tx(move |tx| {
        Box::pin(async move {
            on_tx!(tx, |conn| {
                sqlx::query("DELETE FROM wechat_oauth_states WHERE created_at < $1")
                    .bind(now - 24 * 3_600_000)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("INSERT INTO wechat_oauth_states (id, campaign_id, return_to, scope, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&id)
                    .bind(&campaign_id)
                    .bind(&return_to)
                    .bind(&scope)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
            });
            Ok::<_, sqlx::Error>(())
        })
    })
    .await
    .context("storing a WeChat authorisation state")
}

/// Uses a state once: its return path and scope, if it is unused, recent and this
/// campaign's.
pub async fn take_state(
    db: &Db,
    id: &str,
    campaign_id: &str,
    now: i64,
) -> anyhow::Result<Option<(String, String)>> {
    let (id, campaign_id) = (id.to_owned(), campaign_id.to_owned());
    db.write_tx(move |tx| {
        Box::pin(async move {
            on_tx!(tx, |conn| {
                sqlx::query_as(
                    "UPDATE wechat_oauth_states SET used_at = $1 WHERE id = $2 AND campaign_id = $3 \
                     AND used_at IS NULL AND created_at >= $4 RETURNING return_to, scope",
                )
                .bind(now)
                .bind(&id)
                .bind(&campaign_id)
                .bind(now - STATE_MAX_AGE_MS)
                .fetch_optional(&mut *conn)
                .await
            })
        })
    })
    .await
    .context("using a WeChat authorisation state")
}

pub async fn save_profile(
    db: &Db,
    openid: &str,
    nickname: Option<&str>,
    avatar_url: Option<&str>,
    now: i64,
) -> anyhow::Result<()> {
    let (openid, nickname, avatar) = (
        openid.to_owned(),
        nickname.map(str::to_owned),
        avatar_url.map(str::to_owned),
    );
    db.write_tx(move |tx| {
        Box::pin(async move {
            on_tx!(tx, |conn| {
                sqlx::query(
                    "INSERT INTO wechat_profiles (openid, nickname, avatar_url, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (openid) DO UPDATE SET nickname = $2, avatar_url = $3, updated_at = $4",
                )
                .bind(&openid)
                .bind(&nickname)
                .bind(&avatar)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            });
            Ok::<_, sqlx::Error>(())
        })
    })
    .await
    .context("saving a WeChat profile")
}

/// The participant (id, invite code) an openid is bound to in a campaign.
pub async fn participant_of(
    db: &Db,
    campaign_id: &str,
    openid: &str,
) -> anyhow::Result<Option<(String, String)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT p.id, p.code FROM wechat_identities w JOIN participants p ON p.id = w.participant_id \
             WHERE w.campaign_id = $1 AND w.openid = $2",
        )
        .bind(campaign_id)
        .bind(openid)
        .fetch_optional(pool)
        .await
        .context("finding a participant by openid")
    })
}

/// A campaign's participant id by invite code.
pub async fn participant_by_code(
    db: &Db,
    campaign_id: &str,
    code: &str,
) -> anyhow::Result<Option<String>> {
    with_db!(db, read, |pool| {
        sqlx::query_scalar("SELECT id FROM participants WHERE campaign_id = $1 AND code = $2")
            .bind(campaign_id)
            .bind(code)
            .fetch_optional(pool)
            .await
            .context("finding a participant by code")
    })
}

/// The openid a participant is bound to.
pub async fn openid_of(db: &Db, participant_id: &str) -> anyhow::Result<Option<String>> {
    with_db!(db, read, |pool| {
        sqlx::query_scalar("SELECT openid FROM wechat_identities WHERE participant_id = $1")
            .bind(participant_id)
            .fetch_optional(pool)
            .await
            .context("reading a participant's openid")
    })
}

/// Erasure: the participant's openid, profile and sightings go (a transfer keeps its
/// payee's openid: it is the payment's record).
pub async fn forget(tx: &mut Tx<'_>, participant_id: &str) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        for sql in [
            "DELETE FROM wechat_profiles WHERE openid IN (SELECT openid FROM wechat_identities WHERE participant_id = $1)",
            "DELETE FROM wechat_identities WHERE participant_id = $1",
            "DELETE FROM wechat_sightings WHERE participant_id = $1",
        ] {
            sqlx::query(sql).bind(participant_id).execute(&mut *conn).await?;
        }
    });
    Ok(())
}

/// What binding an openid to a participant found out.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Bound {
    /// The openid is now (or already was) this participant's.
    pub bound: bool,
    /// Participants of this campaign the openid joined as, this one included.
    pub participants_of_openid: i64,
    /// The participant's inviter is bound to the same openid.
    pub same_as_inviter: bool,
}

/// Records that `openid` joined as the participant and binds it when neither is bound
/// yet; copies WeChat's nickname to a participant who gave none. Then flags the
/// referral with what the openid says (see `crate::fraud::wechat_flags`).
pub async fn bind(
    db: &Db,
    campaign_id: &str,
    participant_id: &str,
    openid: &str,
    now: i64,
) -> anyhow::Result<Bound> {
    let (c, p, o) = (
        campaign_id.to_owned(),
        participant_id.to_owned(),
        openid.to_owned(),
    );
    db.write_tx(move |tx| Box::pin(async move { bind_in(tx, &c, &p, &o, now).await }))
        .await
        .context("binding an openid to a participant")
}

async fn bind_in(
    tx: &mut Tx<'_>,
    campaign_id: &str,
    participant_id: &str,
    openid: &str,
    now: i64,
) -> Result<Bound, sqlx::Error> {
    on_tx!(tx, |conn| {
        sqlx::query("INSERT INTO wechat_sightings (campaign_id, openid, participant_id, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(campaign_id)
            .bind(openid)
            .bind(participant_id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO wechat_identities (participant_id, campaign_id, openid, nickname, avatar_url, bound_at) \
             SELECT $1, $2, $3, f.nickname, f.avatar_url, $4 FROM (SELECT 1 AS one) x \
             LEFT JOIN wechat_profiles f ON f.openid = $3 ON CONFLICT DO NOTHING",
        )
        .bind(participant_id)
        .bind(campaign_id)
        .bind(openid)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE participants SET name = (SELECT nickname FROM wechat_identities WHERE participant_id = $1) \
             WHERE id = $1 AND name IS NULL",
        )
        .bind(participant_id)
        .execute(&mut *conn)
        .await?;
        let bound: Option<String> =
            sqlx::query_scalar("SELECT openid FROM wechat_identities WHERE participant_id = $1")
                .bind(participant_id)
                .fetch_optional(&mut *conn)
                .await?;
        let participants_of_openid: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM wechat_sightings WHERE campaign_id = $1 AND openid = $2",
        )
        .bind(campaign_id)
        .bind(openid)
        .fetch_one(&mut *conn)
        .await?;
        let inviter_openid: Option<String> = sqlx::query_scalar(
            "SELECT w.openid FROM participants p JOIN wechat_identities w ON w.participant_id = p.inviter_id WHERE p.id = $1",
        )
        .bind(participant_id)
        .fetch_optional(&mut *conn)
        .await?;
        let found = Bound {
            bound: bound.as_deref() == Some(openid),
            participants_of_openid,
            same_as_inviter: inviter_openid.as_deref() == Some(openid),
        };
        let found_flags = wechat_flags(&WechatSignals {
            participants_of_openid: found.participants_of_openid,
            same_as_inviter: found.same_as_inviter,
        });
        for flag in &found_flags {
            sqlx::query(
                "INSERT INTO fraud_flags (id, participant_id, campaign_id, rule, reason, created_at, weight, params) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (participant_id, rule) DO NOTHING",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(participant_id)
            .bind(campaign_id)
            .bind(flag.rule)
            .bind(flag.reason())
            .bind(now)
            .bind(flag.weight)
            .bind(flag.params.to_string())
            .execute(&mut *conn)
            .await?;
        }
        if !found_flags.is_empty() {
            // The referral's risk score is the sum of its flags' weights, at most 100.
            sqlx::query(
                "UPDATE referrals SET risk_score = (SELECT CASE WHEN COALESCE(SUM(weight), 0) > 100 THEN 100 \
                 ELSE COALESCE(SUM(weight), 0) END FROM fraud_flags WHERE participant_id = $1) WHERE invitee_id = $1",
            )
            .bind(participant_id)
            .execute(&mut *conn)
            .await?;
        }
        if let Some(first) = found_flags.first() {
            // Held for review like any flagged referral, unless it was already rewarded
            // (then the flag is there for the reviewer and finance).
            sqlx::query(
                "UPDATE referrals SET state = 'held', cancel_reason = $2, cancelled_at = $1 WHERE invitee_id = $3 \
                 AND (state IN ('pending', 'holding') OR (state = 'qualified' AND rewarded_at IS NULL))",
            )
            .bind(now)
            .bind(first.rule)
            .bind(participant_id)
            .execute(&mut *conn)
            .await?;
        }
        Ok(found)
    })
}

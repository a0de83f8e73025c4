//! "提醒我": phones that asked to hear when a campaign opens, and the job that tells each
//! of them once. A reminder is claimed with a lease before it is sent (two servers never
//! both send it), marked sent after the provider took it, and its phone is then kept
//! only as a keyed hash.

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::db::time::to_ms;
use crate::db::{Backend, Db};
use crate::participants::Phone;
use crate::state::AppState;
use crate::with_db;

/// What the remind-me box says; its sha256 is stored with each reminder.
pub const CONSENT_TEXT: &str = "同意在活动开始时接收一条短信提醒（手机号仅用于本次提醒）";
/// How long a claim holds before another server may take the reminder over.
const LEASE_MS: i64 = 5 * 60 * 1000;
/// Reminders claimed per run.
const BATCH: i64 = 100;
/// Sends tried before a reminder is given up.
const MAX_ATTEMPTS: i64 = 5;

/// Stores a reminder; false when this phone had already asked (nothing changes).
pub async fn add(db: &Db, campaign_id: &str, phone: &Phone, now_ms: i64) -> anyhow::Result<bool> {
    let consent = hex::encode(Sha256::digest(CONSENT_TEXT.as_bytes()));
    let added = with_db!(db, write, |pool| {
        sqlx::query(
        "INSERT INTO campaign_reminders (id, campaign_id, phone, consent_text_sha256, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (campaign_id, phone) DO NOTHING"
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(campaign_id)
    .bind(phone.as_str())
    .bind(&consent)
    .bind(now_ms)
    .execute(pool)
    .await
    .map(|done| done.rows_affected())
    })
    .context("storing a reminder")?;
    Ok(added == 1)
}

/// Due reminders of campaigns that are open now: not sent, not given up, not claimed
/// (or their claim lapsed). Binds: $1 now ms, $2 batch size.
const DUE: &str = "SELECT r.id FROM campaign_reminders r JOIN campaigns c ON c.id = r.campaign_id \
     WHERE r.sent_at IS NULL AND r.failed_at IS NULL \
     AND (r.claimed_until IS NULL OR r.claimed_until < $1) AND c.status = 'active' \
     AND (c.starts_at IS NULL OR c.starts_at <= $1) AND (c.ends_at IS NULL OR c.ends_at > $1) \
     ORDER BY r.created_at LIMIT $2";

/// The claim repeats the row's own conditions: on PostgreSQL a row another server claimed
/// meanwhile is re-checked after its lock and skipped.
fn claim_sql(backend: Backend) -> String {
    let lock = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE OF r SKIP LOCKED",
    };
    format!(
        "UPDATE campaign_reminders SET claim_token = $3, claimed_until = $4, attempts = attempts + 1 \
         WHERE id IN ({DUE}{lock}) AND sent_at IS NULL AND failed_at IS NULL \
         AND (claimed_until IS NULL OR claimed_until < $1) \
         RETURNING id, campaign_id, phone, attempts"
    )
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: String,
    campaign_id: String,
    phone: String,
    attempts: i32,
}

async fn claim(db: &Db, token: &str, now_ms: i64) -> anyhow::Result<Vec<Claimed>> {
    let sql = claim_sql(db.backend());
    with_db!(db, write, |pool| sqlx::query_as(&sql)
        .bind(now_ms)
        .bind(BATCH)
        .bind(token)
        .bind(now_ms + LEASE_MS)
        .fetch_all(pool)
        .await)
    .context("claiming due reminders")
}

async fn campaign_title(db: &Db, campaign_id: &str) -> anyhow::Result<String> {
    with_db!(db, read, |pool| sqlx::query_scalar(
        "SELECT title FROM campaigns WHERE id = $1"
    )
    .bind(campaign_id)
    .fetch_one(pool)
    .await)
    .context("reading a reminded campaign's title")
}

/// What a sent reminder keeps in place of the phone: its keyed hash (privacy requests
/// find the row by it).
pub fn hashed_phone(signer: &crate::http::signing::Signer, phone: &str) -> String {
    signer.hash("reminder-phone", &[phone])
}

/// After the provider took it: sent, and the phone kept only as its hash.
async fn mark_sent(
    db: &Db,
    r: &Claimed,
    token: &str,
    hashed: &str,
    now_ms: i64,
) -> anyhow::Result<()> {
    with_db!(db, write, |pool| sqlx::query(
        "UPDATE campaign_reminders SET sent_at = $1, phone = $2, claimed_until = NULL \
         WHERE id = $3 AND claim_token = $4"
    )
    .bind(now_ms)
    .bind(hashed)
    .bind(&r.id)
    .bind(token)
    .execute(pool)
    .await
    .map(|_| ()))
    .context("marking a reminder sent")?;
    Ok(())
}

/// The send failed: retried once the lease lapses, given up after the last attempt.
async fn mark_failed(db: &Db, r: &Claimed, token: &str, now_ms: i64) -> anyhow::Result<()> {
    let given_up = (i64::from(r.attempts) >= MAX_ATTEMPTS).then_some(now_ms);
    with_db!(db, write, |pool| sqlx::query(
        "UPDATE campaign_reminders SET failed_at = $1 WHERE id = $2 AND claim_token = $3"
    )
    .bind(given_up)
    .bind(&r.id)
    .bind(token)
    .execute(pool)
    .await
    .map(|_| ()))
    .context("recording a failed reminder")?;
    Ok(())
}

/// Sends the reminders of campaigns that have opened; returns how many were sent.
pub async fn send_due(state: &AppState, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<u64> {
    let now_ms = to_ms(now);
    let token = uuid::Uuid::now_v7().to_string();
    let claimed = claim(&state.db, &token, now_ms).await?;
    let mut sent = 0;
    let mut titles = std::collections::HashMap::new();
    for r in &claimed {
        let title = match titles.get(&r.campaign_id) {
            Some(t) => t,
            None => {
                let t = campaign_title(&state.db, &r.campaign_id).await?;
                titles.entry(r.campaign_id.clone()).or_insert(t)
            }
        };
        let outcome = match Phone::parse(&r.phone) {
            Ok(phone) => state.sms.send_opening(&phone, title).await,
            Err(e) => Err(anyhow::anyhow!("stored reminder phone unreadable: {e:?}")),
        };
        match outcome {
            Ok(()) => {
                let hashed = hashed_phone(&state.signer, &r.phone);
                mark_sent(&state.db, r, &token, &hashed, to_ms(chrono::Utc::now())).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(error = ?e, reminder = %r.id, attempt = r.attempts, "reminder SMS failed");
                mark_failed(&state.db, r, &token, now_ms).await?;
            }
        }
    }
    Ok(sent)
}

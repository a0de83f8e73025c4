//! The SQL of one-time codes and of the send limits shared by every server.

use crate::db::Tx;
use crate::on_tx;

/// One limit on sending: a counter per window, or a pause after each send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// At most `max` sends in the bucket (its key names the window).
    Count {
        bucket: String,
        max: i64,
        until: i64,
    },
    /// At least `gap_ms` between two sends.
    Gap { bucket: String, gap_ms: i64 },
}

/// Takes one send from `limit`, atomically (an upsert whose update refuses past the
/// limit, so two servers cannot both take the last one). False: over the limit.
pub async fn take(tx: &mut Tx<'_>, limit: &Limit, now_ms: i64) -> Result<bool, sqlx::Error> {
    let (sql, bucket, value, bound, until) = match limit {
        Limit::Count { bucket, max, until } => (
            "INSERT INTO sms_send_counters (bucket, value, expires_at) VALUES ($1, $2, $4) \
             ON CONFLICT (bucket) DO UPDATE SET value = sms_send_counters.value + 1 \
             WHERE sms_send_counters.value < $3 RETURNING value",
            bucket,
            1,
            *max,
            *until,
        ),
        Limit::Gap { bucket, gap_ms } => (
            "INSERT INTO sms_send_counters (bucket, value, expires_at) VALUES ($1, $2, $4) \
             ON CONFLICT (bucket) DO UPDATE SET value = $2, expires_at = $4 \
             WHERE sms_send_counters.value <= $3 RETURNING value",
            bucket,
            now_ms,
            now_ms - gap_ms,
            now_ms + gap_ms,
        ),
    };
    let taken: Option<i64> = on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(bucket)
        .bind(value)
        .bind(bound)
        .bind(until)
        .fetch_optional(&mut *conn)
        .await)?;
    Ok(taken.is_some())
}

/// Forgets counters whose window has passed.
pub async fn sweep(tx: &mut Tx<'_>, now_ms: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query(
        "DELETE FROM sms_send_counters WHERE expires_at < $1"
    )
    .bind(now_ms)
    .execute(&mut *conn)
    .await
    .map(|_| ()))
}

/// A new code, stored as its hash only.
pub async fn insert(
    tx: &mut Tx<'_>,
    id: &str,
    participant_id: &str,
    code_hash: &str,
    now_ms: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO phone_codes (id, participant_id, code_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(id)
    .bind(participant_id)
    .bind(code_hash)
    .bind(now_ms)
    .bind(expires_at)
    .execute(&mut *conn)
    .await
    .map(|_| ()))
}

/// The participant's latest code.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CodeRow {
    pub id: String,
    pub code_hash: String,
    pub expires_at: i64,
    pub attempts: i64,
    pub consumed_at: Option<i64>,
}

pub async fn latest(tx: &mut Tx<'_>, participant_id: &str) -> Result<Option<CodeRow>, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_as(
        "SELECT id, code_hash, expires_at, CAST(attempts AS BIGINT) AS attempts, consumed_at \
         FROM phone_codes WHERE participant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1"
    )
    .bind(participant_id)
    .fetch_optional(&mut *conn)
    .await)
}

/// Counts one try on the participant's latest code if it is live (unused, unexpired,
/// under `max` tries); false when it is not. A write first, so the transaction holds the
/// write lock (SQLite) or the row's lock (PostgreSQL) before it reads: racing tries queue.
pub async fn count_try(
    tx: &mut Tx<'_>,
    participant_id: &str,
    max: i64,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
        "UPDATE phone_codes SET attempts = attempts + 1 WHERE id = (SELECT id FROM phone_codes \
         WHERE participant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1) \
         AND consumed_at IS NULL AND expires_at > $2 AND attempts < $3"
    )
    .bind(participant_id)
    .bind(now_ms)
    .bind(max)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(done == 1)
}

/// Uses the code up; false when another request used it first.
pub async fn consume(tx: &mut Tx<'_>, id: &str, now_ms: i64) -> Result<bool, sqlx::Error> {
    let done = on_tx!(tx, |conn| sqlx::query(
        "UPDATE phone_codes SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL"
    )
    .bind(id)
    .bind(now_ms)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

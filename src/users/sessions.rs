//! Console sessions in the database. The browser holds a random secret; the table holds
//! its SHA-256 (the session id), the session's CSRF secret and when it was last used.

use anyhow::Context;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::model::User;
use crate::auth::Role;
use crate::db::time::{from_ms, to_ms};
use crate::db::{Db, Tx};
use crate::{on_tx, with_db};

/// A live session with the account it belongs to.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub user: User,
    pub csrf: String,
    pub last_seen_at: DateTime<Utc>,
}

fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn session_id(cookie_secret: &str) -> String {
    hex::encode(Sha256::digest(cookie_secret.as_bytes()))
}

/// Starts a session for the user; returns the secret for the browser's cookie.
pub async fn start(db: &Db, user_id: &str, now: DateTime<Utc>) -> anyhow::Result<String> {
    let secret = random_secret();
    with_db!(db, write, |pool| {
        sqlx::query(
            "INSERT INTO console_sessions (id, user_id, csrf_secret, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(session_id(&secret))
        .bind(user_id)
        .bind(random_secret())
        .bind(to_ms(now))
        .execute(pool)
        .await
        .context("starting a console session")?;
    });
    Ok(secret)
}

/// The session of this cookie secret if it is live: not signed out, used within `idle`,
/// its account not disabled.
pub async fn find(
    db: &Db,
    cookie_secret: &str,
    now: DateTime<Utc>,
    idle: Duration,
) -> anyhow::Result<Option<Session>> {
    if cookie_secret.len() > 128 {
        return Ok(None);
    }
    type Row = (String, String, i64, String, String, Role, i64);
    let row: Option<Row> = with_db!(db, read, |pool| sqlx::query_as(
        "SELECT s.id, s.csrf_secret, s.last_seen_at, u.id, u.email, u.role, u.created_at \
         FROM console_sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id = $1 AND s.signed_out_at IS NULL AND s.last_seen_at > $2 \
         AND u.disabled_at IS NULL"
    )
    .bind(session_id(cookie_secret))
    .bind(to_ms(now - idle))
    .fetch_optional(pool)
    .await
    .context("reading a console session")?);
    Ok(
        row.map(|(id, csrf, seen, user_id, email, role, created)| Session {
            id,
            csrf,
            last_seen_at: from_ms(seen),
            user: User {
                id: user_id,
                email,
                role,
                created_at: from_ms(created),
                disabled_at: None,
            },
        }),
    )
}

/// Marks the session used now (callers do this at most once a minute).
pub async fn touch(db: &Db, id: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
    with_db!(db, write, |pool| {
        sqlx::query(
            "UPDATE console_sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1",
        )
        .bind(to_ms(now))
        .bind(id)
        .execute(pool)
        .await
        .context("touching a console session")?;
    });
    Ok(())
}

/// Signs one session out; its cookie is refused from now on.
pub async fn end(db: &Db, id: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
    with_db!(db, write, |pool| {
        sqlx::query(
            "UPDATE console_sessions SET signed_out_at = COALESCE(signed_out_at, $1) WHERE id = $2",
        )
        .bind(to_ms(now))
        .bind(id)
        .execute(pool)
        .await
        .context("ending a console session")?;
    });
    Ok(())
}

/// Signs every session of the user out, inside the caller's transaction.
pub async fn end_all_in(tx: &mut Tx<'_>, user_id: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
        "UPDATE console_sessions SET signed_out_at = $1 WHERE user_id = $2 AND signed_out_at IS NULL"
    )
    .bind(to_ms(now))
    .bind(user_id)
    .execute(&mut *conn)
    .await
    .context("ending a user's console sessions")?;
    });
    Ok(())
}

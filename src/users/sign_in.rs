//! Signing in: the password checked against argon2id, failures counted per account and
//! per client address in the database (so every server sees the same count).

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::model::{Email, User};
use super::{password, sessions, store};
use crate::config::ConsoleSettings;
use crate::db::time::to_ms;
use crate::db::Db;
use crate::with_db;

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown e-mail or wrong password: the same answer for both.
    #[error("wrong e-mail or password")]
    Invalid,
    #[error("the account is disabled")]
    Disabled,
    #[error("too many failed sign-ins")]
    RateLimited,
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

/// A signed-in user and the secret for their session cookie.
pub struct SignedIn {
    pub user: User,
    pub cookie_secret: String,
}

pub async fn sign_in(
    db: &Db,
    limits: &ConsoleSettings,
    email: &str,
    given_password: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<SignedIn, SignInError> {
    let account = email.trim().to_lowercase();
    let since = now - chrono::Duration::from_std(limits.sign_in_window).unwrap_or_default();
    let (by_account, by_address) = failures_since(db, &account, address, since).await?;
    if by_account >= i64::from(limits.failures_per_account)
        || by_address >= i64::from(limits.failures_per_address)
    {
        return Err(SignInError::RateLimited);
    }
    let found = match Email::parse(&account) {
        Ok(email) => store::by_email(db, &email).await?,
        Err(_) => None,
    };
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let matches = password::verify(given_password.to_owned(), hash).await;
    let user = match user {
        Some(user) if matches => user,
        _ => {
            record_failure(db, &account, address, now, since).await?;
            return Err(SignInError::Invalid);
        }
    };
    if user.disabled_at.is_some() {
        return Err(SignInError::Disabled);
    }
    forget_failures(db, &account).await?;
    let cookie_secret = sessions::start(db, &user.id, now).await?;
    Ok(SignedIn {
        user,
        cookie_secret,
    })
}

async fn failures_since(
    db: &Db,
    account: &str,
    address: &str,
    since: DateTime<Utc>,
) -> anyhow::Result<(i64, i64)> {
    with_db!(db, read, |pool| sqlx::query_as(
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN account = $1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN address = $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM sign_in_failures WHERE (account = $1 OR address = $2) AND at > $3"
    )
    .bind(account)
    .bind(address)
    .bind(to_ms(since))
    .fetch_one(pool)
    .await
    .context("counting failed sign-ins"))
}

async fn record_failure(
    db: &Db,
    account: &str,
    address: &str,
    now: DateTime<Utc>,
    expired_before: DateTime<Utc>,
) -> anyhow::Result<()> {
    let account: String = account.chars().take(254).collect();
    with_db!(db, write, |pool| {
        sqlx::query("DELETE FROM sign_in_failures WHERE at <= $1")
            .bind(to_ms(expired_before))
            .execute(pool)
            .await
            .context("sweeping old failed sign-ins")?;
        sqlx::query(
            "INSERT INTO sign_in_failures (id, account, address, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&account)
        .bind(address)
        .bind(to_ms(now))
        .execute(pool)
        .await
        .context("recording a failed sign-in")?;
    });
    Ok(())
}

async fn forget_failures(db: &Db, account: &str) -> anyhow::Result<()> {
    with_db!(db, write, |pool| {
        sqlx::query("DELETE FROM sign_in_failures WHERE account = $1")
            .bind(account)
            .execute(pool)
            .await
            .context("clearing failed sign-ins")?;
    });
    Ok(())
}

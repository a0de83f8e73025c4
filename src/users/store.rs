//! SQL for `users`.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::model::{Email, User};
use crate::audit::{self, Actor};
use crate::auth::Role;
use crate::db::time::{from_ms, to_ms};
use crate::db::{is_unique_violation, Db};
use crate::{on_tx, with_db};

type Row = (String, String, Role, i64, Option<i64>);

const COLUMNS: &str = "id, email, role, created_at, disabled_at";

impl From<Row> for User {
    fn from((id, email, role, created, disabled): Row) -> Self {
        User {
            id,
            email,
            role,
            created_at: from_ms(created),
            disabled_at: disabled.map(from_ms),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    #[error("an account with this e-mail already exists")]
    EmailTaken,
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

pub async fn insert(
    db: &Db,
    email: &Email,
    role: Role,
    password_hash: &str,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<User, InsertError> {
    let user = User {
        id: uuid::Uuid::now_v7().to_string(),
        email: email.as_str().to_owned(),
        role,
        created_at: from_ms(to_ms(now)),
        disabled_at: None,
    };
    let (stored, hash, actor) = (user.clone(), password_hash.to_owned(), actor.clone());
    let result = db
        .write_tx(move |tx| {
            Box::pin(async move {
                on_tx!(tx, |conn| {
                    sqlx::query(
                        "INSERT INTO users (id, email, role, password_hash, created_at, password_changed_at) \
                         VALUES ($1, $2, $3, $4, $5, $5)",
                    )
                    .bind(&stored.id)
                    .bind(&stored.email)
                    .bind(stored.role)
                    .bind(&hash)
                    .bind(to_ms(now))
                    .execute(&mut *conn)
                    .await?;
                });
                let after = audit::snapshot(&stored);
                audit::record(tx, &actor, "user.created", None, &stored.id, None, after).await
            })
        })
        .await;
    match result {
        Ok(()) => Ok(user),
        Err(e) if is_unique_violation(&e) => Err(InsertError::EmailTaken),
        Err(e) => Err(anyhow::Error::new(e).context("storing a user").into()),
    }
}

/// The account and its password hash.
pub async fn by_email(db: &Db, email: &Email) -> anyhow::Result<Option<(User, String)>> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE lower(email) = $1");
    let row: Option<(String, String, Role, i64, Option<i64>, String)> =
        with_db!(db, read, |pool| sqlx::query_as(&sql)
            .bind(email.as_str())
            .fetch_optional(pool)
            .await
            .context("reading a user by e-mail")?);
    Ok(row.map(|(id, email, role, created, disabled, hash)| {
        (User::from((id, email, role, created, disabled)), hash)
    }))
}

/// Every account, oldest first.
pub async fn list(db: &Db) -> anyhow::Result<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY created_at, id");
    let rows: Vec<Row> = with_db!(db, read, |pool| sqlx::query_as(&sql)
        .fetch_all(pool)
        .await
        .context("listing users")?);
    Ok(rows.into_iter().map(User::from).collect())
}

/// Sets a new password and signs the account out everywhere, in one transaction.
pub async fn set_password(
    db: &Db,
    email: &Email,
    password_hash: String,
    now: DateTime<Utc>,
    actor: &Actor,
) -> anyhow::Result<Option<User>> {
    let (email, actor) = (email.as_str().to_owned(), actor.clone());
    let sql = format!(
        "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE lower(email) = $3 RETURNING {COLUMNS}"
    );
    db.write_tx(move |tx| {
        Box::pin(async move {
            let row: Option<Row> = on_tx!(tx, |conn| sqlx::query_as(&sql)
                .bind(&password_hash)
                .bind(to_ms(now))
                .bind(&email)
                .fetch_optional(&mut *conn)
                .await
                .context("changing a password")?);
            let Some(row) = row else { return Ok(None) };
            super::sessions::end_all_in(tx, &row.0, now).await?;
            let user = User::from(row);
            let after = audit::snapshot(&user);
            audit::record(
                tx,
                &actor,
                "user.password_changed",
                None,
                &user.id,
                None,
                after,
            )
            .await?;
            Ok(Some(user))
        })
    })
    .await
}

/// Disables the account (keeping the first time) and ends its sessions, in one transaction.
pub async fn disable(
    db: &Db,
    email: &Email,
    now: DateTime<Utc>,
    actor: &Actor,
) -> anyhow::Result<Option<User>> {
    let (email, actor) = (email.as_str().to_owned(), actor.clone());
    let sql = format!(
        "UPDATE users SET disabled_at = COALESCE(disabled_at, $1) WHERE lower(email) = $2 RETURNING {COLUMNS}"
    );
    db.write_tx(move |tx| {
        Box::pin(async move {
            let row: Option<Row> = on_tx!(tx, |conn| sqlx::query_as(&sql)
                .bind(to_ms(now))
                .bind(&email)
                .fetch_optional(&mut *conn)
                .await
                .context("disabling a user")?);
            let Some(row) = row else { return Ok(None) };
            super::sessions::end_all_in(tx, &row.0, now).await?;
            let after = User::from(row);
            let before = User {
                disabled_at: None,
                ..after.clone()
            };
            if after.disabled_at.map(to_ms) == Some(to_ms(now)) {
                let (was, is) = (audit::snapshot(&before), audit::snapshot(&after));
                audit::record(tx, &actor, "user.disabled", None, &after.id, was, is).await?;
            }
            Ok(Some(after))
        })
    })
    .await
}

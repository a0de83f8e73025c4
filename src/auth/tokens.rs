use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::audit::{self, Actor};
use crate::db::time::{from_ms, to_ms};
use crate::db::Db;
use crate::{on_tx, with_db};

/// What a token may do: `admin` all, `marketer` campaigns, `finance` money, `viewer` read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Marketer,
    Finance,
    Viewer,
}

crate::text_enum!(Role {
    Admin = "admin",
    Marketer = "marketer",
    Finance = "finance",
    Viewer = "viewer",
});

const PREFIX: &str = "fsn_";

#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub id: String,
    pub name: String,
    pub role: Role,
}

impl From<&TokenOwner> for Actor {
    /// Who did it, for an audit entry: the token, by id and name (names can repeat).
    fn from(owner: &TokenOwner) -> Actor {
        Actor::token(&owner.id, &owner.name)
    }
}

/// A token as stored and listed: never its secret, which only its creator ever sees.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Token)]
pub struct TokenRecord {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// `null`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// `null`: not revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

type Row = (String, String, Role, i64, Option<i64>, Option<i64>);

impl From<Row> for TokenRecord {
    fn from((id, name, role, created, expires, revoked): Row) -> Self {
        TokenRecord {
            id,
            name,
            role,
            created_at: from_ms(created),
            expires_at: expires.map(from_ms),
            revoked_at: revoked.map(from_ms),
        }
    }
}

const COLUMNS: &str = "id, name, role, created_at, expires_at, revoked_at";

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a token that never expires and returns its secret text: the start-up's own
/// (`fission demo`), audited as the system.
pub async fn create(db: &Db, name: &str, role: Role, now: DateTime<Utc>) -> anyhow::Result<String> {
    let actor = Actor::system("start-up");
    Ok(issue(db, name, role, now, None, &actor).await?.1)
}

/// Creates a token, expiring at `expires_at` when given; returns it with its secret
/// text. Only the digest of the secret is kept; the audit entry has the record, never
/// the secret.
pub async fn issue(
    db: &Db,
    name: &str,
    role: Role,
    now: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    actor: &Actor,
) -> anyhow::Result<(TokenRecord, String)> {
    use anyhow::Context;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let record = TokenRecord {
        id: uuid::Uuid::now_v7().to_string(),
        name: name.to_owned(),
        role,
        created_at: from_ms(to_ms(now)),
        expires_at: expires_at.map(|t| from_ms(to_ms(t))),
        revoked_at: None,
    };
    let (stored, hash, actor) = (record.clone(), digest(&secret), actor.clone());
    db.write_tx(move |tx| {
        Box::pin(async move {
            on_tx!(tx, |conn| {
                sqlx::query("INSERT INTO api_tokens (id, name, role, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&stored.id)
                    .bind(&stored.name)
                    .bind(stored.role)
                    .bind(&hash)
                    .bind(to_ms(stored.created_at))
                    .bind(stored.expires_at.map(to_ms))
                    .execute(&mut *conn)
                    .await?;
            });
            let after = audit::snapshot(&stored);
            audit::record(tx, &actor, "token.created", None, &stored.id, None, after).await
        })
    })
    .await
    .context("storing a token")?;
    Ok((record, secret))
}

/// Every token, newest first, revoked and expired ones included.
pub async fn list(db: &Db) -> anyhow::Result<Vec<TokenRecord>> {
    use anyhow::Context;
    let sql = format!("SELECT {COLUMNS} FROM api_tokens ORDER BY created_at DESC, id DESC");
    let rows: Vec<Row> = with_db!(db, read, |pool| {
        sqlx::query_as(&sql)
            .fetch_all(pool)
            .await
            .context("listing tokens")?
    });
    Ok(rows.into_iter().map(TokenRecord::from).collect())
}

/// Revokes a token from `now` on; revoking it again keeps the first time. `None` when
/// no token has this id. Audited when it was live until now.
pub async fn revoke(
    db: &Db,
    id: &str,
    now: DateTime<Utc>,
    actor: &Actor,
) -> anyhow::Result<Option<TokenRecord>> {
    use anyhow::Context;
    let (id, actor) = (id.to_owned(), actor.clone());
    db.write_tx(move |tx| {
        Box::pin(async move {
            let before: Option<Row> = on_tx!(tx, |conn| {
                let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1");
                sqlx::query_as(&sql).bind(&id).fetch_optional(&mut *conn).await?
            });
            let Some(before) = before.map(TokenRecord::from) else {
                return Ok(None);
            };
            let row: Row = on_tx!(tx, |conn| {
                let sql = format!(
                    "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING {COLUMNS}"
                );
                sqlx::query_as(&sql).bind(to_ms(now)).bind(&id).fetch_one(&mut *conn).await?
            });
            let after = TokenRecord::from(row);
            if before.revoked_at.is_none() {
                let (was, is) = (audit::snapshot(&before), audit::snapshot(&after));
                audit::record(tx, &actor, "token.revoked", None, &id, was, is).await?;
            }
            Ok::<_, sqlx::Error>(Some(after))
        })
    })
    .await
    .context("revoking a token")
}

/// Finds the live (not revoked, not expired) token with this secret. The lookup is by
/// digest, so the secret itself is never compared or stored.
pub async fn authenticate(db: &Db, secret: &str) -> Result<Option<TokenOwner>, sqlx::Error> {
    if !secret.starts_with(PREFIX) || secret.len() > 128 {
        return Ok(None);
    }
    let row: Option<(String, String, Role)> = with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT id, name, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(digest(secret))
        .bind(to_ms(Utc::now()))
        .fetch_optional(pool)
        .await?
    });
    Ok(row.map(|(id, name, role)| TokenOwner { id, name, role }))
}

/// A lifetime like `90d`, `12h` or `30m`, from 1 minute to 10 years.
pub fn parse_lifetime(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    let split = raw.len().checked_sub(1)?;
    let (number, unit) = raw.split_at(split);
    let n: i64 = number.parse().ok().filter(|n| *n > 0)?;
    let lifetime = match unit {
        "d" => Duration::try_days(n)?,
        "h" => Duration::try_hours(n)?,
        "m" => Duration::try_minutes(n)?,
        _ => return None,
    };
    (lifetime <= Duration::days(3650)).then_some(lifetime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_days_hours_and_minutes() {
        assert_eq!(parse_lifetime("90d"), Some(Duration::days(90)));
        assert_eq!(parse_lifetime("12h"), Some(Duration::hours(12)));
        assert_eq!(parse_lifetime("30m"), Some(Duration::minutes(30)));
        for bad in ["", "d", "0d", "-1d", "90", "90w", "99999d", "1.5d"] {
            assert_eq!(parse_lifetime(bad), None, "{bad}");
        }
    }
}

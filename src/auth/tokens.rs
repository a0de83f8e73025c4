use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::time::{from_ms, to_ms};
use crate::db::Db;
use crate::with_db;

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

impl TokenOwner {
    /// Who did it, for an audit entry: the token's name and its id (names can repeat).
    pub fn actor(&self) -> String {
        format!("{} ({})", self.name, self.id)
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

/// Creates a token that never expires and returns its secret text.
pub async fn create(db: &Db, name: &str, role: Role, now: DateTime<Utc>) -> anyhow::Result<String> {
    Ok(issue(db, name, role, now, None).await?.1)
}

/// Creates a token, expiring at `expires_at` when given; returns it with its secret
/// text. Only the digest of the secret is kept.
pub async fn issue(
    db: &Db,
    name: &str,
    role: Role,
    now: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
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
    with_db!(db, write, |pool| {
        sqlx::query("INSERT INTO api_tokens (id, name, role, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&record.id)
            .bind(name)
            .bind(role)
            .bind(digest(&secret))
            .bind(to_ms(now))
            .bind(record.expires_at.map(to_ms))
            .execute(pool)
            .await
            .context("storing a token")?;
    });
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
/// no token has this id.
pub async fn revoke(db: &Db, id: &str, now: DateTime<Utc>) -> anyhow::Result<Option<TokenRecord>> {
    use anyhow::Context;
    let sql = format!(
        "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING {COLUMNS}"
    );
    let row: Option<Row> = with_db!(db, write, |pool| {
        sqlx::query_as(&sql)
            .bind(to_ms(now))
            .bind(id)
            .fetch_optional(pool)
            .await
            .context("revoking a token")?
    });
    Ok(row.map(TokenRecord::from))
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

//! The `audit_log` table: entries written inside other transactions, read newest first.

use anyhow::Context;

use super::model::{Actor, ActorKind};
use crate::db::{Db, Tx};
use crate::{on_tx, with_db};

/// One change as stored; `before` and `after` are JSON text.
pub struct NewEntry<'a> {
    pub at_ms: i64,
    pub actor: &'a Actor,
    pub action: &'a str,
    pub campaign_id: Option<&'a str>,
    pub subject: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub async fn insert(tx: &mut Tx<'_>, entry: NewEntry<'_>) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor, actor_kind, actor_id, action, campaign_id, subject, \
             before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(entry.at_ms)
        .bind(&entry.actor.name)
        .bind(entry.actor.kind)
        .bind(&entry.actor.id)
        .bind(entry.action)
        .bind(entry.campaign_id)
        .bind(entry.subject)
        .bind(entry.before)
        .bind(entry.after)
        .execute(&mut *conn)
        .await
        .map(|_| ())
    })
}

/// Which entries to list; every field narrows the list.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// A campaign's slug.
    pub campaign: Option<String>,
    /// A token's or user's id, or its name / email.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Entries older than this one (its time and id): the next page.
    pub before: Option<(i64, String)>,
}

#[derive(Debug, sqlx::FromRow)]
pub struct EntryRow {
    pub id: String,
    pub at: i64,
    pub actor: String,
    pub actor_kind: ActorKind,
    pub actor_id: Option<String>,
    pub action: String,
    pub campaign_id: Option<String>,
    pub campaign_slug: Option<String>,
    pub subject: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

enum Arg {
    Text(String),
    Int(i64),
}

/// Adds an argument; its placeholder number.
fn next(arg: Arg, args: &mut Vec<Arg>) -> usize {
    args.push(arg);
    args.len()
}

/// The `WHERE` clause of a filter with its arguments, placeholders numbered in order.
fn conditions(filter: &Filter) -> (String, Vec<Arg>) {
    let mut sql = Vec::new();
    let mut args = Vec::new();
    if let Some(slug) = &filter.campaign {
        let n = next(Arg::Text(slug.clone()), &mut args);
        sql.push(format!("c.slug = ${n}"));
    }
    if let Some(actor) = &filter.actor {
        let n = next(Arg::Text(actor.clone()), &mut args);
        sql.push(format!("(a.actor_id = ${n} OR a.actor = ${n})"));
    }
    if let Some(action) = &filter.action {
        let n = next(Arg::Text(action.clone()), &mut args);
        sql.push(format!("a.action = ${n}"));
    }
    if let Some(since) = filter.since_ms {
        let n = next(Arg::Int(since), &mut args);
        sql.push(format!("a.at >= ${n}"));
    }
    if let Some(until) = filter.until_ms {
        let n = next(Arg::Int(until), &mut args);
        sql.push(format!("a.at < ${n}"));
    }
    if let Some((at, id)) = &filter.before {
        let n = next(Arg::Int(*at), &mut args);
        let m = next(Arg::Text(id.clone()), &mut args);
        sql.push(format!("(a.at < ${n} OR (a.at = ${n} AND a.id < ${m}))"));
    }
    let clause = if sql.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", sql.join(" AND "))
    };
    (clause, args)
}

/// Up to `limit` entries matching `filter`, newest first.
pub async fn list(db: &Db, filter: &Filter, limit: i64) -> anyhow::Result<Vec<EntryRow>> {
    let (clause, args) = conditions(filter);
    let sql = format!(
        "SELECT a.id, a.at, a.actor, a.actor_kind, a.actor_id, a.action, a.campaign_id, \
         c.slug AS campaign_slug, a.subject, a.before_json, a.after_json \
         FROM audit_log a LEFT JOIN campaigns c ON c.id = a.campaign_id {clause} \
         ORDER BY a.at DESC, a.id DESC LIMIT {limit}"
    );
    with_db!(db, read, |pool| {
        let mut query = sqlx::query_as(&sql);
        for arg in &args {
            query = match arg {
                Arg::Text(text) => query.bind(text.as_str()),
                Arg::Int(int) => query.bind(*int),
            };
        }
        query.fetch_all(pool).await.context("listing audit entries")
    })
}

//! Writing an entry beside a change, and reading the log page by page.

use chrono::Utc;
use serde::Serialize;
use serde_json::Value;

use super::model::Actor;
use super::store::{self, Filter, NewEntry};
use super::views::{AuditEntry, AuditPage};
use crate::db::time::to_ms;
use crate::db::{Db, Tx};
use crate::http::cursor;
use crate::http::error::{ApiError, ErrorCode};

/// Records a change inside the transaction that makes it. `subject` names what changed
/// (an id, a slug, a code); `before`/`after` are its states (`None`: it did not exist,
/// or has no state worth keeping). Secrets never go in here.
pub async fn record(
    tx: &mut Tx<'_>,
    actor: &Actor,
    action: &str,
    campaign_id: Option<&str>,
    subject: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> sqlx::Result<()> {
    let entry = NewEntry {
        at_ms: to_ms(Utc::now()),
        actor,
        action,
        campaign_id,
        subject,
        before: before.map(|v| v.to_string()),
        after: after.map(|v| v.to_string()),
    };
    store::insert(tx, entry).await
}

/// A value as the JSON an entry keeps (`None` if it cannot be serialised, which the
/// views of this crate always can).
pub fn snapshot<T: Serialize>(value: &T) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// One page of entries, newest first; `page` is the previous page's `next_cursor`.
pub async fn list(
    db: &Db,
    mut filter: Filter,
    page: Option<&str>,
    limit: i64,
) -> Result<AuditPage, ApiError> {
    if let Some(raw) = page {
        filter.before = Some(cursor::parse(raw).ok_or_else(|| {
            ApiError::bad_request(ErrorCode::InvalidQuery, "cursor is not one this API gave")
        })?);
    }
    let limit = limit.clamp(1, 500);
    let rows = store::list(db, &filter, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let entries: Vec<AuditEntry> = rows
        .into_iter()
        .take(limit as usize)
        .map(AuditEntry::from)
        .collect();
    let next_cursor = more
        .then(|| entries.last().map(|e| cursor::encode(to_ms(e.at), &e.id)))
        .flatten();
    Ok(AuditPage {
        entries,
        next_cursor,
    })
}

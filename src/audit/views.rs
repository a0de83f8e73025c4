//! The audit log as the API shows it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::model::Actor;
use super::store::EntryRow;
use crate::db::time::from_ms;

/// One change: who, when, what, and the state before and after.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// What was done, like `campaign.changed` or `token.revoked`.
    pub action: String,
    /// The campaign's slug; `null` for changes outside any campaign (tokens, users).
    pub campaign: Option<String>,
    /// What changed: an id, a code or a slug.
    pub subject: String,
    /// The state before; `null` when it did not exist before.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The state after; `null` when it no longer exists or has no state.
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

/// A page of the log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    pub next_cursor: Option<String>,
}

fn parse_json(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

impl From<EntryRow> for AuditEntry {
    fn from(row: EntryRow) -> Self {
        AuditEntry {
            actor: Actor {
                kind: row.actor_kind,
                id: row.actor_id.unwrap_or_else(|| row.actor.clone()),
                name: row.actor,
            },
            id: row.id,
            at: from_ms(row.at),
            action: row.action,
            campaign: row.campaign_slug,
            subject: row.subject,
            before: parse_json(row.before_json),
            after: parse_json(row.after_json),
        }
    }
}

//! Community groups and the live code (群活码): the group pool, routing people to open
//! groups, join/leave events from the group tooling (signed webhook or member-list
//! import), and what they mean for qualification and fraud.

pub mod events;
pub mod handlers;
pub mod import;
pub mod model;
pub mod routing;
pub mod store;
pub mod webhook;

use serde_json::{json, Value};

use crate::campaigns::Campaign;
use crate::http::error::ApiError;
use crate::participants::Participant;
use crate::state::AppState;

/// The `group` field of the public participant response: routes the person now.
pub async fn route_for_api(
    state: &AppState,
    campaign: &Campaign,
    p: &Participant,
) -> Result<Value, ApiError> {
    let group = routing::route(&state.db, campaign, &p.id, chrono::Utc::now()).await?;
    Ok(group.map_or(Value::Null, |g| {
        json!({"id": g.id, "name": g.name, "qr_url": format!("{}{}", state.settings.public_url, g.qr_url())})
    }))
}

/// A participant's group history for the admin detail view.
pub async fn history_json(state: &AppState, p: &Participant) -> Result<Value, ApiError> {
    let history = store::memberships(&state.db, &p.id).await?;
    Ok(json!(history
        .iter()
        .map(|m| json!({
            "group_id": m.group_id,
            "name": m.group_name,
            "state": m.state,
            "assigned_at": crate::db::time::from_ms(m.assigned_at),
            "joined_at": m.joined_at.map(crate::db::time::from_ms),
            "left_at": m.left_at.map(crate::db::time::from_ms),
        }))
        .collect::<Vec<_>>()))
}

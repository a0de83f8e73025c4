//! Community groups and the live code (群活码): the group pool, routing people to open
//! groups, join/leave events from the group tooling (signed webhook or member-list
//! import), and what they mean for qualification and fraud.

mod apply;
mod event_handlers;
pub mod event_store;
mod handlers;
pub mod import;
pub mod ingest;
pub mod model;
pub mod routing;
pub mod service;
pub mod store;
pub mod views;
pub mod webhook;

pub use handlers::configure;

use serde_json::Value;

use crate::campaigns::Campaign;
use crate::http::error::ApiError;
use crate::participants::Participant;
use crate::state::AppState;
use views::{MembershipView, RoutedGroup};

/// The `group` field of the public participant response: routes the person now.
pub async fn routed_group(
    state: &AppState,
    campaign: &Campaign,
    p: &Participant,
) -> Result<Option<RoutedGroup>, ApiError> {
    let group = routing::route(&state.db, campaign, &p.id, chrono::Utc::now()).await?;
    Ok(group.map(|g| RoutedGroup {
        qr_url: format!("{}{}", state.settings.public_url, g.qr_url()),
        id: g.id,
        name: g.name,
    }))
}

/// A participant's groups, oldest first, for the admin detail view.
pub async fn history(state: &AppState, p: &Participant) -> Result<Vec<MembershipView>, ApiError> {
    let history = store::memberships(&state.db, &p.id).await?;
    Ok(history.iter().map(MembershipView::from).collect())
}

/// [`routed_group`] as JSON, for responses not yet typed.
pub async fn route_for_api(
    state: &AppState,
    campaign: &Campaign,
    p: &Participant,
) -> Result<Value, ApiError> {
    Ok(serde_json::to_value(routed_group(state, campaign, p).await?).unwrap_or_default())
}

/// [`history`] as JSON, for responses not yet typed.
pub async fn history_json(state: &AppState, p: &Participant) -> Result<Value, ApiError> {
    Ok(serde_json::to_value(history(state, p).await?).unwrap_or_default())
}

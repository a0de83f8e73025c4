//! Community groups and the live code (群活码). The group pool, routing, events and
//! member-list import arrive with issue 3; until a campaign has groups, nobody is routed.

use serde_json::{json, Value};

use crate::campaigns::Campaign;
use crate::http::error::ApiError;
use crate::participants::Participant;
use crate::startup::AppState;

/// The `group` field of the public participant response.
pub async fn route_for_api(_state: &AppState, _campaign: &Campaign, _p: &Participant) -> Result<Value, ApiError> {
    Ok(Value::Null)
}

/// A participant's group history for the admin detail view.
pub async fn history_json(_state: &AppState, _p: &Participant) -> Result<Value, ApiError> {
    Ok(json!([]))
}

//! Rewards: rules, grants, the ledger, payouts. The leaderboard is here because it pays.

pub mod leaderboard;

use serde_json::{json, Value};

use crate::http::error::ApiError;
use crate::participants::Participant;
use crate::startup::AppState;

/// A participant's grants for the admin detail view (the ledger arrives with issue 4).
pub async fn grants_json(_state: &AppState, _p: &Participant) -> Result<Value, ApiError> {
    Ok(json!([]))
}

/// The money side of the stats: grants and amounts (filled by the ledger, issue 4).
pub async fn money_stats(_state: &AppState, campaign: &crate::campaigns::Campaign) -> Result<Value, ApiError> {
    Ok(json!({
        "grants": 0,
        "granted_amount": 0,
        "paid_amount": 0,
        "currency": campaign.currency().as_str(),
    }))
}

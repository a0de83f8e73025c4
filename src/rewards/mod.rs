//! Rewards: the rule engine, grants within budget and stock, the append-only ledger,
//! coupon pools, payouts and reconciliation. The leaderboard is here because it pays.

pub mod engine;
pub mod export_csv;
mod export_handlers;
mod export_sqlite;
pub mod export_store;
pub mod export_xlsx;
pub mod exports;
pub mod finance_format;
pub mod grants;
mod handlers;
pub mod leaderboard;
pub mod ledger;
pub mod model;
pub mod payout_file;
mod payout_handlers;
pub mod payout_list;
pub mod payout_results;
pub mod payout_store;
pub mod payouts;
pub mod provider_results;
pub mod reconcile;
pub mod service;
pub mod store;
pub mod views;

pub use export_handlers::finance_export;
pub use handlers::configure;
pub use model::GrantRow;

use crate::state::AppState;

/// A participant's grants with statuses as text, for the participant page.
pub async fn grants_of(state: &AppState, participant_id: &str) -> anyhow::Result<Vec<GrantRow>> {
    let grants = store::grants_of(&state.db, participant_id).await?;
    Ok(grants.into_iter().map(GrantRow::from).collect())
}

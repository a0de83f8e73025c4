//! Background work. Every job keeps its state in the database and is safe to run on
//! several servers at once (atomic conditional updates or leased rows), so a crash or a
//! second server loses and duplicates nothing. This loop only decides when to run them.

use std::time::Duration;

use actix_web::web::Data;

use crate::state::AppState;

/// Runs every job once; returns how many rows they changed.
pub async fn run_once(state: &AppState, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<u64> {
    let mut changed = 0;
    changed += crate::participants::qualification::settle_expired_holds(&state.db, now).await?;
    changed += crate::groups::expiry::expire_reservations(&state.db, now).await?;
    changed += crate::fraud::service::recheck_due(&state.db, now).await?;
    changed += crate::rewards::engine::reward_qualified(&state.db, now).await?;
    changed += crate::rewards::engine::revoke_cancelled(&state.db, now).await?;
    changed += crate::rewards::engine::award_leaderboards(&state.db, now).await?;
    changed += crate::wechat::transfers::run(state, now).await?;
    changed += crate::wechat::avatars::fetch_due(state, now).await?;
    changed += crate::pages::reminders::send_due(state, now).await?;
    changed += crate::visits::prune_raw(&state.db, now, state.settings.raw_visit_days).await?;
    changed += crate::fraud::store::prune_pace(&state.db, crate::db::time::to_ms(now)).await?;
    Ok(changed)
}

/// How often SQLite's planner statistics are looked at again ([`crate::db::Db::optimize`];
/// the first look is at start, after the migrations).
const OPTIMIZE_EVERY: Duration = Duration::from_secs(6 * 3600);

/// Starts the periodic loop; it stops with the runtime.
pub fn spawn(state: Data<AppState>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut optimized = tokio::time::Instant::now();
        loop {
            tick.tick().await;
            if let Err(e) = run_once(&state, chrono::Utc::now()).await {
                tracing::warn!(error = ?e, "background jobs failed; retrying next tick");
            }
            match state.db.analyze_new_tables().await {
                Ok(tables) if !tables.is_empty() => {
                    tracing::info!(?tables, "analysed tables that had no planner statistics")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "analysing new tables failed"),
            }
            if optimized.elapsed() >= OPTIMIZE_EVERY {
                optimized = tokio::time::Instant::now();
                if let Err(e) = state.db.optimize().await {
                    tracing::warn!(error = ?e, "refreshing planner statistics failed");
                }
            }
        }
    })
}

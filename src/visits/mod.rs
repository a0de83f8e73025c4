//! Page views: recorded without making the page wait. Handlers hand a visit to a bounded
//! queue; one task writes batches and keeps the per-day counters beside the raw rows.

mod model;
mod recorder;
mod store;

pub use model::Visit;
pub use recorder::VisitRecorder;

/// The retention job: raw visit rows older than `days` are deleted; counters stay.
pub async fn prune_raw(
    db: &crate::db::Db,
    now: chrono::DateTime<chrono::Utc>,
    days: u32,
) -> anyhow::Result<u64> {
    let cutoff = now - chrono::Duration::days(days.into());
    store::delete_raw_before(db, crate::db::time::to_ms(cutoff)).await
}

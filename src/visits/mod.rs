//! Page views: recorded without making the page wait. Handlers hand a visit to a bounded
//! queue; one task writes batches and keeps the per-day counters beside the raw rows.

mod model;
mod recorder;
mod store;

pub use model::Visit;
pub use recorder::VisitRecorder;

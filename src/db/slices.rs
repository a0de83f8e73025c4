//! Work done a slice at a time: each slice is a short write of its own, so a backlog (a
//! burst of lapsed seats, a campaign paused for days, months of raw visits) never holds
//! SQLite's one writer for seconds while leads wait.

use std::future::Future;

/// Runs `one_slice` until a run changes fewer than `slice` rows; returns the rows changed
/// in all. Between slices the writer goes back to its pool, where waiting leads come first.
pub async fn in_slices<E, F, Fut>(slice: i64, mut one_slice: F) -> Result<u64, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<u64, E>>,
{
    let mut changed = 0;
    loop {
        let done = one_slice().await?;
        changed += done;
        if done < slice.max(1) as u64 {
            return Ok(changed);
        }
    }
}

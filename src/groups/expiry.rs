//! Seats held past their time given back: a lead's seat is reserved until the person joins
//! or the campaign's reservation minutes lapse.

use std::collections::BTreeMap;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::db::time::to_ms;
use crate::db::Db;
use crate::with_db;

/// Seats given back per transaction by [`expire_reservations`].
const EXPIRY_SLICE: i64 = 500;

/// Releases seats held past their time, in slices of [`EXPIRY_SLICE`].
pub async fn expire_reservations(db: &Db, now: DateTime<Utc>) -> anyhow::Result<u64> {
    expire_in_slices(db, now, EXPIRY_SLICE)
        .await
        .context("releasing lapsed group reservations")
}

/// Releases seats held past their time, about `slice` at a time, each slice a short write of
/// its own: after a burst of leads tens of thousands lapse together, and one transaction for
/// all of them held the writer for seconds while new leads waited (40,000 seats: 1.6 s). A
/// slice is the lapsed seats up to the `slice`-th one's time (through the expiry index;
/// seats lapsing in the same millisecond go together). Each
/// assignment moves to `expired` once, and only the runner that moved it gives the seat
/// back, so servers may all run this. Each group's seats in a slice come back in one
/// statement, in key order.
pub async fn expire_in_slices(db: &Db, now: DateTime<Utc>, slice: i64) -> Result<u64, sqlx::Error> {
    crate::db::slices::in_slices(slice, || expire_slice(db, now, slice)).await
}

/// One slice of [`expire_in_slices`]: the seats it gave back.
async fn expire_slice(db: &Db, now: DateTime<Utc>, slice: i64) -> Result<u64, sqlx::Error> {
    Ok(with_db!(db, write, |pool| {
        let mut tx = pool.begin().await?;
        let groups: Vec<String> = sqlx::query_scalar(
            "UPDATE group_assignments SET state = 'expired' \
             WHERE state = 'reserved' AND reserved_until <= COALESCE((SELECT reserved_until \
                 FROM group_assignments WHERE state = 'reserved' AND reserved_until <= $1 \
                 ORDER BY reserved_until LIMIT 1 OFFSET $2 - 1), $1) \
             RETURNING group_id",
        )
        .bind(to_ms(now))
        .bind(slice)
        .fetch_all(&mut *tx)
        .await?;
        let mut per_group: BTreeMap<&str, i64> = BTreeMap::new();
        for group_id in &groups {
            *per_group.entry(group_id.as_str()).or_default() += 1;
        }
        for (group_id, seats) in per_group {
            sqlx::query(
                "UPDATE groups SET reserved = CASE WHEN reserved > $2 THEN reserved - $2 ELSE 0 END \
                 WHERE id = $1 AND reserved > 0",
            )
            .bind(group_id)
            .bind(seats)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        groups.len() as u64
    }))
}

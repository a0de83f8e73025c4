//! Proving a phone number: issue a six-digit code under the send limits, and check a
//! code against the participant's latest one. Limits and tries are kept in the database,
//! so they hold across servers.

use rand::Rng;

use super::store::{self, Limit};
use crate::db::Db;
use crate::http::signing::Signer;

/// How long a code lives.
pub const CODE_MINUTES: u32 = 5;
/// Tries per code, the right one included.
pub const MAX_TRIES: i64 = 5;
/// Per phone (participant): one code per minute, five per day; per client IP: 20 per hour.
pub const PHONE_GAP_MS: i64 = 60_000;
pub const PHONE_PER_DAY: i64 = 5;
pub const IP_PER_HOUR: i64 = 20;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
const PURPOSE: &str = "sms-code";

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("over a send limit")]
    Limited,
    #[error("storing a code: {0}")]
    Db(#[from] sqlx::Error),
}

/// What a submitted code proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Proved,
    Wrong { left: i64 },
    Expired,
    Used,
    Locked,
    NoCode,
}

fn limits(participant_id: &str, ip_hash: Option<&str>, now_ms: i64) -> Vec<Limit> {
    let day = now_ms / DAY_MS;
    let hour = now_ms / HOUR_MS;
    let mut limits = vec![
        Limit::Gap {
            bucket: format!("phone-min:{participant_id}"),
            gap_ms: PHONE_GAP_MS,
        },
        Limit::Count {
            bucket: format!("phone-day:{participant_id}:{day}"),
            max: PHONE_PER_DAY,
            until: (day + 1) * DAY_MS,
        },
    ];
    if let Some(ip) = ip_hash {
        limits.push(Limit::Count {
            bucket: format!("ip-hour:{ip}:{hour}"),
            max: IP_PER_HOUR,
            until: (hour + 1) * HOUR_MS,
        });
    }
    limits
}

/// A new code for the participant, its HMAC stored, if every send limit allows one. The
/// caller sends the returned code.
pub async fn issue(
    db: &Db,
    signer: &Signer,
    participant_id: &str,
    ip_hash: Option<&str>,
    now_ms: i64,
) -> Result<String, IssueError> {
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
    let id = uuid::Uuid::now_v7().to_string();
    let hash = signer.hash(PURPOSE, &[&id, &code]);
    let limits = limits(participant_id, ip_hash, now_ms);
    let participant = participant_id.to_owned();
    let expires_at = now_ms + i64::from(CODE_MINUTES) * 60_000;
    db.write_tx(move |tx| {
        Box::pin(async move {
            store::sweep(tx, now_ms).await?;
            for limit in &limits {
                if !store::take(tx, limit, now_ms).await? {
                    return Err(IssueError::Limited);
                }
            }
            store::insert(tx, &id, &participant, &hash, now_ms, expires_at).await?;
            Ok(())
        })
    })
    .await?;
    Ok(code)
}

/// Checks `code` against the participant's latest one; every try on a live code counts
/// (the right one too), and is counted before the code is compared.
pub async fn check(
    db: &Db,
    signer: &Signer,
    participant_id: &str,
    code: &str,
    now_ms: i64,
) -> Result<Verdict, sqlx::Error> {
    let (signer, participant, code) = (signer.clone(), participant_id.to_owned(), code.to_owned());
    db.write_tx(move |tx| {
        Box::pin(async move {
            let counted = store::count_try(tx, &participant, MAX_TRIES, now_ms).await?;
            let Some(row) = store::latest(tx, &participant).await? else {
                return Ok(Verdict::NoCode);
            };
            if !counted {
                return Ok(if row.consumed_at.is_some() {
                    Verdict::Used
                } else if row.expires_at <= now_ms {
                    Verdict::Expired
                } else {
                    Verdict::Locked
                });
            }
            if !signer.verify(PURPOSE, &[&row.id, &code], &row.code_hash) {
                return Ok(Verdict::Wrong {
                    left: (MAX_TRIES - row.attempts).max(0),
                });
            }
            Ok(if store::consume(tx, &row.id, now_ms).await? {
                Verdict::Proved
            } else {
                Verdict::Used
            })
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_their_window_and_skip_an_unknown_address() {
        let now = 3 * DAY_MS + 5 * HOUR_MS + 7;
        let with_ip = limits("p1", Some("iphash"), now);
        assert_eq!(with_ip.len(), 3);
        assert!(matches!(&with_ip[1], Limit::Count { bucket, until, .. }
            if bucket == "phone-day:p1:3" && *until == 4 * DAY_MS));
        assert!(matches!(&with_ip[2], Limit::Count { bucket, max: 20, .. }
            if bucket == "ip-hour:iphash:77"));
        assert_eq!(limits("p1", None, now).len(), 2);
    }
}

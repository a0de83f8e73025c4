//! Limits on public writes (governor, MIT): per visitor first, so a hammering phone is
//! slowed, with a much higher ceiling per client IP, so an office or campus behind one
//! address can scan a poster together. A client without a visitor cookie counts as a
//! visitor by its address. A per-visitor rate of 0 turns both off, as for load tests.

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::http::StatusCode;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::{ApiError, ErrorCode};

/// Who is writing: the visitor cookie's id when the client has one, and its address.
#[derive(Debug, Clone, Copy)]
pub struct Writer<'a> {
    pub visitor: Option<&'a str>,
    pub ip: Option<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum VisitorKey {
    Cookie(String),
    Address(IpAddr),
}

pub struct PublicWriteLimit {
    visitors: Option<DefaultKeyedRateLimiter<VisitorKey>>,
    addresses: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

/// Keys kept before the idle ones are dropped.
const MAX_KEYS: usize = 100_000;

impl PublicWriteLimit {
    /// `per_minute` and `burst` per visitor; `ip_per_minute` per address, all of which
    /// may come at once (a class scanning the poster together).
    pub fn new(per_minute: u32, burst: u32, ip_per_minute: u32) -> Self {
        let visitors = NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        // Off for visitors is off altogether (load tests); the ceiling alone may be off too.
        let ceiling = if visitors.is_some() { ip_per_minute } else { 0 };
        let addresses =
            NonZeroU32::new(ceiling).map(|rate| RateLimiter::keyed(Quota::per_minute(rate)));
        PublicWriteLimit {
            visitors,
            addresses,
        }
    }

    pub fn check(&self, writer: Writer<'_>) -> Result<(), ApiError> {
        let visitor = match (writer.visitor, writer.ip) {
            (Some(id), _) => Some(VisitorKey::Cookie(id.to_owned())),
            (None, Some(ip)) => Some(VisitorKey::Address(ip)),
            (None, None) => None,
        };
        if let (Some(limiter), Some(key)) = (&self.visitors, visitor) {
            admit(limiter, &key, "too many requests from this browser")?;
        }
        if let (Some(limiter), Some(ip)) = (&self.addresses, writer.ip) {
            admit(limiter, &ip, "too many requests from this address")?;
        }
        Ok(())
    }
}

fn admit<K>(limiter: &DefaultKeyedRateLimiter<K>, key: &K, who: &str) -> Result<(), ApiError>
where
    K: Clone + Eq + std::hash::Hash,
{
    if limiter.len() > MAX_KEYS {
        limiter.retain_recent();
    }
    limiter.check_key(key).map_err(|_| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!("{who}; try again in a minute"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from<'a>(visitor: Option<&'a str>, ip: &str) -> Writer<'a> {
        Writer {
            visitor,
            ip: Some(ip.parse().unwrap()),
        }
    }

    #[test]
    fn many_visitors_share_an_address_up_to_its_ceiling() {
        let limit = PublicWriteLimit::new(2, 2, 50);
        let ids: Vec<String> = (0..60).map(|i| format!("v{i}")).collect();
        let admitted = ids
            .iter()
            .filter(|id| limit.check(from(Some(id.as_str()), "10.0.0.1")).is_ok())
            .count();
        assert_eq!(admitted, 50);
        assert!(
            limit.check(from(Some("v0"), "10.0.0.2")).is_ok(),
            "another address"
        );
    }

    #[test]
    fn one_visitor_or_one_cookieless_address_is_slowed() {
        let limit = PublicWriteLimit::new(2, 2, 1000);
        assert!(limit.check(from(Some("me"), "10.0.0.1")).is_ok());
        assert!(limit.check(from(Some("me"), "10.0.0.1")).is_ok());
        assert!(
            limit.check(from(Some("me"), "10.0.0.9")).is_err(),
            "the cookie follows"
        );
        assert!(limit.check(from(None, "10.0.0.1")).is_ok());
        assert!(limit.check(from(None, "10.0.0.1")).is_ok());
        assert!(limit.check(from(None, "10.0.0.1")).is_err());
    }

    #[test]
    fn no_visitor_rate_means_no_limits_at_all() {
        let limit = PublicWriteLimit::new(0, 10, 1);
        assert!((0..10).all(|_| limit.check(from(None, "10.0.0.1")).is_ok()));
    }
}

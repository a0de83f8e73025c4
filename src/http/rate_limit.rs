//! Per-client-IP limits on public writes (governor, MIT). Off when the configured rate
//! is 0, as for load tests.

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::http::StatusCode;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::{ApiError, ErrorCode};

pub struct PublicWriteLimit {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl PublicWriteLimit {
    pub fn new(per_minute: u32, burst: u32) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        PublicWriteLimit { limiter }
    }

    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        let (Some(limiter), Some(ip)) = (&self.limiter, ip) else {
            return Ok(());
        };
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        limiter.check_key(&ip).map_err(|_| {
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "too many requests from this address; try again in a minute",
            )
        })
    }
}

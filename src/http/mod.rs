//! The toolkit every domain uses: errors, client identity, signing, rate limits, metrics
//! and the OpenAPI document. It knows no domain.

pub mod client;
pub mod cursor;
pub mod error;
pub mod extract;
pub mod fallback;
pub mod merge_patch;
pub mod metrics;
pub mod multipart;
pub mod openapi;
pub mod rate_limit;
pub mod signing;
pub mod text;

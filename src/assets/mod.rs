//! Uploaded images (poster backgrounds, group QR codes, hero pictures). Bytes live in the
//! database so every server sees them; they are immutable, so caches never go stale.

pub mod cache;
mod handlers;
pub mod inspect;
pub mod service;
pub mod store;
pub mod views;

pub use handlers::configure;
pub use store::AssetMeta;

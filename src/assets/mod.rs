//! Uploaded images (poster backgrounds, group QR codes, hero pictures). Bytes live in the
//! database so every server sees them; they are immutable, so caches never go stale.

pub mod cache;
pub mod handlers;
pub mod inspect;
pub mod store;

pub use store::AssetMeta;

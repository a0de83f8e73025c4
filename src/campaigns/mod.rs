//! Campaigns: what marketers create, the page and poster content, the rules that pay.

pub mod cache;
pub mod handlers;
pub mod model;
pub mod rules;
mod slug;
pub mod store;

pub use model::{Campaign, Openness};
pub use slug::Slug;

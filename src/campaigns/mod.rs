//! Campaigns: what marketers create, the page and poster content, the rules that pay.

pub mod cache;
pub mod checklist;
mod handlers;
pub mod model;
pub mod money;
pub mod page;
pub mod rules;
pub mod service;
pub mod settings;
mod slug;
pub mod store;
mod validate;
pub mod views;
pub mod wording;

pub use handlers::configure;
pub use model::{Campaign, CampaignInput, Openness, Status};
pub use slug::Slug;
pub use validate::{validate, validate_poster};

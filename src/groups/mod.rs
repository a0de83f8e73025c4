//! Community groups and the live code (群活码): the group pool, routing people to open
//! groups, join/leave events from the group tooling (signed webhook or member-list
//! import), and what they mean for qualification and fraud.

mod apply;
mod credit;
mod event_handlers;
pub mod event_store;
pub mod expiry;
mod handlers;
pub mod import;
mod import_predict;
pub mod ingest;
pub mod member_list;
pub mod model;
pub mod routing;
pub mod service;
pub mod store;
pub mod views;
pub mod webhook;

pub use handlers::configure;

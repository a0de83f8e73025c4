//! The audit log: who changed what, when, with the state before and after. Every change
//! made through the admin API or the console writes one entry in the transaction of the
//! change itself, so a change and its entry are stored together or not at all.

pub mod diff;
mod handlers;
pub mod model;
mod service;
mod store;
pub mod views;

pub use handlers::configure;
pub use model::{Actor, ActorKind};
pub use service::{list, record, snapshot};
pub use store::Filter;

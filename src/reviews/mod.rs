//! The review queue: referrals a fraud rule held wait here for a marketer, who approves
//! them (they go on to qualification, the hold still applies) or rejects them (they are
//! cancelled and any unpaid grant of theirs revoked). One decision per referral wins,
//! however many reviewers click at once.

mod handlers;
pub mod model;
pub mod service;
mod store;
pub mod views;

pub use handlers::configure;
pub use model::Decision;

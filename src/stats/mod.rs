//! The funnel per campaign, per channel and per day: visits (people, not bots), unique
//! visitors, leads, joined, qualified, and how far the chains reach (K-factor, depth),
//! with the money side from rewards and the groups.

mod handlers;
pub mod service;
pub mod store;
pub mod views;

pub use handlers::configure;

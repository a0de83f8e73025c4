//! The funnel per campaign, per channel and per day: visits (people, not bots), unique
//! visitors, leads, joined, qualified, rewarded, with the rate at each step; how far the
//! chains reach (K-factor per channel and generation, the longest chain), how long people
//! stay in the groups, the budget per rule and the top inviters. One service feeds the
//! stats API and the console's dashboard.

mod handlers;
pub mod rates;
pub mod reach;
pub mod service;
pub mod store;
pub mod views;

pub use handlers::configure;

//! People in a campaign: leads who left a phone number, seeds who start the chains, and
//! the referral from inviter to invitee.

mod code;
pub mod export;
mod handlers;
mod lead_write;
pub mod leads;
pub mod model;
pub mod phone;
mod privacy;
mod privacy_store;
mod privacy_views;
pub mod qualification;
pub mod search;
pub mod search_handlers;
mod search_store;
pub mod seeds;
pub mod service;
pub mod store;
pub mod views;

pub use code::{Channel, InviteCode};
pub use handlers::configure;
pub use model::parse_name;
pub use phone::Phone;
pub use privacy_store::{ledger as journal_of, LedgerRow as JournalEntry};
pub use store::Participant;

//! People in a campaign: leads who left a phone number, seeds who start the chains, and
//! the referral from inviter to invitee.

mod code;
pub mod handlers;
pub mod leads;
pub mod phone;
pub mod qualification;
pub mod store;

pub use code::{Channel, InviteCode};
pub use phone::Phone;
pub use store::Participant;

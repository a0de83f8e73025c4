//! API tokens and the roles they carry. Tokens are random, shown once, stored as a
//! SHA-256 digest; every admin route names the access it needs as an extractor.

mod extract;
mod handlers;
pub mod tokens;
pub mod views;

pub use handlers::configure;

pub use extract::{Access, AdminAccess, Auth, CampaignWrite, FinanceAccess, ReadAccess};
pub use tokens::Role;

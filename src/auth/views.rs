//! What the token routes take and answer beyond the token itself
//! ([`TokenRecord`](super::tokens::TokenRecord)).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::tokens::{Role, TokenRecord};

/// A new token with its secret: the only time the secret is ever shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenRecord,
    /// Send as `Authorization: Bearer <secret>`. Only its digest is stored.
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// Who or what holds it, 1..=100 characters.
    pub name: String,
    pub role: Role,
    /// A lifetime like `90d`, `12h` or `30m`; absent: never expires.
    pub expires_in: Option<String>,
}

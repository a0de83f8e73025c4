//! A reviewer's decision.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The referral goes on to qualification; the hold still applies.
    Approve,
    /// The referral is cancelled; unpaid grants of it are revoked.
    Reject,
}

crate::text_enum!(Decision {
    Approve = "approve",
    Reject = "reject",
});

impl Decision {
    /// The audit log's name for it.
    pub fn action(self) -> &'static str {
        match self {
            Decision::Approve => "review.approved",
            Decision::Reject => "review.rejected",
        }
    }
}

/// The longest note a reviewer can leave.
pub const MAX_NOTE_CHARS: usize = 500;

//! What rewards keep: grants, payout lines and ledger entries, their statuses as enums
//! stored by name as text.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::campaigns::rules::RewardType;

/// Where a grant stands: `paying` while it is in a payout batch awaiting its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    Granted,
    Paying,
    Paid,
    Revoked,
}

crate::text_enum!(GrantStatus {
    Granted = "granted",
    Paying = "paying",
    Paid = "paid",
    Revoked = "revoked",
});

/// Why finance should look at a grant: it was revoked after it was paid (or batched).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantFlag {
    RevokedAfterPayment,
}

crate::text_enum!(GrantFlag {
    RevokedAfterPayment = "revoked_after_payment",
});

/// A payout line: `pending` until the provider's result says `paid` or `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    Pending,
    Paid,
    Failed,
}

crate::text_enum!(LineStatus {
    Pending = "pending",
    Paid = "paid",
    Failed = "failed",
});

/// What a journal entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerEvent {
    Granted,
    Revoked,
    /// Put in a payout batch.
    Batched,
    Paid,
    Failed,
    /// Revoked after it was paid: kept, for finance to look at.
    Flagged,
    /// The winner of a physical reward gave a shipping address (written by the pages).
    AddressGiven,
}

crate::text_enum!(LedgerEvent {
    Granted = "granted",
    Revoked = "revoked",
    Batched = "batched",
    Paid = "paid",
    Failed = "failed",
    Flagged = "flagged",
    AddressGiven = "address_given",
});

/// One grant as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Grant {
    pub id: String,
    pub rule_id: String,
    pub reason: String,
    pub reward_type: RewardType,
    pub amount: i64,
    pub currency: String,
    pub coupon_code: Option<String>,
    pub sku: Option<String>,
    pub status: GrantStatus,
    pub flag: Option<GrantFlag>,
    pub shipping: Option<String>,
    pub granted_at: i64,
    pub paid_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A grant with its statuses as text, for the participant page's templates.
#[derive(Debug, Clone)]
pub struct GrantRow {
    pub id: String,
    pub rule_id: String,
    pub reason: String,
    pub reward_type: String,
    pub amount: i64,
    pub currency: String,
    pub coupon_code: Option<String>,
    pub sku: Option<String>,
    pub status: String,
    pub flag: Option<String>,
    pub shipping: Option<String>,
    pub granted_at: i64,
    pub paid_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl From<Grant> for GrantRow {
    fn from(g: Grant) -> Self {
        GrantRow {
            id: g.id,
            rule_id: g.rule_id,
            reason: g.reason,
            reward_type: g.reward_type.as_str().to_owned(),
            amount: g.amount,
            currency: g.currency,
            coupon_code: g.coupon_code,
            sku: g.sku,
            status: g.status.as_str().to_owned(),
            flag: g.flag.map(|f| f.as_str().to_owned()),
            shipping: g.shipping,
            granted_at: g.granted_at,
            paid_at: g.paid_at,
            revoked_at: g.revoked_at,
        }
    }
}

/// A line of a payout batch with who it pays, for the provider's file.
#[derive(sqlx::FromRow)]
pub struct PayoutLine {
    pub line_no: i64,
    pub out_detail_no: String,
    pub grant_id: String,
    pub code: String,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub status: LineStatus,
}

/// One row of the ledger export: a grant as it stands, with its participant.
#[derive(sqlx::FromRow)]
pub struct LedgerRow {
    /// The campaign's slug.
    pub campaign: String,
    pub id: String,
    pub code: String,
    pub phone: Option<String>,
    pub rule_id: String,
    pub reward_type: RewardType,
    pub amount: i64,
    pub currency: String,
    pub status: GrantStatus,
    pub granted_at: i64,
    pub paid_at: Option<i64>,
    pub payout_id: Option<String>,
}

/// One journal entry with the grant's participant.
#[derive(sqlx::FromRow)]
pub struct JournalRow {
    pub id: i64,
    pub at: i64,
    /// The campaign's slug.
    pub campaign: String,
    pub grant_id: String,
    pub reward_type: RewardType,
    pub code: String,
    pub phone: Option<String>,
    pub event: LedgerEvent,
    pub amount: i64,
    pub actor: String,
    pub note: Option<String>,
}

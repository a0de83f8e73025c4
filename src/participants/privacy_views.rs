//! What a privacy request answers: everything stored about a person, and an erasure.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{ConsentChannel, ShippingAddress};
use super::views::ParticipantDetail;

/// Everything stored about one person (a subject access request).
#[derive(Serialize, ToSchema)]
pub struct ParticipantExport {
    /// What the admin detail shows: chain, flags, groups, grants.
    pub participant: ParticipantDetail,
    /// The stored personal data, unmasked.
    pub personal: PersonalData,
    /// `null` for seeds (created by staff) and people who joined before consent was
    /// recorded.
    pub consent: Option<ConsentRecord>,
    pub referral: Option<ReferralRecord>,
    /// Shipping addresses given for physical prizes.
    pub shipping: Vec<ShippingRecord>,
    /// Identifiers group tools used for the person.
    pub member_refs: Vec<String>,
    pub group_events: Vec<GroupEventRecord>,
    /// The ledger entries of the person's grants.
    pub ledger: Vec<LedgerRecord>,
    /// "提醒我" sign-ups of the person's phone before the campaign started.
    pub reminders: Vec<ReminderRecord>,
}

/// A sign-up for the start reminder (one SMS when the campaign opens).
#[derive(Serialize, ToSchema)]
pub struct ReminderRecord {
    pub signed_up_at: DateTime<Utc>,
    /// sha256 (hex) of the consent text shown beside the form.
    pub consent_text_sha256: String,
    pub sent_at: Option<DateTime<Utc>>,
    /// When sending was given up after repeated failures.
    pub failed_at: Option<DateTime<Utc>>,
    /// `true` once sent: the row then keeps only a keyed hash of the phone.
    pub phone_hashed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PersonalData {
    pub phone: Option<String>,
    pub name: Option<String>,
    /// Keyed hash of the visitor cookie (or of network and browser): the device.
    pub visitor_hash: Option<String>,
    /// Keyed hash of the IP address the person joined from.
    pub ip_hash: Option<String>,
    /// When the person's data was erased; the rest of the record is a tombstone.
    pub erased_at: Option<DateTime<Utc>>,
}

/// Consent as given.
#[derive(Serialize, ToSchema)]
pub struct ConsentRecord {
    pub given_at: DateTime<Utc>,
    /// sha256 (hex) of the exact consent text the person agreed to.
    pub text_sha256: String,
    pub channel: ConsentChannel,
}

/// The referral that brought the person in.
#[derive(Serialize, ToSchema)]
pub struct ReferralRecord {
    /// `pending`, `holding`, `qualified`, `held` or `cancelled`.
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub joined_at: Option<DateTime<Utc>>,
    pub hold_until: Option<DateTime<Utc>>,
    pub qualified_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ShippingRecord {
    pub grant_id: String,
    pub address: ShippingAddress,
}

#[derive(Serialize, ToSchema)]
pub struct GroupEventRecord {
    pub group_id: String,
    /// `member_joined` or `member_left`.
    pub kind: String,
    pub member_ref: Option<String>,
    pub phone: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerRecord {
    pub grant_id: String,
    pub event: String,
    /// Minor units.
    pub amount: i64,
    pub actor: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// An erasure done (or done before: then `erased_at` is the first one).
#[derive(Serialize, ToSchema)]
pub struct Erasure {
    /// The invite code, which stays as the tombstone's id.
    pub code: String,
    pub erased_at: DateTime<Utc>,
    /// Grants kept with their amounts (the ledger is not changed).
    pub grants_kept: usize,
}

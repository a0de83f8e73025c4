//! The review queue and decisions as the API shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::Decision;
use crate::audit::Actor;
use crate::participants::model::ReferralState;

/// A fraud rule's flag on the invitee.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewFlag {
    pub rule: String,
    /// For people, in Chinese and English.
    pub reason: String,
    pub reason_zh: String,
    pub reason_en: String,
    /// What this flag adds to the risk score.
    pub weight: i64,
    pub at: DateTime<Utc>,
}

/// A held referral and the evidence about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewItem {
    /// The invitee's code; decide with `POST .../reviews/{id}`.
    pub id: String,
    pub phone_masked: Option<String>,
    pub channel: String,
    /// The inviter's code.
    pub inviter: String,
    pub signed_up_at: DateTime<Utc>,
    pub held_at: DateTime<Utc>,
    /// In a group of the campaign now.
    pub in_group: bool,
    /// Seconds between the inviter's previous invitee and this one (bursts are fast).
    pub seconds_after_previous_invitee: Option<i64>,
    /// All of the inviter's invitees, and how many of them are held.
    pub inviter_invitees: i64,
    pub inviter_held: i64,
    pub flags: Vec<ReviewFlag>,
    /// 0-100: the flags' weights added up, at most 100. The campaign's
    /// `fraud.hold_score` held it; `fraud.reject_score` would have rejected it.
    pub risk_score: u32,
}

/// A page of the queue, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewPage {
    pub items: Vec<ReviewItem>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A reviewer's decision about one referral.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub decision: Decision,
    /// Why, for the audit log; up to 500 characters.
    #[serde(default)]
    pub note: String,
}

/// The decision that stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    /// The invitee's code.
    pub id: String,
    pub decision: Decision,
    pub note: String,
    pub decided_by: Actor,
    pub decided_at: DateTime<Utc>,
    /// The referral's state now.
    pub state: ReferralState,
}

/// One decision for every held referral flagged by `rule` and/or invited by `inviter`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    /// A fraud rule, like `ip_burst`.
    pub rule: Option<String>,
    /// The inviter's code.
    pub inviter: Option<String>,
    pub decision: Decision,
    #[serde(default)]
    pub note: String,
}

/// What a bulk decision did.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkView {
    pub decision: Decision,
    /// The referrals (invitee codes) this call decided.
    pub decided: Vec<String>,
    /// Referrals someone else decided meanwhile, left as they are.
    pub skipped: Vec<String>,
}

//! Participants as the API shows them, and the bodies it reads.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::model::{ParticipantKind, ParticipantStatus, ReferralState};
use super::store::{InviteeRow, Participant};
use crate::campaigns::Campaign;
use crate::db::time::from_ms;
use crate::fraud::store::FlagRow;
use crate::fraud::Lang;

/// Someone joining from a mini-program or app.
#[derive(Deserialize, ToSchema)]
pub struct JoinBody {
    /// An 11-digit mainland mobile number (a string, or a number).
    #[schema(value_type = String, example = "13800138000")]
    pub phone: Option<Value>,
    /// Must be `true`: the person agrees to be contacted.
    #[schema(value_type = bool)]
    pub consent: Option<Value>,
    /// The inviter's code, from the invite link.
    #[serde(rename = "ref")]
    pub ref_code: Option<String>,
    /// A channel label: at most 64 letters, digits, `-`, `_`, `.`.
    pub channel: Option<String>,
    /// A nickname: at most 32 characters.
    pub name: Option<String>,
}

/// SeedParticipant participants to create in one channel.
#[derive(Deserialize, ToSchema)]
pub struct SeedBody {
    /// 1-64 letters, digits, `-`, `_`, `.`.
    pub channel: String,
    /// 1..=1000; default: as many as `names`.
    pub count: Option<u32>,
    /// Nicknames of the first seeds; the rest are named `{channel}-{n}`.
    #[serde(default)]
    pub names: Vec<String>,
}

/// A participant's public links.
#[derive(Serialize, ToSchema)]
pub struct ParticipantLinks {
    pub code: String,
    /// `{FISSION_PUBLIC_URL}/c/{slug}?ref={code}`
    pub invite_url: String,
    pub poster_url: String,
    pub poster_jpg_url: String,
}

impl ParticipantLinks {
    pub fn new(public_url: &str, campaign: &Campaign, code: &str) -> Self {
        let slug = &campaign.slug;
        ParticipantLinks {
            code: code.to_owned(),
            invite_url: format!("{public_url}/c/{slug}?ref={code}"),
            poster_url: format!("{public_url}/c/{slug}/p/{code}.png"),
            poster_jpg_url: format!("{public_url}/c/{slug}/p/{code}.jpg"),
        }
    }
}

/// The group the person is routed to.
#[derive(Serialize, ToSchema)]
pub struct JoinedGroup {
    pub id: String,
    pub name: String,
    /// The group's QR code image.
    pub qr_url: String,
}

/// A participant who joined (or had joined before) through the public API.
#[derive(Serialize, ToSchema)]
pub struct JoinedParticipant {
    #[serde(flatten)]
    pub links: ParticipantLinks,
    /// The code of the inviter credited, if any.
    pub inviter: Option<String>,
    /// The group to join now; `null` when no group is open.
    pub group: Option<JoinedGroup>,
}

/// A seed participant just created.
#[derive(Serialize, ToSchema)]
pub struct SeedParticipant {
    #[serde(flatten)]
    pub links: ParticipantLinks,
    pub channel: String,
    pub name: Option<String>,
}

/// Who invited the participant.
#[derive(Serialize, ToSchema)]
pub struct ParticipantInviter {
    pub code: String,
    pub name: Option<String>,
    pub phone_masked: Option<String>,
}

/// Someone the participant invited.
#[derive(Serialize, ToSchema)]
pub struct ParticipantInvitee {
    pub code: String,
    pub phone_masked: Option<String>,
    pub status: ParticipantStatus,
    pub channel: String,
    pub referral_state: ReferralState,
    pub created_at: DateTime<Utc>,
    pub name: Option<String>,
    /// When a `holding` referral counts, if the invitee stays.
    pub hold_until: Option<DateTime<Utc>>,
    /// Why a referral is `held` or `cancelled`: `left_during_hold`, `rejected` or
    /// `fraud:<rule>`.
    pub reason: Option<String>,
    /// The fraud rules that flagged the invitee.
    pub fraud_rules: Vec<String>,
}

impl ParticipantInvitee {
    /// The invitee with the rules among `flags` (invitee code, rule) that name them.
    pub fn new(i: &InviteeRow, flags: &[(String, String)]) -> Self {
        ParticipantInvitee {
            code: i.code.clone(),
            phone_masked: i.phone.as_deref().map(super::phone::mask),
            status: i.status,
            channel: i.channel.clone(),
            referral_state: i.referral_state,
            created_at: from_ms(i.created_at),
            name: i.name.clone(),
            hold_until: i.hold_until.map(from_ms),
            reason: i.cancel_reason.clone(),
            fraud_rules: flags
                .iter()
                .filter(|(code, _)| *code == i.code)
                .map(|(_, rule)| rule.clone())
                .collect(),
        }
    }
}

/// A fraud rule that fired for the participant.
#[derive(Serialize, ToSchema)]
pub struct ParticipantFlag {
    pub rule: String,
    /// In Chinese and English.
    pub reason: String,
    pub reason_zh: String,
    pub reason_en: String,
    /// What the flag adds to the referral's risk score (0-100).
    pub weight: i64,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

impl From<FlagRow> for ParticipantFlag {
    fn from(f: FlagRow) -> Self {
        ParticipantFlag {
            reason_zh: f.reason_in(Lang::Zh),
            reason_en: f.reason_in(Lang::En),
            weight: f.weight,
            rule: f.rule,
            reason: f.reason,
            created_at: f.created_at,
        }
    }
}

/// A group the participant was routed to.
#[derive(Serialize, ToSchema)]
pub struct ParticipantGroup {
    pub group_id: String,
    pub name: String,
    /// `reserved`, `expired`, `joined` or `left`.
    pub state: String,
    pub assigned_at: DateTime<Utc>,
    pub joined_at: Option<DateTime<Utc>>,
    pub left_at: Option<DateTime<Utc>>,
}

/// A reward granted to the participant.
#[derive(Serialize, ToSchema)]
pub struct ParticipantGrant {
    pub grant_id: String,
    pub rule_id: String,
    pub reason: String,
    /// `cash`, `coupon`, `points` or `physical`.
    pub reward_type: String,
    pub amount: i64,
    pub currency: String,
    pub coupon_code: Option<String>,
    pub sku: Option<String>,
    /// `granted`, `paying`, `paid` or `revoked`.
    pub status: String,
    pub flag: Option<String>,
    /// Whether a shipping address was given (physical prizes).
    pub shipping_given: bool,
    pub granted_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One participant with their chain, flags, groups and rewards.
#[derive(Serialize, ToSchema)]
pub struct ParticipantDetail {
    #[serde(flatten)]
    pub links: ParticipantLinks,
    pub name: Option<String>,
    pub phone_masked: Option<String>,
    pub kind: ParticipantKind,
    pub channel: String,
    pub status: ParticipantStatus,
    /// 0 for seeds and uninvited leads; the inviter's plus one otherwise.
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub inviter: Option<ParticipantInviter>,
    /// The first 1,000, oldest first.
    pub invitees: Vec<ParticipantInvitee>,
    pub qualified_invites: i64,
    pub pending_invites: i64,
    pub fraud_flags: Vec<ParticipantFlag>,
    pub groups: Vec<ParticipantGroup>,
    pub grants: Vec<ParticipantGrant>,
}

impl ParticipantInviter {
    pub fn new(p: &Participant) -> Self {
        ParticipantInviter {
            code: p.code.clone(),
            name: p.name.clone(),
            phone_masked: p.phone_masked(),
        }
    }
}

//! Groups and group events as the API shows and takes them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::event_store::StoredEvent;
use super::model::{EventKind, EventStatus, Group, GroupEvent, Kind, Source, Warning, Who};
use crate::db::time::from_ms;
use crate::http::error::{ApiError, ErrorCode};
use crate::participants::phone::mask;
use crate::participants::Participant;
use crate::participants::Phone;

/// A group of the live code's pool.
#[derive(Serialize, ToSchema)]
pub struct GroupView {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub capacity: i64,
    /// Members now.
    pub members: i64,
    /// Seats held for people routed here who have not joined yet.
    pub reserved: i64,
    pub available: i64,
    /// Gets new people: not closed, QR code valid, a seat left.
    pub open: bool,
    pub closed: bool,
    pub position: i64,
    pub qr_asset: String,
    pub qr_url: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub warnings: Vec<Warning>,
}

impl GroupView {
    pub fn new(g: &Group, now_ms: i64) -> GroupView {
        GroupView {
            id: g.id.clone(),
            name: g.name.clone(),
            kind: g.kind,
            capacity: g.capacity,
            members: g.members,
            reserved: g.reserved,
            available: (g.capacity - g.members - g.reserved).max(0),
            open: g.is_open(now_ms),
            closed: g.closed,
            position: g.position,
            qr_asset: g.qr_asset.clone(),
            qr_url: g.qr_url(),
            expires_at: g.expires(),
            warnings: g.warnings(now_ms),
        }
    }
}

/// The fields to change; the others keep their value. `expires_at: null` removes the
/// expiry; `null` elsewhere keeps the value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupPatch {
    pub name: Option<String>,
    pub capacity: Option<i64>,
    pub kind: Option<Kind>,
    pub qr_asset: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub position: Option<i64>,
    pub closed: Option<bool>,
}

/// A field that is present (even as `null`) is `Some`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A join or leave as it was stored.
#[derive(Serialize, ToSchema)]
pub struct GroupEventView {
    pub id: String,
    pub group_id: String,
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub participant_code: Option<String>,
    /// The phone the tooling sent, masked (138****0000).
    pub phone_masked: Option<String>,
    pub member_ref: Option<String>,
    /// When it happened (the tooling's time).
    pub at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub source: Source,
    pub status: EventStatus,
    /// How it was matched: `code`, `phone`, `member_ref` or `manual`.
    pub matched_by: Option<String>,
}

impl From<&StoredEvent> for GroupEventView {
    fn from(e: &StoredEvent) -> Self {
        GroupEventView {
            id: e.id.clone(),
            group_id: e.group_id.clone(),
            kind: e.kind,
            participant_code: e.participant_code.clone(),
            phone_masked: e.phone.as_deref().map(mask),
            member_ref: e.member_ref.clone(),
            at: from_ms(e.occurred_at),
            received_at: from_ms(e.received_at),
            source: e.source,
            status: e.status,
            matched_by: e.matched_by.clone(),
        }
    }
}

/// An event kept without being applied, with its campaign (none for an unknown group).
#[derive(Serialize, ToSchema)]
pub struct UnmatchedEventView {
    #[serde(flatten)]
    pub event: GroupEventView,
    pub campaign_id: Option<String>,
}

/// Who an unmatched event was about: a participant code, or the phone they joined with.
#[derive(Deserialize, ToSchema)]
pub struct MatchBody {
    pub participant_code: Option<String>,
    /// A Chinese mobile number, when the code is not known.
    pub phone: Option<String>,
}

impl MatchBody {
    pub fn who(&self) -> Result<Who, ApiError> {
        let blank = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        match (blank(&self.participant_code), blank(&self.phone)) {
            (Some(code), None) => Ok(Who::Code(code)),
            (None, Some(phone)) => Phone::parse(&phone).map(Who::Phone).map_err(|_| {
                ApiError::invalid(ErrorCode::InvalidPhone, "not a Chinese mobile number")
            }),
            _ => Err(ApiError::invalid(
                ErrorCode::InvalidField,
                "send either participant_code or phone",
            )),
        }
    }
}

/// Which way a group moves in the fill order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Earlier: filled before the group above it.
    Up,
    Down,
}

#[derive(Deserialize, ToSchema)]
pub struct MoveBody {
    pub direction: Direction,
}

/// The event, now applied to the participant.
#[derive(Serialize, ToSchema)]
pub struct MatchedView {
    pub id: String,
    pub status: EventStatus,
    pub participant_code: String,
}

/// What a member-list import did, or with `dry_run` would do.
#[derive(Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct ImportReport {
    /// True when nothing was applied: the report says what the import would do.
    pub dry_run: bool,
    /// Who joins (at most 500 listed; `joined` counts them all).
    pub joins: Vec<MemberChange>,
    /// Who leaves (at most 500 listed; `left` counts them all).
    pub leaves: Vec<MemberChange>,
    /// Rows that match nobody, kept for matching by hand (at most 500 listed).
    pub unmatched_rows: Vec<MemberChange>,
    /// Rows in the file.
    pub rows: usize,
    /// Rows that named a participant of the campaign.
    pub matched: usize,
    pub joined: usize,
    /// Already known: nothing to apply.
    pub unchanged: usize,
    /// Members no longer on the list, or rows with a `left_at`, who were marked as left.
    pub left: usize,
    /// Rows kept for a marketer to match by hand.
    pub unmatched: usize,
}

/// One person an import moves in or out of the group.
#[derive(Debug, PartialEq, Serialize, ToSchema)]
pub struct MemberChange {
    /// The participant, when one matched.
    pub participant_code: Option<String>,
    pub name: Option<String>,
    /// The phone, masked (138****0000): the participant's, else the row's.
    pub phone_masked: Option<String>,
    pub member_ref: Option<String>,
    /// When the join or leave happened.
    pub at: DateTime<Utc>,
}

impl MemberChange {
    pub fn new(participant: Option<&Participant>, event: &GroupEvent) -> MemberChange {
        let phone = participant
            .and_then(|p| p.phone.as_deref())
            .or(event.phone.as_deref());
        MemberChange {
            participant_code: participant.map(|p| p.code.clone()),
            name: participant.and_then(|p| p.name.clone()),
            phone_masked: phone.map(mask),
            member_ref: event.member_ref.clone(),
            at: event.at,
        }
    }
}

/// What a webhook batch did.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct WebhookReport {
    /// Applied, or kept as stale (older than what was applied).
    pub accepted: usize,
    /// Ids already stored: nothing done.
    pub duplicates: usize,
    /// Kept for a marketer to match by hand (or naming an unknown group).
    pub unmatched: usize,
    pub stale: usize,
}

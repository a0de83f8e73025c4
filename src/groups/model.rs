//! Groups and group events as the code knows them: kinds, statuses and the rules of an
//! open group.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::time::from_ms;
use crate::participants::Phone;

/// What a group is for; `vip` groups are never in the live code's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    General,
    Regional,
    Category,
    Vip,
}

crate::text_enum!(Kind {
    General = "general",
    Regional = "regional",
    Category = "category",
    Vip = "vip",
});

/// What a marketer should look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// No seat left, counting seats held for people routed there.
    Full,
    /// 90% of the seats taken or held.
    NearlyFull,
    QrExpired,
    /// The QR code expires within 3 days (a WeChat group code lasts 7).
    QrExpiring,
}

/// Warn marketers this long before a group QR code expires: time to get a new one from
/// the group's owner and upload it.
const EXPIRY_WARNING_MS: i64 = 3 * 24 * 3_600_000;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Group {
    pub id: String,
    pub campaign_id: String,
    pub name: String,
    pub kind: Kind,
    pub capacity: i64,
    pub qr_asset: String,
    pub expires_at: Option<i64>,
    pub position: i64,
    pub closed: bool,
    pub members: i64,
    pub reserved: i64,
}

pub const COLUMNS: &str = "id, campaign_id, name, kind, capacity, qr_asset, expires_at, position, closed, members, reserved";

impl Group {
    /// Open: not closed, QR code valid, a seat left counting reservations.
    pub fn is_open(&self, now_ms: i64) -> bool {
        !self.closed
            && self.expires_at.is_none_or(|e| e > now_ms)
            && self.members + self.reserved < self.capacity
    }

    pub fn warnings(&self, now_ms: i64) -> Vec<Warning> {
        let mut warnings = Vec::new();
        let taken = self.members + self.reserved;
        if taken >= self.capacity {
            warnings.push(Warning::Full);
        } else if taken * 10 >= self.capacity * 9 {
            warnings.push(Warning::NearlyFull);
        }
        match self.expires_at {
            Some(e) if e <= now_ms => warnings.push(Warning::QrExpired),
            Some(e) if e - now_ms <= EXPIRY_WARNING_MS => warnings.push(Warning::QrExpiring),
            _ => {}
        }
        warnings
    }

    pub fn qr_url(&self) -> String {
        format!("/assets/{}", self.qr_asset)
    }

    pub fn expires(&self) -> Option<DateTime<Utc>> {
        self.expires_at.map(from_ms)
    }

    /// The group as an input, the base a patch is applied to.
    pub fn input(&self) -> GroupInput {
        GroupInput {
            name: self.name.clone(),
            capacity: self.capacity,
            kind: self.kind,
            qr_asset: self.qr_asset.clone(),
            expires_at: self.expires(),
            position: Some(self.position),
            closed: self.closed,
        }
    }
}

/// A new group.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    /// 1-64 characters.
    pub name: String,
    /// 1..=100000 seats (a WeChat group holds about 200 by QR code).
    pub capacity: i64,
    #[serde(default = "default_kind")]
    #[schema(default = "general")]
    pub kind: Kind,
    /// An uploaded image: the group's QR code.
    pub qr_asset: String,
    /// When the QR code stops working (WeChat group codes last 7 days).
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Order in the live code's pool, 0..=1000000; default: after the last group.
    #[serde(default)]
    pub position: Option<i64>,
    /// A closed group gets nobody new.
    #[serde(default)]
    pub closed: bool,
}

fn default_kind() -> Kind {
    Kind::General
}

pub fn validate(input: &GroupInput) -> Result<(), String> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err("name must be 1-64 characters".into());
    }
    if !(1..=100_000).contains(&input.capacity) {
        return Err(
            "capacity must be 1..=100000 (a WeChat group holds about 200 by QR code)".into(),
        );
    }
    if input
        .position
        .is_some_and(|p| !(0..=1_000_000).contains(&p))
    {
        return Err("position must be 0..=1000000".into());
    }
    Ok(())
}

/// A join or a leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    MemberJoined,
    MemberLeft,
}

crate::text_enum!(EventKind {
    MemberJoined = "member_joined",
    MemberLeft = "member_left",
});

/// What became of a stored event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Nobody in the campaign matched: kept for a marketer to match by hand.
    Unmatched,
    Applied,
    /// Older than what was already applied to the same person and group: changed nothing.
    Stale,
    /// Names a group fission does not know; belongs to no campaign.
    UnknownGroup,
}

crate::text_enum!(EventStatus {
    Unmatched = "unmatched",
    Applied = "applied",
    Stale = "stale",
    UnknownGroup = "unknown_group",
});

/// Where an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Webhook,
    Import,
}

crate::text_enum!(Source {
    Webhook = "webhook",
    Import = "import",
});

/// Who a marketer says an unmatched event was about.
#[derive(Debug, Clone)]
pub enum Who {
    Code(String),
    Phone(Phone),
}

/// One join or leave, from the webhook or a member-list import.
#[derive(Debug, Clone)]
pub struct GroupEvent {
    pub id: String,
    pub kind: EventKind,
    pub group_id: String,
    pub participant_code: Option<String>,
    pub phone: Option<String>,
    pub member_ref: Option<String>,
    /// When it happened, by the tooling's clock: what qualification judges by.
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(members: i64, reserved: i64, expires_at: Option<i64>) -> Group {
        Group {
            id: "g".into(),
            campaign_id: "c".into(),
            name: "n".into(),
            kind: Kind::General,
            capacity: 10,
            qr_asset: "a".into(),
            expires_at,
            position: 0,
            closed: false,
            members,
            reserved,
        }
    }

    #[test]
    fn reservations_count_against_capacity() {
        assert!(group(5, 4, None).is_open(0));
        assert!(!group(5, 5, None).is_open(0));
        assert_eq!(group(5, 4, None).warnings(0), vec![Warning::NearlyFull]);
        assert_eq!(group(6, 4, None).warnings(0), vec![Warning::Full]);
    }

    #[test]
    fn expired_codes_close_the_group_and_expiring_ones_warn() {
        assert!(!group(0, 0, Some(100)).is_open(100));
        assert_eq!(
            group(0, 0, Some(100)).warnings(100),
            vec![Warning::QrExpired]
        );
        assert_eq!(
            group(0, 0, Some(3_600_000)).warnings(0),
            vec![Warning::QrExpiring]
        );
        let three_days = 3 * 24 * 3_600_000;
        assert_eq!(
            group(0, 0, Some(three_days)).warnings(0),
            vec![Warning::QrExpiring]
        );
        assert!(group(0, 0, Some(three_days + 1)).warnings(0).is_empty());
    }
}

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::time::from_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    General,
    Regional,
    Category,
    Vip,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::General => "general",
            Kind::Regional => "regional",
            Kind::Category => "category",
            Kind::Vip => "vip",
        }
    }
}

/// Warn marketers this long before a group QR code expires.
const EXPIRY_WARNING_MS: i64 = 24 * 3_600_000;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Group {
    pub id: String,
    pub campaign_id: String,
    pub name: String,
    pub kind: String,
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

    pub fn warnings(&self, now_ms: i64) -> Vec<&'static str> {
        let mut warnings = Vec::new();
        let taken = self.members + self.reserved;
        if taken >= self.capacity {
            warnings.push("full");
        } else if taken * 10 >= self.capacity * 9 {
            warnings.push("nearly_full");
        }
        match self.expires_at {
            Some(e) if e <= now_ms => warnings.push("qr_expired"),
            Some(e) if e - now_ms <= EXPIRY_WARNING_MS => warnings.push("qr_expiring"),
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
}

/// The body of group create and, merged with the current group, of patch.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    pub name: String,
    pub capacity: i64,
    #[serde(default = "default_kind")]
    pub kind: Kind,
    pub qr_asset: String,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub position: Option<i64>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn group(members: i64, reserved: i64, expires_at: Option<i64>) -> Group {
        Group {
            id: "g".into(),
            campaign_id: "c".into(),
            name: "n".into(),
            kind: "general".into(),
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
        assert_eq!(group(5, 4, None).warnings(0), vec!["nearly_full"]);
        assert_eq!(group(6, 4, None).warnings(0), vec!["full"]);
    }

    #[test]
    fn expired_codes_close_the_group_and_expiring_ones_warn() {
        assert!(!group(0, 0, Some(100)).is_open(100));
        assert_eq!(group(0, 0, Some(100)).warnings(100), vec!["qr_expired"]);
        assert_eq!(
            group(0, 0, Some(3_600_000)).warnings(0),
            vec!["qr_expiring"]
        );
    }
}

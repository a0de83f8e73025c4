//! What a campaign decides besides its page: the poster's layout, when a referral
//! qualifies, how long an invite link is remembered, how people are sent to groups.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The poster: the marketer's background with the participant's QR code and nickname.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct Poster {
    /// An uploaded asset's id; without it a plain 720x1280 background is used.
    pub background_asset: Option<String>,
    #[serde(default)]
    pub qr: QrPlacement,
    #[serde(default)]
    pub name: Option<NamePlacement>,
}

/// Where the QR code goes, in pixels of the background.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct QrPlacement {
    pub x: u32,
    pub y: u32,
    /// 120..=2000: below ~120 px a phone camera struggles.
    pub size: u32,
}

impl Default for QrPlacement {
    fn default() -> Self {
        QrPlacement {
            x: 470,
            y: 1030,
            size: 220,
        }
    }
}

/// Where the nickname goes; each value defaults to a place under the QR code.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct NamePlacement {
    pub x: Option<u32>,
    pub y: Option<u32>,
    pub size: Option<u32>,
}

/// When a referral counts for its inviter.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(default)]
pub struct Qualification {
    pub require_group_join: bool,
    /// How long the invitee must stay (0: at once); at most 2160 (90 days).
    pub hold_hours: u32,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(default)]
pub struct Attribution {
    /// How long a scanned invite link is remembered before the visitor leaves a number.
    pub window_hours: u32,
}

impl Default for Attribution {
    fn default() -> Self {
        Attribution { window_hours: 168 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(default)]
pub struct GroupSettings {
    /// At most this many groups per person in this campaign (1..=20).
    pub max_per_person: u32,
    /// A routed person holds a seat this long before joining.
    pub reservation_minutes: u32,
    /// Shown when no group is open ("add our assistant ...").
    pub fallback_text: Option<String>,
}

impl Default for GroupSettings {
    fn default() -> Self {
        GroupSettings {
            max_per_person: 1,
            reservation_minutes: 30,
            fallback_text: None,
        }
    }
}

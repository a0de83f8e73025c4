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

/// Where the QR code goes, in pixels of the background: `x`/`y` is the box's top-left
/// corner, `size` its side (the white margin included).
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

/// Where the nickname goes, in pixels of the background; each value left out defaults
/// to a place under the QR code. `x` is the centre of the line, `y` its top.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct NamePlacement {
    pub x: Option<u32>,
    pub y: Option<u32>,
    /// Text height in pixels, 12..=200; default a seventh of the QR box.
    pub size: Option<u32>,
    /// `#rrggbb`; default dark grey `#333333`.
    #[serde(default)]
    pub color: Option<String>,
}

impl NamePlacement {
    /// The colour as RGB, when it is a valid `#rrggbb`.
    pub fn rgb(&self) -> Option<[u8; 3]> {
        parse_color(self.color.as_deref()?)
    }
}

/// `#rrggbb` (case-insensitive) as RGB.
pub fn parse_color(raw: &str) -> Option<[u8; 3]> {
    let hex = raw.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
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

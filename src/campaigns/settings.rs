//! What a campaign decides besides its page: the poster's layout, when a referral
//! qualifies, how long an invite link is remembered, how people are sent to groups.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The poster: the marketer's background with the participant's QR code and nickname,
/// optionally their round avatar, a white card and server-drawn title and incentive. This
/// is the campaign's first (default) design; `alternates` are the others a participant
/// may switch to, numbered from 1.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct Poster {
    /// What participants see when choosing a design ("经典款"); at most 12 characters.
    #[serde(default)]
    pub design_name: Option<String>,
    /// An uploaded asset's id; without it a plain 720x1280 background is used.
    pub background_asset: Option<String>,
    #[serde(default)]
    pub qr: QrPlacement,
    #[serde(default)]
    pub name: Option<NamePlacement>,
    /// The participant's round avatar, when they have one.
    #[serde(default)]
    pub avatar: Option<AvatarPlacement>,
    /// A rounded white card drawn under the code, name and avatar: a quiet plate on a
    /// busy background.
    #[serde(default)]
    pub card: Option<CardPlacement>,
    /// The campaign's headline drawn on the poster (`text` left out: the page's headline).
    #[serde(default)]
    pub title: Option<TextLayer>,
    /// The incentive drawn on the poster (`text` left out: the page's incentive).
    #[serde(default)]
    pub incentive: Option<TextLayer>,
    /// Up to two more designs (each without `alternates` of its own).
    #[serde(default)]
    #[schema(no_recursion)]
    pub alternates: Vec<Poster>,
}

impl Poster {
    /// Design `n`: 0 is this one, 1.. the alternates.
    pub fn design(&self, n: usize) -> Option<&Poster> {
        match n {
            0 => Some(self),
            n => self.alternates.get(n - 1),
        }
    }

    /// This design on its own, without the alternates the default one carries.
    pub fn alone(&self) -> Poster {
        Poster {
            alternates: Vec::new(),
            ..self.clone()
        }
    }

    /// Every design, the default first.
    pub fn designs(&self) -> impl Iterator<Item = &Poster> {
        std::iter::once(self).chain(&self.alternates)
    }
}

/// The avatar's circle: `x`/`y` the top-left corner of its square, `size` the diameter.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct AvatarPlacement {
    pub x: u32,
    pub y: u32,
    /// 32..=600 pixels.
    pub size: u32,
}

/// A rounded rectangle: `x`/`y` its top-left corner.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct CardPlacement {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    /// Corner radius in pixels; default 24.
    #[serde(default)]
    pub radius: Option<u32>,
    /// `#rrggbb`; default white.
    #[serde(default)]
    pub color: Option<String>,
}

/// A line of text the server draws, centred on `x`, its top at `y`, wrapped at `width`
/// (default: the poster's width less margins), at most three lines.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct TextLayer {
    /// The words; left out, the campaign page's own (headline or incentive).
    #[serde(default)]
    pub text: Option<String>,
    pub x: u32,
    pub y: u32,
    /// Text height in pixels, 12..=200.
    pub size: u32,
    /// `#rrggbb`; default dark grey `#333333`.
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub width: Option<u32>,
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

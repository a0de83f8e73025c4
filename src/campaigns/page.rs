//! The landing page's three sections as the marketer writes them: the hero with the
//! call to action, the proof that removes doubt, the closing second call to action.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(default)]
pub struct Page {
    pub hero: Hero,
    pub proof: Proof,
    pub closing: Closing,
    /// Text beside the consent checkbox; a safe default is used when empty.
    pub consent_text: Option<String>,
    /// Ask for a nickname beside the phone number (shown on the poster).
    pub ask_name: bool,
    /// The marketer's own lines under the 活动规则 section, after the lines written from
    /// the rules themselves (at most 10).
    pub rules_notes: Vec<String>,
    /// The brand's colour, logo and layout.
    pub theme: Theme,
}

/// How the phone pages look: without a colour, the house tea-green palette.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(default)]
pub struct Theme {
    /// The brand colour, `#rrggbb`; the page derives a palette from it that keeps text
    /// readable (WCAG AA, 4.5:1).
    pub color: Option<String>,
    /// An uploaded asset's id: the logo at the top of the hero.
    pub logo_asset: Option<String>,
    pub layout: Layout,
}

/// The landing page's arrangement.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// A coloured hero band, then the form on a lifted card.
    #[default]
    Classic,
    /// The hero image full-bleed behind the headline, then the form.
    Poster,
    /// A short hero and tighter sections: the most content on one screen.
    Compact,
}

impl Layout {
    pub const ALL: [Layout; 3] = [Layout::Classic, Layout::Poster, Layout::Compact];

    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Classic => "classic",
            Layout::Poster => "poster",
            Layout::Compact => "compact",
        }
    }
}

impl Theme {
    /// The brand colour as RGB, when it is set and well formed.
    pub fn rgb(&self) -> Option<[u8; 3]> {
        super::settings::parse_color(self.color.as_deref()?)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.color.is_some() && self.rgb().is_none() {
            return Err("page.theme.color must be #rrggbb".into());
        }
        Ok(())
    }
}

/// Top: theme, incentive and the form on the first screen.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(default)]
pub struct Hero {
    pub headline: Option<String>,
    pub subtitle: Option<String>,
    pub incentive: Option<String>,
    pub badge: Option<String>,
    pub cta: Option<String>,
    /// An uploaded asset's id.
    pub image_asset: Option<String>,
    /// Show the image above the headline and form (kept short so the form stays on the
    /// first screen) instead of under the form.
    pub image_first: bool,
}

/// Middle: certifications, experts, testimonials.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(default)]
pub struct Proof {
    pub title: Option<String>,
    pub certifications: Vec<String>,
    pub experts: Vec<Expert>,
    pub testimonials: Vec<Testimonial>,
    pub items: Vec<ProofItem>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct Expert {
    pub name: String,
    #[serde(default)]
    pub title: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct Testimonial {
    pub name: String,
    pub quote: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct ProofItem {
    pub title: String,
    #[serde(default)]
    pub text: String,
}

/// Bottom: the second call to action.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(default)]
pub struct Closing {
    pub title: Option<String>,
    pub text: Option<String>,
    pub cta: Option<String>,
    pub follow_text: Option<String>,
}

impl Page {
    /// Every text the marketer wrote, for length checks.
    pub fn texts(&self) -> impl Iterator<Item = &String> {
        let (h, c, p) = (&self.hero, &self.closing, &self.proof);
        [
            &h.headline,
            &h.subtitle,
            &h.incentive,
            &h.badge,
            &h.cta,
            &c.title,
            &c.text,
            &c.cta,
            &c.follow_text,
            &p.title,
            &self.consent_text,
        ]
        .into_iter()
        .flatten()
        .chain(p.certifications.iter())
        .chain(p.experts.iter().flat_map(|e| [&e.name, &e.title]))
        .chain(p.testimonials.iter().flat_map(|t| [&t.name, &t.quote]))
        .chain(p.items.iter().flat_map(|i| [&i.title, &i.text]))
        .chain(self.rules_notes.iter())
    }

    pub fn proof_entries(&self) -> usize {
        let p = &self.proof;
        p.certifications.len() + p.experts.len() + p.testimonials.len() + p.items.len()
    }
}

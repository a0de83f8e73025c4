//! A campaign as marketers write it (the JSON body) and as fission keeps it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::rules::{self, Rule};
use super::slug::Slug;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Active,
    Paused,
    Ended,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Ended => "ended",
        }
    }

    pub fn parse(raw: &str) -> Option<Status> {
        serde_json::from_value(serde_json::Value::String(raw.to_owned())).ok()
    }
}

/// Whether people can take part right now, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Openness {
    Open,
    Draft,
    Paused,
    NotStarted,
    Ended,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Page {
    pub hero: Hero,
    pub proof: Proof,
    pub closing: Closing,
    /// Text beside the consent checkbox; a safe default is used when empty.
    pub consent_text: Option<String>,
    pub ask_name: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Hero {
    pub headline: Option<String>,
    pub subtitle: Option<String>,
    pub incentive: Option<String>,
    pub badge: Option<String>,
    pub cta: Option<String>,
    pub image_asset: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Proof {
    pub title: Option<String>,
    pub certifications: Vec<String>,
    pub experts: Vec<Expert>,
    pub testimonials: Vec<Testimonial>,
    pub items: Vec<ProofItem>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Expert {
    pub name: String,
    #[serde(default)]
    pub title: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Testimonial {
    pub name: String,
    pub quote: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ProofItem {
    pub title: String,
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Closing {
    pub title: Option<String>,
    pub text: Option<String>,
    pub cta: Option<String>,
    pub follow_text: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Poster {
    pub background_asset: Option<String>,
    #[serde(default)]
    pub qr: QrPlacement,
    #[serde(default)]
    pub name: Option<NamePlacement>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct QrPlacement {
    pub x: u32,
    pub y: u32,
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

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct NamePlacement {
    pub x: Option<u32>,
    pub y: Option<u32>,
    pub size: Option<u32>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Qualification {
    pub require_group_join: bool,
    pub hold_hours: u32,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct GroupSettings {
    /// At most this many groups per person in this campaign.
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

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Budget {
    pub amount: i64,
    #[serde(default = "default_currency")]
    pub currency: Currency,
}

pub type Currency = CurrencyCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CurrencyCode([u8; 3]);

impl TryFrom<String> for CurrencyCode {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        match raw.as_bytes() {
            [a, b, c] if raw.bytes().all(|b| b.is_ascii_uppercase()) => {
                Ok(CurrencyCode([*a, *b, *c]))
            }
            _ => Err(format!(
                "currency '{raw}' must be three capital letters, like CNY"
            )),
        }
    }
}

impl From<CurrencyCode> for String {
    fn from(code: CurrencyCode) -> String {
        code.as_str().to_owned()
    }
}

impl CurrencyCode {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("CNY")
    }
}

pub fn default_currency() -> CurrencyCode {
    CurrencyCode(*b"CNY")
}

/// Everything about a campaign that is stored as one JSON document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Spec {
    pub page: Page,
    pub poster: Option<Poster>,
    pub qualification: Qualification,
    pub rules: Vec<Rule>,
    pub attribution: Attribution,
    pub groups: GroupSettings,
    pub fraud: crate::fraud::FraudSettings,
}

/// The campaign body accepted by create and, after merging, by patch.
#[derive(Debug, Clone, Deserialize)]
pub struct CampaignInput {
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub budget: Option<Budget>,
    #[serde(flatten)]
    pub spec: Spec,
}

#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: String,
    pub slug: Slug,
    pub title: String,
    pub status: Status,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub budget: Option<Budget>,
    pub budget_granted: i64,
    pub spec: Spec,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Campaign {
    pub fn openness(&self, now: DateTime<Utc>) -> Openness {
        match self.status {
            Status::Draft => Openness::Draft,
            Status::Paused => Openness::Paused,
            Status::Ended => Openness::Ended,
            Status::Active if self.starts_at.is_some_and(|s| now < s) => Openness::NotStarted,
            Status::Active if self.ends_at.is_some_and(|e| now >= e) => Openness::Ended,
            Status::Active => Openness::Open,
        }
    }

    pub fn currency(&self) -> CurrencyCode {
        self.budget.map_or_else(default_currency, |b| b.currency)
    }
}

const MAX_TEXT: usize = 2000;

/// Checks what JSON alone cannot: lengths, times, slug, rules, money.
pub fn validate(input: &CampaignInput) -> Result<Slug, String> {
    let slug = Slug::parse(&input.slug).ok_or_else(|| {
        format!(
            "slug '{}' must be 2-64 of a-z, 0-9 and inner dashes",
            input.slug
        )
    })?;
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err("title must be 1-100 characters".into());
    }
    if let (Some(s), Some(e)) = (input.starts_at, input.ends_at) {
        if e <= s {
            return Err("ends_at must be after starts_at".into());
        }
    }
    if let Some(budget) = input.budget {
        if budget.amount < 0 || budget.amount > 1_000_000_000_000 {
            return Err("budget.amount must be between 0 and 10^12 minor units".into());
        }
    }
    rules::validate(&input.spec.rules)?;
    let spends_cash = input.spec.rules.iter().any(|r| r.reward.cash_amount() > 0);
    if spends_cash && input.budget.is_none() {
        return Err("a campaign with cash rewards needs a budget".into());
    }
    if input.spec.qualification.hold_hours > 24 * 90 {
        return Err("qualification.hold_hours must be at most 2160 (90 days)".into());
    }
    if !(1..=20).contains(&input.spec.groups.max_per_person) {
        return Err("groups.max_per_person must be 1..=20".into());
    }
    if let Some(poster) = &input.spec.poster {
        // Below ~120 px a phone camera struggles and long links no longer fit.
        if !(120..=2000).contains(&poster.qr.size) {
            return Err("poster.qr.size must be 120..=2000 pixels".into());
        }
    }
    for text in page_texts(&input.spec.page) {
        if text.chars().count() > MAX_TEXT {
            return Err(format!("page texts must be at most {MAX_TEXT} characters"));
        }
    }
    let page = &input.spec.page;
    if page.proof.certifications.len()
        + page.proof.experts.len()
        + page.proof.testimonials.len()
        + page.proof.items.len()
        > 60
    {
        return Err("page.proof holds at most 60 entries".into());
    }
    Ok(slug)
}

fn page_texts(page: &Page) -> impl Iterator<Item = &String> {
    let h = &page.hero;
    let c = &page.closing;
    let p = &page.proof;
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
        &page.consent_text,
    ]
    .into_iter()
    .flatten()
    .chain(p.certifications.iter())
    .chain(p.experts.iter().flat_map(|e| [&e.name, &e.title]))
    .chain(p.testimonials.iter().flat_map(|t| [&t.name, &t.quote]))
    .chain(p.items.iter().flat_map(|i| [&i.title, &i.text]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(value: serde_json::Value) -> CampaignInput {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_minimal_campaign_is_valid() {
        let c = input(serde_json::json!({"slug": "spring-tea", "title": "春茶"}));
        assert_eq!(validate(&c).unwrap().as_str(), "spring-tea");
        assert_eq!(c.spec.attribution.window_hours, 168);
    }

    #[test]
    fn cash_rules_need_a_budget_and_times_must_be_ordered() {
        let c = input(serde_json::json!({"slug": "ab", "title": "t",
            "rules": [{"id": "m", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 500}}]}));
        assert!(validate(&c).unwrap_err().contains("budget"));
        let c = input(serde_json::json!({"slug": "ab", "title": "t",
            "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-11-01T00:00:00Z"}));
        assert!(validate(&c).is_err());
    }

    #[test]
    fn openness_follows_status_and_window() {
        let mut c = Campaign {
            id: "x".into(),
            slug: Slug::parse("ab").unwrap(),
            title: "t".into(),
            status: Status::Active,
            starts_at: None,
            ends_at: None,
            budget: None,
            budget_granted: 0,
            spec: Spec::default(),
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let now = Utc::now();
        assert_eq!(c.openness(now), Openness::Open);
        c.starts_at = Some(now + chrono::Duration::hours(1));
        assert_eq!(c.openness(now), Openness::NotStarted);
        c.starts_at = None;
        c.ends_at = Some(now);
        assert_eq!(c.openness(now), Openness::Ended);
        c.status = Status::Paused;
        assert_eq!(c.openness(now), Openness::Paused);
    }
}

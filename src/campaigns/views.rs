//! Campaigns as the API shows them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{Campaign, Spec, Status};
use super::money::CurrencyCode;
use super::page::Page;
use super::rules::Rule;
use super::settings::{Attribution, GroupSettings, Poster, Qualification};
use super::slug::Slug;
use crate::fraud::FraudSettings;

/// A campaign: the body's fields plus what fission keeps.
#[derive(Serialize, ToSchema)]
pub struct CampaignView {
    pub id: String,
    pub slug: Slug,
    pub title: String,
    pub status: Status,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Page, poster, qualification, rules, attribution, groups and fraud settings.
    #[serde(flatten)]
    pub spec: Spec,
    pub budget: Option<BudgetView>,
    /// Grows by one with every change.
    pub version: i64,
    /// The landing page, `{FISSION_PUBLIC_URL}/c/{slug}`.
    pub landing_url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The budget with what rewards have taken of it (minor units).
#[derive(Serialize, ToSchema)]
pub struct BudgetView {
    pub amount: i64,
    pub currency: CurrencyCode,
    pub granted: i64,
    pub remaining: i64,
    pub exhausted: bool,
}

impl CampaignView {
    pub fn new(c: &Campaign, public_url: &str) -> Self {
        CampaignView {
            id: c.id.clone(),
            slug: c.slug.clone(),
            title: c.title.clone(),
            status: c.status,
            starts_at: c.starts_at,
            ends_at: c.ends_at,
            spec: c.spec.clone(),
            budget: c.budget.map(|b| BudgetView {
                amount: b.amount,
                currency: b.currency,
                granted: c.budget_granted,
                remaining: b.amount - c.budget_granted,
                exhausted: c.budget_granted >= b.amount,
            }),
            version: c.version,
            landing_url: format!("{public_url}/c/{}", c.slug),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A JSON merge patch (RFC 7396) of the campaign body: fields named replace the current
/// ones, objects merge, `null` removes. The slug cannot change; the result must be a
/// valid campaign.
#[derive(ToSchema)]
#[allow(dead_code)] // describes the PATCH body in the document; the body is merged as JSON
pub struct CampaignPatch {
    title: Option<String>,
    status: Option<Status>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    budget: Option<super::money::Budget>,
    page: Option<Page>,
    poster: Option<Poster>,
    qualification: Option<Qualification>,
    rules: Option<Vec<Rule>>,
    attribution: Option<Attribution>,
    groups: Option<GroupSettings>,
    fraud: Option<FraudSettings>,
}

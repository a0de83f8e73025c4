//! A campaign as marketers write it (the JSON body) and as fission keeps it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::money::{default_currency, Budget, CurrencyCode};
use super::page::Page;
use super::rules::Rule;
use super::settings::{Attribution, GroupSettings, Poster, Qualification};
use super::slug::Slug;
use crate::fraud::FraudSettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Active,
    Paused,
    Ended,
}

crate::text_enum!(Status {
    Draft = "draft",
    Active = "active",
    Paused = "paused",
    Ended = "ended",
});

/// Whether people can take part right now, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Openness {
    Open,
    Draft,
    Paused,
    NotStarted,
    Ended,
}

/// Everything about a campaign that is stored as one JSON document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(default)]
pub struct Spec {
    pub page: Page,
    pub poster: Option<Poster>,
    pub qualification: Qualification,
    pub rules: Vec<Rule>,
    pub attribution: Attribution,
    pub groups: GroupSettings,
    pub fraud: FraudSettings,
}

/// The campaign body accepted by create and, after merging, by patch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CampaignInput {
    /// 2-64 of `a-z`, `0-9` and inner `-`; printed on posters, so it never changes.
    pub slug: String,
    /// 1-100 characters.
    pub title: String,
    /// `active` when left out.
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    /// Required when a rule pays cash.
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

    /// Budget not yet granted, if the campaign has a budget.
    pub fn budget_left(&self) -> Option<i64> {
        self.budget.map(|b| b.amount - self.budget_granted)
    }

    /// The campaign as it would be with this body: what a preview shows and what the
    /// launch checklist judges before anything is stored.
    pub fn revised(&self, input: &CampaignInput) -> Campaign {
        Campaign {
            title: input.title.clone(),
            status: input.status.unwrap_or(self.status),
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            budget: input.budget,
            spec: input.spec.clone(),
            ..self.clone()
        }
    }

    /// The campaign in the shape of its input body, to which a patch is applied.
    pub fn as_input(&self) -> CampaignInput {
        CampaignInput {
            slug: self.slug.as_str().to_owned(),
            title: self.title.clone(),
            status: Some(self.status),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            budget: self.budget,
            spec: self.spec.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

//! Campaign use cases: create, list, read and change, each checked whole before
//! anything is stored.

use chrono::Utc;
use serde_json::Value;

use super::model::{Campaign, CampaignInput, Status};
use super::settings::Poster;
use super::slug::Slug;
use super::store::{self, StoreError};
use super::validate::validate;
use crate::assets;
use crate::db::Db;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::merge_patch::merge;
use crate::posters::design;
use crate::state::AppState;

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::SlugTaken => ApiError::conflict(
                ErrorCode::SlugTaken,
                "a campaign with this slug already exists",
            ),
            StoreError::Stale => ApiError::conflict(
                ErrorCode::EditConflict,
                "the campaign changed meanwhile; read it and retry",
            ),
            StoreError::Storage(e) => e.into(),
        }
    }
}

/// The body's own rules, then what it refers to: assets exist, the QR code fits and, for
/// a layout that is new or changed (`before` is the saved one), scans from a sample poster.
async fn check(
    state: &AppState,
    input: &CampaignInput,
    before: Option<&Poster>,
) -> Result<Slug, ApiError> {
    let db = &state.db;
    let slug = validate(input).map_err(|m| ApiError::invalid(ErrorCode::InvalidCampaign, m))?;
    if let Some(id) = &input.spec.page.hero.image_asset {
        asset_size(db, id).await?;
    }
    if let Some(poster) = &input.spec.poster {
        if before != Some(poster) {
            design::ensure_readable(state, slug.as_str(), poster).await?;
        }
    }
    Ok(slug)
}

async fn asset_size(db: &Db, id: &str) -> Result<(i64, i64), ApiError> {
    let meta = assets::store::meta(db, id).await?.ok_or_else(|| {
        ApiError::invalid(
            ErrorCode::UnknownAsset,
            format!("asset {id} does not exist"),
        )
    })?;
    Ok((meta.width, meta.height))
}

pub async fn create(state: &AppState, input: CampaignInput) -> Result<Campaign, ApiError> {
    let slug = check(state, &input, None).await?;
    let campaign = store::insert(&state.db, &slug, &input, Utc::now()).await?;
    state.campaigns.invalidate(slug.as_str());
    Ok(campaign)
}

/// A copy of the campaign `from` under a new slug and title, as a draft: same page,
/// poster, rules and budget; nothing granted, no participants.
pub async fn clone_as(
    state: &AppState,
    from: &str,
    slug: &str,
    title: &str,
) -> Result<Campaign, ApiError> {
    let mut input = load(&state.db, from).await?.as_input();
    input.slug = slug.to_owned();
    input.title = title.to_owned();
    input.status = Some(Status::Draft);
    create(state, input).await
}

pub async fn list(
    db: &Db,
    status: Option<Status>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Campaign>, ApiError> {
    Ok(store::list(db, status, limit.clamp(1, 500), offset.max(0)).await?)
}

/// The campaign with this slug, read fresh (admin views never trust a cache).
pub async fn load(db: &Db, slug: &str) -> Result<Campaign, ApiError> {
    store::by_slug(db, slug)
        .await?
        .ok_or_else(|| ApiError::not_found("campaign"))
}

/// Applies a JSON merge patch; the result is checked like a new campaign, and the
/// change is refused if someone else changed the campaign meanwhile.
pub async fn change(state: &AppState, slug: &str, patch: Value) -> Result<Campaign, ApiError> {
    let current = load(&state.db, slug).await?;
    if !patch.is_object() {
        return Err(ApiError::invalid(
            ErrorCode::InvalidCampaign,
            "send a JSON object with the fields to change",
        ));
    }
    let mut merged = serde_json::to_value(current.as_input()).map_err(ApiError::internal)?;
    merge(&mut merged, patch);
    let input: CampaignInput = serde_json::from_value(merged)
        .map_err(|e| ApiError::invalid(ErrorCode::InvalidCampaign, e.to_string()))?;
    let new_slug = check(state, &input, current.spec.poster.as_ref()).await?;
    if new_slug != current.slug {
        return Err(ApiError::invalid(
            ErrorCode::SlugImmutable,
            "a campaign's slug is printed on its posters and cannot change",
        ));
    }
    let granted = current.budget_granted;
    if input.budget.map_or(granted > 0, |b| b.amount < granted) {
        return Err(ApiError::invalid(
            ErrorCode::BudgetBelowGranted,
            format!("{granted} is already granted"),
        ));
    }
    let campaign = store::update(&state.db, &current, &input, Utc::now()).await?;
    state.campaigns.invalidate(campaign.slug.as_str());
    Ok(campaign)
}

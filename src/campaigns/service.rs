//! Campaign use cases: create, list, read and change, each checked whole before
//! anything is stored.

use chrono::Utc;
use serde_json::Value;

use super::checklist;
use super::model::{Campaign, CampaignInput, Status};
use super::settings::Poster;
use super::slug::Slug;
use super::store::{self, StoreError};
use super::validate::validate;
use crate::assets;
use crate::audit::{self, snapshot, Actor};
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

/// Without a background, posters use the default 720x1280 one.
const DEFAULT_POSTER: (i64, i64) = (720, 1280);

/// The body's own rules, then what it refers to: assets exist, the QR code fits.
async fn check(db: &Db, input: &CampaignInput) -> Result<Slug, ApiError> {
    let slug = validate(input).map_err(|m| ApiError::invalid(ErrorCode::InvalidCampaign, m))?;
    let page = &input.spec.page;
    for id in [&page.hero.image_asset, &page.theme.logo_asset]
        .into_iter()
        .flatten()
    {
        asset_size(db, id).await?;
    }
    if let Some(poster) = &input.spec.poster {
        let (width, height) = match &poster.background_asset {
            Some(id) => asset_size(db, id).await?,
            None => DEFAULT_POSTER,
        };
        let q = poster.qr;
        let (right, bottom) = (q.x + q.size, q.y + q.size);
        if i64::from(right) > width || i64::from(bottom) > height {
            return Err(ApiError::invalid(
                ErrorCode::PosterQrOutside,
                format!(
                    "the QR box ends at ({right}, {bottom}) but the background is {width}x{height}"
                ),
            ));
        }
    }
    Ok(slug)
}

/// A layout that is new or changed (`before` is the saved one) must scan from a sample
/// poster drawn with it.
async fn ensure_poster_scans(
    state: &AppState,
    input: &CampaignInput,
    before: Option<&Poster>,
) -> Result<(), ApiError> {
    match &input.spec.poster {
        Some(poster) if before != Some(poster) => {
            design::ensure_readable(state, &input.slug, poster).await
        }
        _ => Ok(()),
    }
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

/// Stores a new campaign, audited.
pub async fn create(
    state: &AppState,
    input: CampaignInput,
    actor: &Actor,
) -> Result<Campaign, ApiError> {
    let slug = check(&state.db, &input).await?;
    ensure_poster_scans(state, &input, None).await?;
    let actor = actor.clone();
    let campaign = state
        .db
        .write_tx(move |tx| {
            Box::pin(async move {
                let c = store::insert(tx, &slug, &input, Utc::now()).await?;
                let after = snapshot(&c.as_input());
                audit::record(
                    tx,
                    &actor,
                    "campaign.created",
                    Some(&c.id),
                    c.slug.as_str(),
                    None,
                    after,
                )
                .await?;
                Ok::<_, StoreError>(c)
            })
        })
        .await?;
    state.campaigns.invalidate(campaign.slug.as_str());
    Ok(campaign)
}

/// A copy of the campaign `from` under a new slug and title, as a draft: same page,
/// poster, rules and budget; nothing granted, no participants.
pub async fn clone_as(
    state: &AppState,
    from: &str,
    slug: &str,
    title: &str,
    actor: &Actor,
) -> Result<Campaign, ApiError> {
    let mut input = load(&state.db, from).await?.as_input();
    input.slug = slug.to_owned();
    input.title = title.to_owned();
    input.status = Some(Status::Draft);
    create(state, input, actor).await
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

/// The campaign as it stands and the body it would have after a JSON merge patch, checked
/// like a new campaign; nothing is stored (the editor's preview shows such drafts).
pub async fn draft(
    state: &AppState,
    slug: &str,
    patch: Value,
) -> Result<(Campaign, CampaignInput), ApiError> {
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
    let new_slug = check(&state.db, &input).await?;
    if new_slug != current.slug {
        return Err(ApiError::invalid(
            ErrorCode::SlugImmutable,
            "a campaign's slug is printed on its posters and cannot change",
        ));
    }
    Ok((current, input))
}

/// Applies a JSON merge patch; the result is checked like a new campaign, and the
/// change is refused if someone else changed the campaign meanwhile. Going live from any
/// other status needs the launch checklist to pass. Audited with the whole campaign body
/// (rules and budget included) before and after.
pub async fn change(
    state: &AppState,
    slug: &str,
    patch: Value,
    actor: &Actor,
) -> Result<Campaign, ApiError> {
    let (current, input) = draft(state, slug, patch).await?;
    ensure_poster_scans(state, &input, current.spec.poster.as_ref()).await?;
    let granted = current.budget_granted;
    if input.budget.map_or(granted > 0, |b| b.amount < granted) {
        return Err(ApiError::invalid(
            ErrorCode::BudgetBelowGranted,
            format!("{granted} is already granted"),
        ));
    }
    if input.status == Some(Status::Active) && current.status != Status::Active {
        checklist::ensure_ready(state, &current.revised(&input)).await?;
    }
    let actor = actor.clone();
    let campaign = state
        .db
        .write_tx(move |tx| {
            Box::pin(async move {
                let c = store::update(tx, &current, &input, Utc::now()).await?;
                let (before, after) = (snapshot(&current.as_input()), snapshot(&c.as_input()));
                audit::record(
                    tx,
                    &actor,
                    "campaign.changed",
                    Some(&c.id),
                    c.slug.as_str(),
                    before,
                    after,
                )
                .await?;
                Ok::<_, StoreError>(c)
            })
        })
        .await?;
    state.campaigns.invalidate(campaign.slug.as_str());
    Ok(campaign)
}

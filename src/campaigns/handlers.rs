use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::model::{self, Campaign, CampaignInput, Status};
use super::store::{self, StoreError};
use crate::assets;
use crate::auth::{Auth, CampaignWrite, ReadAccess};
use crate::http::error::{ApiError, ErrorCode};
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
            StoreError::Db(e) => e.into(),
            StoreError::Other(e) => ApiError::internal(e),
        }
    }
}

/// The campaign as the API shows it: the body's fields plus what fission keeps.
pub fn campaign_json(c: &Campaign, public_url: &str) -> Value {
    let mut value = input_json(c);
    let extra = json!({
        "id": c.id,
        "version": c.version,
        "landing_url": format!("{public_url}/c/{}", c.slug),
        "budget": c.budget.map(|b| json!({
            "amount": b.amount,
            "currency": b.currency.as_str(),
            "granted": c.budget_granted,
            "remaining": b.amount - c.budget_granted,
            "exhausted": c.budget_granted >= b.amount,
        })),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    });
    merge(&mut value, extra);
    value
}

/// The campaign in the shape of its input body, to which a PATCH is applied.
fn input_json(c: &Campaign) -> Value {
    let mut value = serde_json::to_value(&c.spec).unwrap_or_else(|_| json!({}));
    merge(
        &mut value,
        json!({
            "slug": c.slug, "title": c.title, "status": c.status,
            "starts_at": c.starts_at, "ends_at": c.ends_at,
            "budget": c.budget,
        }),
    );
    value
}

/// JSON merge patch (RFC 7396): objects merge, `null` removes, anything else replaces.
fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (key, value) in p {
                if value.is_null() {
                    t.remove(&key);
                } else {
                    merge(t.entry(key).or_insert(Value::Null), value);
                }
            }
        }
        (t, p) => *t = p,
    }
}

async fn parse_and_check(
    state: &AppState,
    body: Value,
) -> Result<(CampaignInput, super::Slug), ApiError> {
    let input: CampaignInput = serde_json::from_value(body)
        .map_err(|e| ApiError::invalid(ErrorCode::InvalidCampaign, e.to_string()))?;
    let slug =
        model::validate(&input).map_err(|m| ApiError::invalid(ErrorCode::InvalidCampaign, m))?;
    if let Some(id) = &input.spec.page.hero.image_asset {
        assets::store::meta(&state.db, id).await?.ok_or_else(|| {
            ApiError::invalid(
                ErrorCode::UnknownAsset,
                format!("asset {id} does not exist"),
            )
        })?;
    }
    if let Some(poster) = &input.spec.poster {
        // Without a background, posters use the default 720x1280 one.
        let (width, height) = match &poster.background_asset {
            Some(id) => {
                let bg = assets::store::meta(&state.db, id).await?.ok_or_else(|| {
                    ApiError::invalid(
                        ErrorCode::UnknownAsset,
                        format!("asset {id} does not exist"),
                    )
                })?;
                (bg.width, bg.height)
            }
            None => (720, 1280),
        };
        let q = poster.qr;
        if i64::from(q.x + q.size) > width || i64::from(q.y + q.size) > height {
            return Err(ApiError::invalid(
                ErrorCode::PosterQrOutside,
                format!(
                    "the QR box ends at ({}, {}) but the background is {width}x{height}",
                    q.x + q.size,
                    q.y + q.size
                ),
            ));
        }
    }
    Ok((input, slug))
}

pub async fn create(
    _: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let (input, slug) = parse_and_check(&state, body.into_inner()).await?;
    let campaign = store::insert(&state.db, &slug, &input, chrono::Utc::now()).await?;
    state.campaigns.invalidate(slug.as_str());
    Ok(HttpResponse::Created().json(campaign_json(&campaign, &state.settings.public_url)))
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    #[serde(default = "default_limit")]
    limit: i64,
    #[serde(default)]
    offset: i64,
}

fn default_limit() -> i64 {
    100
}

pub async fn list(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = match &query.status {
        Some(raw) => Some(
            Status::parse(raw)
                .ok_or_else(|| ApiError::bad_request(ErrorCode::InvalidQuery, "unknown status"))?,
        ),
        None => None,
    };
    let campaigns = store::list(
        &state.db,
        status,
        query.limit.clamp(1, 500),
        query.offset.max(0),
    )
    .await?;
    let items: Vec<Value> = campaigns
        .iter()
        .map(|c| campaign_json(c, &state.settings.public_url))
        .collect();
    Ok(HttpResponse::Ok().json(items))
}

pub async fn load(state: &AppState, slug: &str) -> Result<Campaign, ApiError> {
    store::by_slug(&state.db, slug)
        .await?
        .ok_or_else(|| ApiError::not_found("campaign"))
}

pub async fn read(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state, &slug).await?;
    Ok(HttpResponse::Ok().json(campaign_json(&campaign, &state.settings.public_url)))
}

pub async fn patch(
    _: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let current = load(&state, &slug).await?;
    let patch = body.into_inner();
    if !patch.is_object() {
        return Err(ApiError::invalid(
            ErrorCode::InvalidCampaign,
            "send a JSON object with the fields to change",
        ));
    }
    let mut merged = input_json(&current);
    merge(&mut merged, patch);
    let (input, new_slug) = parse_and_check(&state, merged).await?;
    if new_slug != current.slug {
        return Err(ApiError::invalid(
            ErrorCode::SlugImmutable,
            "a campaign's slug is printed on its posters and cannot change",
        ));
    }
    if input.budget.map_or(current.budget_granted > 0, |b| {
        b.amount < current.budget_granted
    }) {
        return Err(ApiError::invalid(
            ErrorCode::BudgetBelowGranted,
            format!("{} is already granted", current.budget_granted),
        ));
    }
    let campaign = store::update(&state.db, &current, &input, chrono::Utc::now()).await?;
    state.campaigns.invalidate(campaign.slug.as_str());
    Ok(HttpResponse::Ok().json(campaign_json(&campaign, &state.settings.public_url)))
}

#[cfg(test)]
mod tests {
    use super::merge;
    use serde_json::json;

    #[test]
    fn merge_patch_replaces_merges_and_removes() {
        let mut doc =
            json!({"a": 1, "page": {"hero": {"headline": "x", "cta": "go"}}, "ends_at": "t"});
        merge(
            &mut doc,
            json!({"page": {"hero": {"headline": "y"}}, "ends_at": null, "b": [1]}),
        );
        assert_eq!(
            doc,
            json!({"a": 1, "page": {"hero": {"headline": "y", "cta": "go"}}, "b": [1]})
        );
    }
}

//! The leaderboard and coupon-pool imports.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::service;
use super::views::{CouponImportView, LeaderboardEntryView};
use crate::auth::{Access, Auth, CampaignWrite, ReadAccess};
use crate::campaigns::service::load;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(leaderboard)
        .service(import_codes)
        .configure(super::export_handlers::configure)
        .configure(super::payout_handlers::configure);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardQuery {
    /// 1..=1000, default 10.
    limit: Option<i64>,
}

/// The leaderboard
///
/// Inviters ranked by qualified invites; ties go to whoever got there first.
#[utoipa::path(
    operation_id = "leaderboard",
    tag = "rewards",
    params(LeaderboardQuery),
    responses(
        (status = 200, description = "The top inviters", body = Vec<LeaderboardEntryView>),
        (status = 400, description = "`limit` outside 1..=1000 (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/leaderboard")]
pub async fn leaderboard(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<LeaderboardQuery>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let limit = query.limit.unwrap_or(10);
    let entries = service::leaderboard(&state.db, &campaign, limit).await?;
    Ok(HttpResponse::Ok().json(entries))
}

/// Import coupon codes into a pool
///
/// Plain text, one code per line (at most 128 printable characters each, up to 200,000
/// codes); blank lines are skipped and codes the pool has are counted as duplicates.
#[utoipa::path(
    operation_id = "importCouponCodes",
    tag = "rewards",
    request_body(content = String, content_type = "text/plain"),
    responses(
        (status = 200, description = "What the import did", body = CouponImportView),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
        (status = 413, description = "The body is over 8 MB (`payload_too_large`)", body = ErrorBody),
        (status = 422, description = "A bad pool name (`invalid_pool`) or codes (`invalid_codes`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[post("/api/v1/campaigns/{slug}/coupon-pools/{pool}/codes")]
pub async fn import_codes(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (slug, pool) = path.into_inner();
    let campaign = load(&state.db, &slug).await?;
    let view = service::import_codes(&state.db, &campaign, &pool, &body, &auth.actor()).await?;
    Ok(HttpResponse::Ok().json(view))
}

//! `GET /api/v1/campaigns/{slug}/stats`.

use actix_web::{get, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::service;
use super::views::StatsView;
use crate::auth::{Access, Auth, ReadAccess};
use crate::campaigns::service::load;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(show);
}

/// A campaign's stats
///
/// The funnel (visits, unique visitors, leads, joined, qualified, rewarded) with the rate
/// at each step, in total, per channel (with K-factor and cost per lead and per qualified
/// invite) and per reporting day (Beijing time by default); K-factor per generation and the
/// longest chain; group retention after 1, 7 and 30 days; grants, money, the budget spent
/// and left per reward rule; the top inviters (masked); and the groups.
#[utoipa::path(
    operation_id = "campaignStats",
    tag = "participants",
    responses(
        (status = 200, description = "The stats", body = StatsView),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/stats")]
pub async fn show(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let as_of = service::AsOf {
        now: chrono::Utc::now(),
        offset_minutes: state.settings.report_utc_offset_minutes,
    };
    let view = service::stats(&state.db, &campaign, as_of).await?;
    Ok(HttpResponse::Ok().json(view))
}

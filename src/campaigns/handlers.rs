//! `/api/v1/campaigns`: create, list, read and change campaigns.

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::checklist::{self, Checklist};
use super::model::{CampaignInput, Status};
use super::service;
use super::views::{CampaignPatch, CampaignView};
use crate::auth::{Access, Auth, CampaignWrite, ReadAccess};
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(read)
        .service(change)
        .service(read_checklist);
}

/// Create a campaign
///
/// The body is the campaign as marketers write it: page, poster, qualification, budget
/// and reward rules. It is checked whole; nothing is stored unless all of it is valid.
#[utoipa::path(
    operation_id = "createCampaign",
    tag = "campaigns",
    request_body = CampaignInput,
    responses(
        (status = 201, description = "The campaign", body = CampaignView),
        (status = 409, description = "The slug is taken (`slug_taken`)", body = ErrorBody),
        (status = 422, description = "The campaign is invalid (`invalid_campaign`, `unknown_asset`, \
            `poster_qr_outside`, `poster_qr_unreadable`: a sample poster's QR code does not scan) or a field has the wrong type (`invalid_field`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[post("/api/v1/campaigns")]
pub async fn create(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    body: web::Json<CampaignInput>,
) -> Result<HttpResponse, ApiError> {
    let campaign = service::create(&state, body.into_inner(), &auth.actor()).await?;
    Ok(HttpResponse::Created().json(CampaignView::new(&campaign, &state.settings.public_url)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only campaigns with this status.
    status: Option<Status>,
    /// 1..=500, default 100.
    limit: Option<i64>,
    #[serde(default)]
    offset: i64,
}

/// List campaigns, newest first
#[utoipa::path(
    operation_id = "listCampaigns",
    tag = "campaigns",
    params(ListQuery),
    responses((status = 200, description = "The campaigns", body = Vec<CampaignView>)),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/campaigns")]
pub async fn list(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(100);
    let campaigns = service::list(&state.db, query.status, limit, query.offset).await?;
    let url = &state.settings.public_url;
    let views: Vec<CampaignView> = campaigns
        .iter()
        .map(|c| CampaignView::new(c, url))
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// Read a campaign
#[utoipa::path(
    operation_id = "readCampaign",
    tag = "campaigns",
    responses(
        (status = 200, description = "The campaign", body = CampaignView),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}")]
pub async fn read(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = service::load(&state.db, &slug).await?;
    Ok(HttpResponse::Ok().json(CampaignView::new(&campaign, &state.settings.public_url)))
}

/// Change a campaign (JSON merge patch)
///
/// The patch is merged into the current body and the result checked like a new campaign.
/// Setting `status` to `active` from another status runs the launch checklist first
/// (`GET .../checklist`); a campaign created as `active` is not gated, since its groups can
/// only be added after it exists.
#[utoipa::path(
    operation_id = "patchCampaign",
    tag = "campaigns",
    request_body = CampaignPatch,
    responses(
        (status = 200, description = "The changed campaign", body = CampaignView),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
        (status = 409, description = "Someone changed it meanwhile (`edit_conflict`)", body = ErrorBody),
        (status = 422, description = "The result is invalid (`invalid_campaign`, `unknown_asset`, \
            `poster_qr_outside`, `poster_qr_unreadable`, `slug_immutable`, `budget_below_granted`, `invalid_field`), or going \
            live while a blocking launch-checklist item fails (`launch_checklist_failed`, the message names them)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[patch("/api/v1/campaigns/{slug}")]
pub async fn change(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let campaign = service::change(&state, &slug, body.into_inner(), &auth.actor()).await?;
    Ok(HttpResponse::Ok().json(CampaignView::new(&campaign, &state.settings.public_url)))
}

/// The launch checklist
///
/// What must hold before the campaign goes live, each item blocking or a warning, with
/// the console section that fixes it. A sample poster is rendered and its QR code read back.
#[utoipa::path(
    operation_id = "campaignChecklist",
    tag = "campaigns",
    responses(
        (status = 200, description = "The checklist", body = Checklist),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/checklist")]
pub async fn read_checklist(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = service::load(&state.db, &slug).await?;
    Ok(HttpResponse::Ok().json(checklist::run(&state, &campaign).await?))
}

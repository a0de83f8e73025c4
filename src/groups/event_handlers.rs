//! The group events a campaign kept: listed, and matched by hand when nobody matched.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::model::EventStatus;
use super::service;
use super::views::{GroupEventView, MatchBody, MatchedView, UnmatchedEventView};
use crate::auth::{Access, Auth, CampaignWrite, ReadAccess};
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// `unmatched` (default), `applied` or `stale`.
    status: Option<EventStatus>,
    /// 1..=1000, default 100.
    limit: Option<i64>,
}

/// List a campaign's group events, newest first
#[utoipa::path(
    operation_id = "listGroupEvents",
    tag = "groups",
    params(EventsQuery),
    responses(
        (status = 200, description = "The events", body = Vec<GroupEventView>),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/group-events")]
pub async fn list_events(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = query.status.unwrap_or(EventStatus::Unmatched);
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let events = service::events(&state, &slug, status, limit).await?;
    let views: Vec<GroupEventView> = events.iter().map(GroupEventView::from).collect();
    Ok(HttpResponse::Ok().json(views))
}

/// Which events kept without being applied.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnmatchedFilter {
    Any,
    Unmatched,
    UnknownGroup,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnmatchedQuery {
    /// `any` (default), `unmatched` or `unknown_group`.
    #[param(inline)]
    status: Option<UnmatchedFilter>,
    /// 1..=1000, default 100.
    limit: Option<i64>,
}

/// List unapplied group events of every campaign
///
/// Every event kept without being applied, including those naming a group fission does
/// not know (a misconfigured tool), which belong to no campaign.
#[utoipa::path(
    operation_id = "listUnmatchedGroupEvents",
    tag = "groups",
    params(UnmatchedQuery),
    responses((status = 200, description = "The events", body = Vec<UnmatchedEventView>)),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/group-events/unmatched")]
pub async fn list_unmatched(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    query: web::Query<UnmatchedQuery>,
) -> Result<HttpResponse, ApiError> {
    let statuses: &[EventStatus] = match query.status.unwrap_or(UnmatchedFilter::Any) {
        UnmatchedFilter::Any => &[EventStatus::Unmatched, EventStatus::UnknownGroup],
        UnmatchedFilter::Unmatched => &[EventStatus::Unmatched],
        UnmatchedFilter::UnknownGroup => &[EventStatus::UnknownGroup],
    };
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let events = service::unmatched(&state, statuses, limit).await?;
    let views: Vec<UnmatchedEventView> = events
        .iter()
        .map(|e| UnmatchedEventView {
            event: GroupEventView::from(e),
            campaign_id: e.campaign_id.clone(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// Match an unmatched group event by hand
///
/// A marketer says who it was (participant code or phone); the event is applied to them
/// and their member reference remembered.
#[utoipa::path(
    operation_id = "matchGroupEvent",
    tag = "groups",
    request_body = MatchBody,
    responses(
        (status = 200, description = "The event, applied", body = MatchedView),
        (status = 404, description = "No such campaign, event or group (`not_found`)", body = ErrorBody),
        (status = 409, description = "The event was already applied (`already_matched`)", body = ErrorBody),
        (status = 422, description = "No participant with this code or phone (`unknown_participant`), \
            a bad phone (`invalid_phone`), neither or both given or a field has the wrong type (`invalid_field`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[post("/api/v1/campaigns/{slug}/group-events/{id}/match")]
pub async fn match_event(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<MatchBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let participant = service::match_event(&state, &slug, &id, body.who()?, &auth.actor()).await?;
    Ok(HttpResponse::Ok().json(MatchedView {
        id,
        status: EventStatus::Applied,
        participant_code: participant.code,
    }))
}

//! The group events a campaign kept: listed, and matched by hand when nobody matched.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::event_store::EventPage;
use super::model::EventStatus;
use super::service;
use super::views::{GroupEventView, MatchBody, MatchedView, UnmatchedEventView};
use crate::auth::{Access, Auth, CampaignWrite, ReadAccess};
use crate::http::cursor;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// `unmatched` (default), `applied` or `stale`.
    status: Option<EventStatus>,
    /// Events per page, 1..=1000 (a larger number is taken as 1000), default 500.
    limit: Option<i64>,
    /// The cursor from the previous page's `Link: rel="next"` header.
    after: Option<String>,
}

const DEFAULT_PAGE: i64 = 500;
const MAX_PAGE: i64 = 1000;

/// The page size asked for, within 1..=1000, and where the page starts.
fn paging(
    limit: Option<i64>,
    after: Option<&str>,
) -> Result<(i64, Option<(i64, String)>), ApiError> {
    let after = match after {
        None => None,
        Some(raw) => Some(cursor::parse_text(raw).ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::InvalidQuery,
                "after is not a cursor this API gave",
            )
        })?),
    };
    Ok((limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE), after))
}

/// The events of a page as JSON, with a `Link` to the next page when there is one.
fn page_response<T: serde::Serialize>(
    page: &EventPage,
    views: Vec<T>,
    next_url: impl FnOnce(&str) -> String,
) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if let Some((at, id)) = &page.next {
        let link = format!(
            "<{}>; rel=\"next\"",
            next_url(&cursor::encode_text(*at, id))
        );
        response.insert_header((header::LINK, link));
    }
    response.json(views)
}

/// List a campaign's group events, newest first
#[utoipa::path(
    operation_id = "listGroupEvents",
    tag = "groups",
    params(EventsQuery),
    responses(
        (status = 200, description = "One page of events, newest first", body = Vec<GroupEventView>,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when more events follow"))),
        (status = 400, description = "`status` unknown or `after` not a cursor this API gave (`invalid_query`)", body = ErrorBody),
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
    let (limit, after) = paging(query.limit, query.after.as_deref())?;
    let page = service::events(&state, &slug, status, after.as_ref(), limit).await?;
    let views: Vec<GroupEventView> = page.events.iter().map(GroupEventView::from).collect();
    Ok(page_response(&page, views, |next| {
        format!(
            "/api/v1/campaigns/{}/group-events?status={}&limit={limit}&after={next}",
            slug.as_str(),
            status.as_str()
        )
    }))
}

/// Which events kept without being applied.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnmatchedFilter {
    Any,
    Unmatched,
    UnknownGroup,
}

impl UnmatchedFilter {
    fn as_str(self) -> &'static str {
        match self {
            UnmatchedFilter::Any => "any",
            UnmatchedFilter::Unmatched => "unmatched",
            UnmatchedFilter::UnknownGroup => "unknown_group",
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnmatchedQuery {
    /// `any` (default), `unmatched` or `unknown_group`.
    #[param(inline)]
    status: Option<UnmatchedFilter>,
    /// Events per page, 1..=1000 (a larger number is taken as 1000), default 500.
    limit: Option<i64>,
    /// The cursor from the previous page's `Link: rel="next"` header.
    after: Option<String>,
}

/// List unapplied group events of every campaign
///
/// Every event kept without being applied, including those naming a group fission does
/// not know (a misconfigured tool), which belong to no campaign.
#[utoipa::path(
    operation_id = "listUnmatchedGroupEvents",
    tag = "groups",
    params(UnmatchedQuery),
    responses(
        (status = 200, description = "One page of events, newest first", body = Vec<UnmatchedEventView>,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when more events follow"))),
        (status = 400, description = "`status` unknown or `after` not a cursor this API gave (`invalid_query`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/group-events/unmatched")]
pub async fn list_unmatched(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    query: web::Query<UnmatchedQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.status.unwrap_or(UnmatchedFilter::Any);
    let statuses: &[EventStatus] = match filter {
        UnmatchedFilter::Any => &[EventStatus::Unmatched, EventStatus::UnknownGroup],
        UnmatchedFilter::Unmatched => &[EventStatus::Unmatched],
        UnmatchedFilter::UnknownGroup => &[EventStatus::UnknownGroup],
    };
    let (limit, after) = paging(query.limit, query.after.as_deref())?;
    let page = service::unmatched(&state, statuses, after.as_ref(), limit).await?;
    let views: Vec<UnmatchedEventView> = page
        .events
        .iter()
        .map(|e| UnmatchedEventView {
            event: GroupEventView::from(e),
            campaign_id: e.campaign_id.clone(),
        })
        .collect();
    Ok(page_response(&page, views, |next| {
        format!(
            "/api/v1/group-events/unmatched?status={}&limit={limit}&after={next}",
            filter.as_str()
        )
    }))
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

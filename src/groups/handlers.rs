//! `/api/v1/campaigns/{slug}/groups`: the group pool and member-list imports. The
//! route table of the whole domain is [`configure`].

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::GroupInput;
use super::views::{GroupPatch, GroupView, ImportReport, MoveBody};
use super::{event_handlers, service, webhook};
use crate::auth::{Access, Auth, CampaignWrite, ReadAccess};
use crate::db::time::to_ms;
use crate::http::cursor;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(change)
        .service(move_group)
        .service(import_members)
        .service(event_handlers::list_events)
        .service(event_handlers::match_event)
        .service(event_handlers::list_unmatched)
        .service(webhook::receive);
}

/// Add a group to the live code's pool
#[utoipa::path(
    operation_id = "createGroup",
    tag = "groups",
    request_body = GroupInput,
    responses(
        (status = 201, description = "The group", body = GroupView),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
        (status = 422, description = "The group is invalid (`invalid_group`), its QR code is not an uploaded \
            image (`unknown_asset`) or a field has the wrong type (`invalid_field`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[post("/api/v1/campaigns/{slug}/groups")]
pub async fn create(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<GroupInput>,
) -> Result<HttpResponse, ApiError> {
    let group = service::create(&state, &slug, body.into_inner(), &auth.actor()).await?;
    let view = GroupView::new(&group, to_ms(Utc::now()));
    Ok(HttpResponse::Created().json(view))
}

/// List a campaign's groups
///
/// With members, seats held and warnings, in the live code's order. When no group is
/// open to the live code the response carries `X-Fission-Warning: no_open_group`.
#[utoipa::path(
    operation_id = "listGroups",
    tag = "groups",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of groups in fill order", body = Vec<GroupView>,
            headers(("X-Fission-Warning" = String, description = "`no_open_group` when nobody can be routed"),
                    ("Link" = String, description = "`<...>; rel=\"next\"` when more groups follow"))),
        (status = 400, description = "`limit` out of range or `after` not a cursor this API gave (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/groups")]
pub async fn list(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let now = to_ms(Utc::now());
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            format!("limit must be 1..={MAX_PAGE}"),
        ));
    }
    let after = match query.after.as_deref() {
        None => None,
        Some(raw) => Some(cursor::parse(raw).ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::InvalidQuery,
                "after is not a cursor this API gave",
            )
        })?),
    };
    let page = service::page(&state, &slug, after, limit, now).await?;
    let mut response = HttpResponse::Ok();
    if !page.any_open {
        response.insert_header(("X-Fission-Warning", "no_open_group"));
    }
    if let Some(next) = &page.next {
        let link = format!(
            "</api/v1/campaigns/{}/groups?limit={limit}&after={}>; rel=\"next\"",
            slug.as_str(),
            cursor::encode(next.0, &next.1)
        );
        response.insert_header((header::LINK, link));
    }
    let views: Vec<GroupView> = page.groups.iter().map(|g| GroupView::new(g, now)).collect();
    Ok(response.json(views))
}

const DEFAULT_PAGE: i64 = 500;
const MAX_PAGE: i64 = 1000;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Groups per page, 1..=1000, default 500.
    limit: Option<i64>,
    /// The cursor from the previous page's `Link: rel="next"` header.
    after: Option<String>,
}

/// Change a group
///
/// Rename, resize, a new QR code, close, reorder: the fields sent replace the current ones.
#[utoipa::path(
    operation_id = "patchGroup",
    tag = "groups",
    request_body = GroupPatch,
    responses(
        (status = 200, description = "The changed group", body = GroupView),
        (status = 404, description = "No such campaign or group (`not_found`)", body = ErrorBody),
        (status = 422, description = "The result is invalid (`invalid_group`, `unknown_asset`) or a field \
            is unknown or has the wrong type (`invalid_field`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[patch("/api/v1/campaigns/{slug}/groups/{id}")]
pub async fn change(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<GroupPatch>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let group = service::change(&state, &slug, &id, body.into_inner(), &auth.actor()).await?;
    Ok(HttpResponse::Ok().json(GroupView::new(&group, to_ms(Utc::now()))))
}

/// Move a group up or down the fill order
///
/// The live code fills groups in this order. Returns the campaign's groups in their new
/// order; moving the first group up (or the last down) changes nothing.
#[utoipa::path(
    operation_id = "moveGroup",
    tag = "groups",
    request_body = MoveBody,
    responses(
        (status = 200, description = "The groups in their new order", body = Vec<GroupView>),
        (status = 404, description = "No such campaign or group (`not_found`)", body = ErrorBody),
        (status = 422, description = "`direction` is not `up` or `down` (`invalid_field`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[post("/api/v1/campaigns/{slug}/groups/{id}/move")]
pub async fn move_group(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<MoveBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let now = to_ms(Utc::now());
    let groups = service::move_group(&state, &slug, &id, body.direction, &auth.actor()).await?;
    let views: Vec<GroupView> = groups.iter().map(|g| GroupView::new(g, now)).collect();
    Ok(HttpResponse::Ok().json(views))
}

/// A member-list export (CSV): a header naming `member_ref` and/or `phone`, optionally
/// `joined_at` and `left_at` (RFC 3339, `2026-11-22 10:00:00` in the reporting offset, or
/// unix seconds). Chinese headers (成员ID, 手机号, 入群时间, 退群时间) are understood.
#[derive(ToSchema)]
#[schema(value_type = String)]
#[allow(dead_code)] // describes the CSV body in the document
pub struct MemberList(String);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true`: report who would join and leave, and apply nothing.
    #[serde(default)]
    dry_run: bool,
}

/// Import a group's member list
///
/// The safety net for callbacks that never came. Rows are applied as joins; members
/// fission knew who are not on the list are marked as left at the upload time, and rows
/// with a `left_at` as left at that time. Importing the same list again changes nothing.
/// With `dry_run=true` the report lists who would join and leave, and nothing changes.
#[utoipa::path(
    operation_id = "importGroupMembers",
    tag = "groups",
    params(ImportQuery),
    request_body(content = MemberList, content_type = "text/csv"),
    responses(
        (status = 200, description = "What the import did", body = ImportReport),
        (status = 404, description = "No such campaign or group (`not_found`)", body = ErrorBody),
        (status = 413, description = "The file is too large (`payload_too_large`)", body = ErrorBody),
        (status = 422, description = "A line is malformed; the message names it (`invalid_member_list`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[post("/api/v1/campaigns/{slug}/groups/{id}/members")]
pub async fn import_members(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<ImportQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let report =
        service::import_members(&state, &slug, &id, &body, query.dry_run, &auth.actor()).await?;
    Ok(HttpResponse::Ok().json(report))
}

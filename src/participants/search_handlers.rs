//! Participant lists over the API: a page as JSON, or every match as CSV.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::export::{self, Reader};
use super::search::{self, ListQuery, ParticipantPage};
use crate::auth::{Access, Auth, ReadAccess, Role};
use crate::http::error::{ApiError, ErrorBody};
use crate::rewards::views::download;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(csv);
}

/// List or search a campaign's participants
///
/// Newest first, `limit` (1-500, default 50) per page; `next_cursor` gives the next.
/// `q` matches the last four digits of a phone, an invite code, or part of a nickname;
/// `state` keeps one kind of participant. Phones are masked; the admin role also gets
/// `phone`, the full number.
#[utoipa::path(
    operation_id = "listParticipants",
    tag = "participants",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of participants", body = ParticipantPage),
        (status = 400, description = "A bad `q`, `state`, `cursor` or `limit` (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/participants")]
pub async fn list(
    auth: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let full = auth.owner.role == Role::Admin;
    let page = search::list(&state, &slug, &query, full).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The CSV's query string: the list's filters and a language.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvQuery {
    /// As for the list.
    pub q: Option<String>,
    /// As for the list.
    pub state: Option<String>,
    /// `zh` (default: Chinese headers and words) or `en`.
    pub lang: Option<String>,
}

/// Download a campaign's participants as CSV
///
/// Every participant matching `q` and `state`, newest first, streamed: UTF-8 with a BOM,
/// Chinese headers unless `lang=en`, times in Beijing time, cash granted in yuan.
/// Phones are masked except for the admin role, whose downloads are audited.
#[utoipa::path(
    operation_id = "participantsCsv",
    tag = "participants",
    params(CsvQuery),
    responses(
        (status = 200, description = "The participants", content_type = "text/csv", body = String),
        (status = 400, description = "A bad `q`, `state` or `lang` (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/participants.csv")]
pub async fn csv(
    auth: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<CsvQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let reader = Reader {
        full_phones: auth.owner.role == Role::Admin,
        actor: auth.actor(),
    };
    send_csv(&state, &slug, query, reader).await
}

/// The CSV response, for the API and the console's download button.
pub async fn send_csv(
    state: &AppState,
    slug: &str,
    query: CsvQuery,
    reader: Reader,
) -> Result<HttpResponse, ApiError> {
    let filter = ListQuery {
        q: query.q,
        state: query.state,
        ..Default::default()
    };
    let body = export::csv(state, slug, &filter, query.lang, reader).await?;
    let filename = format!("participants-{slug}.csv");
    Ok(download("text/csv; charset=utf-8", &filename).streaming(body))
}

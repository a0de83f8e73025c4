//! `GET /api/v1/audit`: the log, for admins.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::service;
use super::store::Filter;
use super::views::AuditPage;
use crate::auth::{Access, AdminAccess, Auth};
use crate::db::time::to_ms;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this campaign's entries (its slug).
    campaign: Option<String>,
    /// Only this actor's entries: a token's or user's id, or its name or email.
    actor: Option<String>,
    /// Only this action, like `campaign.changed`.
    action: Option<String>,
    /// Entries at or after this time.
    since: Option<DateTime<Utc>>,
    /// Entries before this time.
    until: Option<DateTime<Utc>>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
    /// 1..=500, default 50.
    limit: Option<i64>,
}

/// Read the audit log, newest first
///
/// Every change made through the admin API or the console: who, when, what, and the
/// state before and after. Paged by cursor.
#[utoipa::path(
    operation_id = "listAudit",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 400, description = "A bad filter or cursor (`invalid_query`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(AdminAccess::ROLES)))
)]
#[get("/api/v1/audit")]
pub async fn list(
    _: Auth<AdminAccess>,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = Filter {
        campaign: query.campaign,
        actor: query.actor,
        action: query.action,
        since_ms: query.since.map(to_ms),
        until_ms: query.until.map(to_ms),
        before: None,
    };
    let limit = query.limit.unwrap_or(50);
    let page = service::list(&state.db, filter, query.cursor.as_deref(), limit).await?;
    Ok(HttpResponse::Ok().json(page))
}

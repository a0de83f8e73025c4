//! Operational endpoints: the process is up, the database answers.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::Backend;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz);
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// Always `ready`.
    status: &'static str,
    database: Backend,
}

/// The process is up
#[utoipa::path(
    operation_id = "healthz",
    tag = "operations",
    responses((status = 200, description = "Up", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database is reachable
#[utoipa::path(
    operation_id = "readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "The database does not answer (`unavailable`)", body = ErrorBody),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.db.ping().await.map_err(ApiError::unavailable)?;
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ready",
        database: state.db.backend(),
    }))
}

//! Operational endpoints: the process is up, the database answers.

use actix_web::{web, HttpResponse};

use crate::http::error::ApiError;
use crate::state::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.db.ping().await.map_err(ApiError::unavailable)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ready", "database": format!("{:?}", state.db.backend()).to_lowercase()})))
}

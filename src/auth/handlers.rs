//! `/api/v1/tokens`: list, create and revoke API tokens (admins only).

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::Utc;
use utoipa_actix_web::service_config::ServiceConfig;

use super::tokens;
use super::tokens::TokenRecord;
use super::views::{CreatedToken, NewToken};
use super::{Access, AdminAccess, Auth};
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(revoke);
}

/// List API tokens, newest first
///
/// Revoked and expired tokens are listed too; secrets never are.
#[utoipa::path(
    operation_id = "listTokens",
    tag = "tokens",
    responses((status = 200, description = "The tokens", body = Vec<TokenRecord>)),
    extensions(("x-fission-roles" = json!(AdminAccess::ROLES)))
)]
#[get("/api/v1/tokens")]
pub async fn list(
    _: Auth<AdminAccess>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(tokens::list(&state.db).await?))
}

/// Create an API token
///
/// The answer carries the secret; it is shown this once and only its digest is stored.
#[utoipa::path(
    operation_id = "createToken",
    tag = "tokens",
    request_body = NewToken,
    responses(
        (status = 201, description = "The token with its secret", body = CreatedToken),
        (status = 422, description = "A bad name, role or lifetime (`invalid_field`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(AdminAccess::ROLES)))
)]
#[post("/api/v1/tokens")]
pub async fn create(
    auth: Auth<AdminAccess>,
    state: web::Data<AppState>,
    body: web::Json<NewToken>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid(
            ErrorCode::InvalidField,
            "name must be 1 to 100 characters",
        ));
    }
    let now = Utc::now();
    let expires_at = match body.expires_in.as_deref() {
        None => None,
        Some(raw) => Some(
            now + tokens::parse_lifetime(raw).ok_or_else(|| {
                ApiError::invalid(
                    ErrorCode::InvalidField,
                    "expires_in must be like 90d, 12h or 30m (at most 3650d)",
                )
            })?,
        ),
    };
    let (record, secret) =
        tokens::issue(&state.db, name, body.role, now, expires_at, &auth.actor()).await?;
    Ok(HttpResponse::Created().json(CreatedToken {
        token: record,
        secret,
    }))
}

/// Revoke an API token
///
/// From now on the token is refused. Revoking it again changes nothing.
#[utoipa::path(
    operation_id = "revokeToken",
    tag = "tokens",
    responses(
        (status = 200, description = "The revoked token", body = TokenRecord),
        (status = 404, description = "No token with this id (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(AdminAccess::ROLES)))
)]
#[delete("/api/v1/tokens/{id}")]
pub async fn revoke(
    auth: Auth<AdminAccess>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let record = tokens::revoke(&state.db, &id, Utc::now(), &auth.actor())
        .await?
        .ok_or_else(|| ApiError::not_found("token"))?;
    Ok(HttpResponse::Ok().json(record))
}

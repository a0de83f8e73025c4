//! The contract's error body, `{"error": {"code", "message"}}`, for every failure the
//! API reports. Codes are one enum, so the document lists every code a client can meet.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// Stable, machine-readable error codes; their spelling is part of the public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    AlreadyDecided,
    AlreadyMatched,
    BudgetBelowGranted,
    CampaignNotOpen,
    ConsentRequired,
    EditConflict,
    Forbidden,
    InternalError,
    InvalidBatch,
    InvalidBody,
    InvalidCampaign,
    InvalidChannel,
    InvalidCodes,
    InvalidCount,
    InvalidEvent,
    InvalidField,
    InvalidForm,
    InvalidGroup,
    InvalidImage,
    InvalidJson,
    InvalidMemberList,
    InvalidMultipart,
    InvalidName,
    InvalidPhone,
    InvalidPool,
    InvalidQuery,
    InvalidResults,
    InvalidSignature,
    InvalidText,
    LaunchChecklistFailed,
    MethodNotAllowed,
    MissingFile,
    NotFound,
    NotHeld,
    PayloadTooLarge,
    PosterMisconfigured,
    PosterQrOutside,
    PosterQrUnreadable,
    RateLimited,
    SlugImmutable,
    SlugTaken,
    Unauthorized,
    Unavailable,
    UnknownAsset,
    UnknownParticipant,
    UnsupportedMediaType,
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// For people; may change wording at any time.
    pub message: String,
}

pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    source: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            source: None,
        }
    }
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn invalid(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("{what} not found"),
        )
    }
    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            message,
        )
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "a valid Bearer token is required",
        )
    }
    pub fn forbidden(needed: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("this token's role cannot {needed}"),
        )
    }
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: ErrorCode::InternalError,
            message: "internal error; it has been logged".into(),
            source: Some(source.into()),
        }
    }
    pub fn unavailable(source: impl Into<anyhow::Error>) -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: ErrorCode::Unavailable,
            message: "the service is temporarily unavailable".into(),
            source: Some(source.into()),
        }
    }
    pub fn code(&self) -> ErrorCode {
        self.code
    }
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:?}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )?;
        if let Some(source) = &self.source {
            write!(f, "\ncaused by: {source:?}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// A database that cannot hand out a connection is a 503 (try again), anything else a 500.
fn is_unavailable(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed)
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        if is_unavailable(&err) {
            ApiError::unavailable(err)
        } else {
            ApiError::internal(err)
        }
    }
}

/// Storage failures arrive as `anyhow` errors carrying what was being done.
impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        if err
            .downcast_ref::<sqlx::Error>()
            .is_some_and(is_unavailable)
        {
            ApiError::unavailable(err)
        } else {
            ApiError::internal(err)
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
            },
        };
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_spelled_in_snake_case() {
        let json = serde_json::to_value([ErrorCode::SlugTaken, ErrorCode::InvalidJson]).unwrap();
        assert_eq!(json, serde_json::json!(["slug_taken", "invalid_json"]));
    }

    #[test]
    fn a_pool_timeout_behind_context_is_still_a_503() {
        let err = anyhow::Error::from(sqlx::Error::PoolTimedOut).context("reading a campaign");
        assert_eq!(ApiError::from(err).status, StatusCode::SERVICE_UNAVAILABLE);
        let err = anyhow::anyhow!("broken").context("reading a campaign");
        assert_eq!(
            ApiError::from(err).status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}

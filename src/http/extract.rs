//! Extractor settings: body limits, and actix's extractor failures (bad JSON, path,
//! query, form, size) turned into the contract's error body.

use actix_web::{web, HttpRequest};

use super::error::{ApiError, ErrorCode};

/// JSON bodies up to `limit` bytes.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(json_error)
}

pub fn form_config(limit: usize) -> web::FormConfig {
    web::FormConfig::default()
        .limit(limit)
        .error_handler(form_error)
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(query_error)
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(path_error)
}

fn json_error(err: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let api = match &err {
        E::OverflowKnownLength { .. } | E::Overflow { .. } => ApiError::too_large(err.to_string()),
        E::ContentType => ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "send JSON with Content-Type: application/json",
        ),
        E::Deserialize(inner) if inner.is_data() => {
            ApiError::invalid(ErrorCode::InvalidField, inner.to_string())
        }
        _ => ApiError::bad_request(ErrorCode::InvalidJson, err.to_string()),
    };
    api.into()
}

fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(ErrorCode::InvalidQuery, err.to_string()).into()
}

fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::not_found(&format!("path ({err})")).into()
}

fn form_error(err: actix_web::error::UrlencodedError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::UrlencodedError as E;
    let api = match &err {
        E::Overflow { .. } => ApiError::too_large(err.to_string()),
        _ => ApiError::bad_request(ErrorCode::InvalidForm, err.to_string()),
    };
    api.into()
}

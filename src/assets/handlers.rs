//! `POST /api/v1/assets` (upload) and `GET /assets/{id}` (serve).

use actix_multipart::Multipart;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::service;
use super::views::AssetView;
use crate::auth::{Access, Auth, CampaignWrite};
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::multipart;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload).service(serve);
}

/// The upload form: one image in the field `file`.
#[derive(ToSchema)]
#[allow(dead_code)] // describes the multipart body in the document
pub struct UploadForm {
    /// A PNG or JPEG, at most `FISSION_MAX_UPLOAD_BYTES` and `FISSION_MAX_IMAGE_SIDE` pixels a side.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Upload a PNG or JPEG
///
/// Poster backgrounds, group QR codes and hero pictures.
#[utoipa::path(
    operation_id = "uploadAsset",
    tag = "campaigns",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The stored image", body = AssetView),
        (status = 400, description = "Not a readable multipart body (`invalid_multipart`)", body = ErrorBody),
        (status = 413, description = "The file is too large (`payload_too_large`)", body = ErrorBody),
        (status = 422, description = "No `file` field (`missing_file`) or not a PNG/JPEG within limits (`invalid_image`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[post("/api/v1/assets")]
pub async fn upload(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let bytes = file_field(form, state.settings.max_upload_bytes).await?;
    let meta = service::upload(&state, bytes, &auth.actor()).await?;
    Ok(HttpResponse::Created().json(AssetView::from(meta)))
}

/// The bytes of the first field named `file`, refusing more than `limit` bytes.
async fn file_field(form: Multipart, limit: usize) -> Result<Vec<u8>, ApiError> {
    multipart::fields(form, limit)
        .await?
        .take("file")
        .ok_or_else(|| {
            ApiError::invalid(
                ErrorCode::MissingFile,
                "send the image in a multipart field named 'file'",
            )
        })
}

/// An uploaded image
///
/// Public and immutable: cached for a year, with an ETag.
#[utoipa::path(
    operation_id = "serveAsset",
    tag = "pages",
    responses(
        (status = 200, description = "The image", content(("image/png"), ("image/jpeg"))),
        (status = 304, description = "Not modified (the `If-None-Match` ETag matched)"),
        (status = 404, description = "No such asset (`not_found`)", body = ErrorBody),
    )
)]
#[get("/assets/{id}")]
pub async fn serve(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::not_found("asset"));
    }
    let etag = format!("\"{id}\"");
    let if_none_match = req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok());
    if if_none_match == Some(etag.as_str()) {
        return Ok(HttpResponse::NotModified()
            .insert_header(("ETag", etag))
            .finish());
    }
    let (content_type, bytes) = state
        .assets
        .get(&state.db, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("asset"))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type.as_str())
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .insert_header(("ETag", etag))
        .body(bytes))
}

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::json;

use super::{inspect, store};
use crate::auth::{Auth, CampaignWrite};
use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// `POST /api/v1/assets`: multipart field `file`, PNG or JPEG.
pub async fn upload(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    mut form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let limit = state.settings.max_upload_bytes;
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = form.next().await {
        let mut field =
            field.map_err(|e| ApiError::bad_request(ErrorCode::InvalidMultipart, e.to_string()))?;
        let is_file = field.content_disposition().and_then(|d| d.get_name()) == Some("file");
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk
                .map_err(|e| ApiError::bad_request(ErrorCode::InvalidMultipart, e.to_string()))?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::too_large(format!(
                    "files are limited to {limit} bytes"
                )));
            }
            if is_file {
                bytes.extend_from_slice(&chunk);
            }
        }
        if is_file && file.is_none() {
            file = Some(bytes);
        }
    }
    let bytes = file.ok_or_else(|| {
        ApiError::invalid(
            ErrorCode::MissingFile,
            "send the image in a multipart field named 'file'",
        )
    })?;
    let max_side = state.settings.max_image_side;
    let (info, bytes) =
        web::block(move || inspect::inspect(&bytes, max_side).map(|info| (info, bytes)))
            .await
            .map_err(ApiError::internal)?
            .map_err(|e| ApiError::invalid(ErrorCode::InvalidImage, e.to_string()))?;
    let meta = store::insert(
        &state.db,
        &info,
        &bytes,
        &auth.owner.name,
        chrono::Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(json!({
        "id": meta.id,
        "url": format!("/assets/{}", meta.id),
        "width": meta.width,
        "height": meta.height,
        "content_type": meta.content_type,
        "bytes": meta.byte_size,
    })))
}

/// `GET /assets/{id}`: public, immutable.
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
    if req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
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

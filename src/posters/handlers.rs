use std::sync::Arc;

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::design;
use super::render::{PosterFormat, RenderError};
use super::PosterService;
use crate::campaigns::Campaign;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::participants::{store, InviteCode};
use crate::state::AppState;

fn parse_file(file: &str) -> Option<(InviteCode, PosterFormat)> {
    let (code, ext) = file.rsplit_once('.')?;
    let format = match ext {
        "png" => PosterFormat::Png,
        "jpg" | "jpeg" => PosterFormat::Jpeg,
        _ => return None,
    };
    Some((InviteCode::parse(code)?, format))
}

async fn background(
    state: &AppState,
    campaign: &Campaign,
) -> Result<Option<Arc<image::RgbImage>>, ApiError> {
    let Some(id) = campaign
        .spec
        .poster
        .as_ref()
        .and_then(|p| p.background_asset.as_deref())
    else {
        return Ok(None);
    };
    let image = state
        .posters
        .load_background(&state.db, &state.assets, id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("poster background"))?;
    Ok(Some(image))
}

fn poster_response(bytes: web::Bytes, format: PosterFormat, etag: &str) -> HttpResponse {
    let content_type = match format {
        PosterFormat::Png => "image/png",
        PosterFormat::Jpeg => "image/jpeg",
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("ETag", etag))
        .insert_header(("Cache-Control", "public, max-age=300"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(bytes)
}

/// A participant's poster
///
/// `{file}` is the invite code with `.png` or `.jpg`: the campaign's background with the
/// participant's QR code (their invite link) and nickname. Cached; `If-None-Match` works.
#[utoipa::path(
    operation_id = "posterImage",
    tag = "pages",
    responses(
        (status = 200, description = "The poster", content(("image/png"), ("image/jpeg"))),
        (status = 304, description = "Unchanged since the `ETag` the client sent"),
        (status = 404, description = "No such campaign, participant or file type (`not_found`)", body = ErrorBody),
        (status = 409, description = "The campaign's poster layout cannot carry the link (`poster_misconfigured`)", body = ErrorBody),
    )
)]
#[get("/c/{slug}/p/{file}")]
pub async fn show(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (slug, file) = path.into_inner();
    let (code, format) = parse_file(&file).ok_or_else(|| ApiError::not_found("poster"))?;
    let campaign = state
        .campaigns
        .get(&state.db, &slug)
        .await?
        .ok_or_else(|| ApiError::not_found("campaign"))?;
    let fingerprint = PosterService::fingerprint(&campaign, &state.settings.public_url, format);
    let etag = format!("\"{fingerprint}-{code}\"");
    let if_none_match = req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok());
    if if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == etag)) {
        return Ok(HttpResponse::NotModified()
            .insert_header(("ETag", etag))
            .finish());
    }
    if let Some(bytes) = state
        .posters
        .cached(&campaign.id, &fingerprint, code.as_str(), format)
        .await
    {
        return Ok(poster_response(bytes, format, &etag));
    }
    let participant = store::by_code(&state.db, &campaign.id, code.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found("participant"))?;
    let bg = background(&state, &campaign).await?;
    let url = format!(
        "{}/c/{}?ref={}",
        state.settings.public_url, campaign.slug, participant.code
    );
    let bytes = state
        .posters
        .render(
            bg,
            design::layout(campaign.spec.poster.as_ref()),
            (&campaign.id, &fingerprint, code.as_str(), format),
            url,
            participant.name.clone(),
        )
        .await
        .map_err(|e| match e.downcast_ref::<RenderError>() {
            // The campaign's poster layout cannot carry this link: the marketer must fix it.
            Some(RenderError::QrTooSmall { .. } | RenderError::QrOutside { .. }) => {
                ApiError::conflict(ErrorCode::PosterMisconfigured, e.to_string())
            }
            _ => ApiError::internal(e),
        })?;
    metrics::counter!("fission_posters_rendered_total").increment(1);
    Ok(poster_response(bytes, format, &etag))
}

use std::sync::Arc;

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::design;
use super::person::{self, PosterPerson};
use super::render::{PosterFormat, RenderError};
use super::PosterService;
use crate::campaigns::settings::Poster;
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

/// The decoded image of an asset the poster needs; `what` names it in a 404.
async fn image(
    state: &AppState,
    asset: Option<&str>,
    what: &'static str,
) -> Result<Option<Arc<image::RgbImage>>, ApiError> {
    let Some(id) = asset else {
        return Ok(None);
    };
    let image = state
        .posters
        .load_image(&state.db, &state.assets, id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found(what))?;
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
/// participant's QR code (their invite link), nickname (or 好友邀请你) and avatar, title and
/// incentive as the design places them. `?design=N` picks one of the campaign's designs
/// (0, the default, when there is no such design). JPEGs stay under 500 KB. Cached;
/// `If-None-Match` works.
#[utoipa::path(
    operation_id = "posterImage",
    tag = "pages",
    params(("design" = Option<u32>, Query, description = "Which of the campaign's designs: 0 (default) is the first")),
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
    let poster = campaign.spec.poster.clone().unwrap_or_default();
    let n = chosen_design(req.query_string(), &poster);
    let design = poster.design(n).unwrap_or(&poster);
    let fingerprint =
        PosterService::fingerprint(&campaign, (n, design), &state.settings.public_url, format);
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
    let bg = image(
        &state,
        design.background_asset.as_deref(),
        "poster background",
    )
    .await?;
    // An avatar is only loaded for a design that draws one; a missing one is no avatar.
    let avatar = match design.avatar {
        Some(_) => person::avatar_asset(&state.db, &participant.id).await?,
        None => None,
    };
    let avatar = image(&state, avatar.as_deref(), "avatar")
        .await
        .unwrap_or(None);
    let url = format!(
        "{}/c/{}?ref={}",
        state.settings.public_url, campaign.slug, participant.code
    );
    let bytes = state
        .posters
        .render(
            bg,
            design::layout(design, &campaign.spec.page.hero),
            (&campaign.id, &fingerprint, code.as_str(), format),
            url,
            PosterPerson::new(participant.name.as_deref(), avatar),
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

/// The design `?design=N` asks for; the default one (0) when it names none that exists,
/// so a link to a design since removed still shows a poster.
pub fn chosen_design(query: &str, poster: &Poster) -> usize {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("design="))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| poster.design(n).is_some())
        .unwrap_or(0)
}

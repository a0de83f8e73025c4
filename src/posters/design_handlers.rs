//! `/api/v1/campaigns/{slug}/poster`: the poster designer's layout and its preview.

use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::design;
use super::views::PosterDesignView;
use crate::auth::{Access, Auth, CampaignWrite, ReadAccess};
use crate::campaigns::service::load;
use crate::campaigns::settings::Poster;
use crate::campaigns::validate_poster;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(read_design).service(preview);
}

/// Read a campaign's poster layout
///
/// The layout in the background's own pixels (QR `x`/`y` is the box's top-left corner;
/// the nickname's `x` is the centre of its line, `y` its top), the background's size, and
/// advice about it (720x1280 or 750x1334, under 500 KB).
#[utoipa::path(
    operation_id = "readPosterDesign",
    tag = "campaigns",
    responses(
        (status = 200, description = "The layout", body = PosterDesignView),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/poster")]
pub async fn read_design(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = design::describe(&state, &slug, 0)
        .await?
        .ok_or_else(|| ApiError::not_found("poster design"))?;
    Ok(HttpResponse::Ok().json(view))
}

/// Preview an unsaved poster layout
///
/// The poster of a sample participant drawn with the layout sent (nothing is saved), as
/// a PNG. `X-Fission-Qr-Reads` says whether the QR code of its JPEG scanned back as the
/// sample's invite link at full size, `X-Fission-Qr-Reads-Small` whether also at half size;
/// saving a design whose code does not scan at both sizes is refused.
#[utoipa::path(
    operation_id = "previewPoster",
    tag = "campaigns",
    request_body = Poster,
    responses(
        (status = 200, description = "The sample poster", content_type = "image/png",
            headers(("X-Fission-Qr-Reads" = String, description = "`true` when the QR code scans, else `false`"),
                ("X-Fission-Qr-Reads-Small" = String, description = "`true` when it also scans at half size"))),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
        (status = 422, description = "The layout is invalid (`invalid_campaign`), its QR box leaves the background (`poster_qr_outside`), cannot carry the link \
            (`poster_qr_unreadable`), names no uploaded image (`unknown_asset`) or a field has the wrong type \
            (`invalid_field`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[post("/api/v1/campaigns/{slug}/poster/preview")]
pub async fn preview(
    _: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<Poster>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    validate_poster(&body).map_err(|m| ApiError::invalid(ErrorCode::InvalidCampaign, m))?;
    let hero = &campaign.spec.page.hero;
    let sample = design::sample(&state, campaign.slug.as_str(), &body, hero).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("X-Fission-Qr-Reads", sample.reads.to_string()))
        .insert_header(("X-Fission-Qr-Reads-Small", sample.reads_small.to_string()))
        .insert_header(("Cache-Control", "no-store"))
        .body(sample.png))
}

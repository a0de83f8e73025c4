//! The designer's list of poster designs (issue 11): a campaign has the default design
//! and up to two alternates; a marketer copies one as a new design or removes one (the
//! next becomes the default). Each change is saved through the campaigns service like
//! any layout, so the scan check and the audit apply.

use actix_web::{post, web, HttpRequest, HttpResponse};

use super::error::ConsoleError;
use super::poster::{store_poster, DesignQuery, MAX_DESIGNS};
use super::poster_form::LayoutForm;
use super::session::Console;
use crate::auth::CampaignWrite;
use crate::campaigns::service as campaigns;
use crate::campaigns::settings::Poster;
use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// A new design: a copy of design `n`, at the end of the list.
#[post("/admin/campaigns/{slug}/poster/designs")]
pub async fn add_design(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<DesignQuery>,
    req: HttpRequest,
    form: web::Form<LayoutForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form.csrf)?;
    let mut poster = campaigns::load(&state.db, &slug)
        .await?
        .spec
        .poster
        .unwrap_or_default();
    let copy = poster.design(query.design).unwrap_or(&poster).alone();
    if poster.alternates.len() + 1 >= MAX_DESIGNS {
        return Err(ApiError::conflict(
            ErrorCode::InvalidCampaign,
            "a campaign has at most three poster designs",
        )
        .into());
    }
    poster.alternates.push(Poster {
        design_name: None,
        ..copy
    });
    let n = poster.alternates.len();
    store_poster(&state, &console, &slug, poster, (n, "added"), None).await
}

/// Removes design `n`; removing the default makes the next design the default.
#[post("/admin/campaigns/{slug}/poster/designs/{n}/delete")]
pub async fn remove_design(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    path: web::Path<(String, usize)>,
    req: HttpRequest,
    form: web::Form<LayoutForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form.csrf)?;
    let (slug, n) = path.into_inner();
    let poster = campaigns::load(&state.db, &slug)
        .await?
        .spec
        .poster
        .unwrap_or_default();
    let mut designs: Vec<Poster> = poster.designs().map(Poster::alone).collect();
    if n >= designs.len() || designs.len() < 2 {
        return Err(ApiError::not_found("poster design").into());
    }
    designs.remove(n);
    let first = designs.remove(0);
    let poster = Poster {
        alternates: designs,
        ..first
    };
    store_poster(&state, &console, &slug, poster, (0, "removed"), None).await
}

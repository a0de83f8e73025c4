//! `/admin/campaigns/{slug}/poster`: the poster designer. The campaign's designs (two or
//! three, the first the default) as tabs (`?design=N`), added and removed; for the design
//! shown, the background at its real proportions with the QR and nickname boxes dragged
//! on it (static/console/poster.js), avatar, card, title and incentive placed by numbers,
//! a server-drawn preview for a sample participant, background upload with the size
//! advice. Saving goes through the campaigns service, which refuses a design whose QR
//! code does not scan from a rendered sample poster at full and half size.

use std::collections::BTreeMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::ConsoleError;
use super::field_errors;
use super::login::see_other;
use super::poster_designs;
use super::poster_form::{LayoutForm, GROUPS};
use super::render::page_with_status;
use super::session::Console;
use crate::assets;
use crate::auth::{CampaignWrite, ReadAccess};
use crate::campaigns::service as campaigns;
use crate::campaigns::settings::Poster;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::multipart;
use crate::posters::design::{self, Advice};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    cfg.service(show)
        .service(save)
        .service(preview)
        .service(upload_background)
        .service(poster_designs::add_design)
        .service(poster_designs::remove_design)
}

/// The field an API refusal of a layout belongs to, and its message key.
fn refusal(err: &ApiError) -> Option<(&'static str, &'static str)> {
    match err.code() {
        ErrorCode::PosterQrUnreadable => Some(("general", "err_unreadable")),
        ErrorCode::PosterQrOutside => Some(("general", "err_outside")),
        ErrorCode::UnknownAsset => Some(("general", "err_background")),
        ErrorCode::EditConflict => Some(("general", "err_conflict")),
        ErrorCode::InvalidImage | ErrorCode::PayloadTooLarge => Some(("file", "err_image")),
        ErrorCode::MissingFile => Some(("file", "err_no_file")),
        _ => None,
    }
}

/// The designs a campaign may have: the default and two alternates.
pub(super) const MAX_DESIGNS: usize = 3;

#[derive(Serialize)]
struct PosterPage {
    slug: String,
    title: String,
    /// The design shown (0: the default) and every design as a tab.
    design: usize,
    designs: Vec<DesignTab>,
    can_add: bool,
    width: i64,
    height: i64,
    background_url: Option<String>,
    background_kb: Option<i64>,
    advice: Vec<Advice>,
    form: LayoutForm,
    groups: Vec<FieldGroup>,
    /// The preview of the layout in the form, and its address without the fields.
    preview_url: String,
    preview_base: String,
    errors: BTreeMap<String, String>,
    notice: Option<&'static str>,
}

#[derive(Serialize)]
struct DesignTab {
    name: Option<String>,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct FieldGroup {
    legend: &'static str,
    fields: &'static [&'static str],
}

/// What the page shows besides the saved campaign: which design, and the outcome of a post.
struct Shown {
    design: usize,
    status: StatusCode,
    form: Option<LayoutForm>,
    errors: BTreeMap<&'static str, &'static str>,
    notice: Option<&'static str>,
}

impl Shown {
    fn refused(
        design: usize,
        form: Option<LayoutForm>,
        errors: BTreeMap<&'static str, &'static str>,
    ) -> Shown {
        Shown {
            design,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            form,
            errors,
            notice: None,
        }
    }
}

async fn render_page<A: crate::auth::Access>(
    state: &AppState,
    console: &Console<A>,
    slug: &str,
    shown: Shown,
) -> Result<HttpResponse, ConsoleError> {
    let campaign = campaigns::load(&state.db, slug).await?;
    let Some(view) = design::describe(state, slug, shown.design).await? else {
        return Err(ApiError::not_found("poster design").into());
    };
    let slug = campaign.slug.as_str().to_owned();
    let n = shown.design;
    let designs: Vec<DesignTab> = view
        .poster
        .designs()
        .enumerate()
        .map(|(i, d)| DesignTab {
            name: d.design_name.clone(),
            href: format!("/admin/campaigns/{slug}/poster?design={i}"),
            current: i == n,
        })
        .collect();
    let form = shown
        .form
        .unwrap_or_else(|| LayoutForm::of(view.poster.design(n).unwrap_or(&view.poster)))
        .complete();
    let preview_base = format!("/admin/campaigns/{slug}/poster/preview.png?design={n}");
    let page = PosterPage {
        title: campaign.title.clone(),
        design: n,
        can_add: designs.len() < MAX_DESIGNS,
        designs,
        width: view.width,
        height: view.height,
        background_url: view.background.as_ref().map(|b| b.url.clone()),
        background_kb: view.background.as_ref().map(|b| (b.bytes + 1023) / 1024),
        advice: view.advice,
        preview_url: format!("{preview_base}&{}", form.query()),
        preview_base,
        form,
        groups: GROUPS
            .iter()
            .map(|&(legend, fields)| FieldGroup { legend, fields })
            .collect(),
        errors: field_errors::messages(state, console.lang, "poster", shown.errors),
        notice: shown.notice,
        slug,
    };
    let ctx = tera::Context::from_serialize(&page).map_err(anyhow::Error::from)?;
    Ok(page_with_status(
        state,
        console,
        shown.status,
        "console/poster.html",
        ctx,
    ))
}

#[derive(Deserialize)]
struct PageQuery {
    #[serde(default)]
    design: usize,
    done: Option<String>,
}

#[get("/admin/campaigns/{slug}/poster")]
async fn show(
    console: Console<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let notice = match query.done.as_deref() {
        Some("saved") => Some("saved"),
        Some("uploaded") => Some("uploaded"),
        Some("added") => Some("added"),
        Some("removed") => Some("removed"),
        _ => None,
    };
    let shown = Shown {
        design: query.design,
        status: StatusCode::OK,
        form: None,
        errors: BTreeMap::new(),
        notice,
    };
    render_page(&state, &console, &slug, shown).await
}

/// The campaign's poster with design `n` replaced by `design` (the others kept).
fn with_design(mut poster: Poster, n: usize, design: Poster) -> Option<Poster> {
    if n == 0 {
        return Some(Poster {
            alternates: poster.alternates,
            ..design
        });
    }
    *poster.alternates.get_mut(n - 1)? = design;
    Some(poster)
}

/// Saves the campaign's poster through the campaigns service (checked, audited), then
/// back to design `n` with `done`; a refusal shows the page again with its message.
pub(super) async fn store_poster(
    state: &AppState,
    console: &Console<CampaignWrite>,
    slug: &str,
    poster: Poster,
    (n, done): (usize, &str),
    form: Option<LayoutForm>,
) -> Result<HttpResponse, ConsoleError> {
    match campaigns::change(state, slug, json!({"poster": poster}), &console.actor()).await {
        Ok(_) => Ok(see_other(&format!(
            "/admin/campaigns/{slug}/poster?design={n}&done={done}"
        ))),
        Err(e) => match refusal(&e) {
            Some((field, key)) => {
                let errors = BTreeMap::from([(field, key)]);
                render_page(state, console, slug, Shown::refused(n, form, errors)).await
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Deserialize)]
pub(super) struct DesignQuery {
    #[serde(default)]
    pub(super) design: usize,
}

#[post("/admin/campaigns/{slug}/poster")]
async fn save(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<DesignQuery>,
    req: HttpRequest,
    form: web::Form<LayoutForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form.csrf)?;
    let n = query.design;
    let current = campaigns::load(&state.db, &slug)
        .await?
        .spec
        .poster
        .unwrap_or_default();
    let background = current.design(n).and_then(|d| d.background_asset.clone());
    let form = form.into_inner();
    let design = match form.parse(background) {
        Ok(design) => design,
        Err(errors) => {
            return render_page(
                &state,
                &console,
                &slug,
                Shown::refused(n, Some(form), errors),
            )
            .await
        }
    };
    let poster =
        with_design(current, n, design).ok_or_else(|| ApiError::not_found("poster design"))?;
    store_poster(&state, &console, &slug, poster, (n, "saved"), Some(form)).await
}

/// The sample poster of the layout in the query (unsaved), for the designer's preview.
#[get("/admin/campaigns/{slug}/poster/preview.png")]
async fn preview(
    _: Console<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<LayoutForm>,
) -> Result<HttpResponse, ConsoleError> {
    let campaign = campaigns::load(&state.db, &slug).await?;
    let n = query
        .values
        .get("design")
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    let poster = campaign.spec.poster.clone().unwrap_or_default();
    let background = poster.design(n).and_then(|d| d.background_asset.clone());
    let Ok(layout) = query.parse(background) else {
        return Ok(HttpResponse::UnprocessableEntity().body("invalid layout"));
    };
    let hero = &campaign.spec.page.hero;
    let sample = design::sample(&state, campaign.slug.as_str(), &layout, hero).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("X-Fission-Qr-Reads", sample.reads.to_string()))
        .insert_header(("X-Fission-Qr-Reads-Small", sample.reads_small.to_string()))
        .insert_header(("Cache-Control", "no-store"))
        .body(sample.png))
}

/// A new background for design `n`: uploaded as an asset, the boxes kept inside it, then
/// saved like a layout (so a background on which the code does not scan is refused too).
#[post("/admin/campaigns/{slug}/poster/background")]
async fn upload_background(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<DesignQuery>,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, ConsoleError> {
    let mut fields = multipart::fields(form, state.settings.max_upload_bytes).await?;
    console.check_csrf(&req, fields.text("_csrf"))?;
    let n = query.design;
    let outcome = async {
        let file = fields
            .take("file")
            .filter(|f| !f.is_empty())
            .ok_or_else(|| ApiError::invalid(ErrorCode::MissingFile, "choose an image"))?;
        let meta = assets::service::upload(&state, file, &console.actor()).await?;
        let current = campaigns::load(&state.db, &slug)
            .await?
            .spec
            .poster
            .unwrap_or_default();
        let design = current
            .design(n)
            .map(Poster::alone)
            .ok_or_else(|| ApiError::not_found("poster design"))?;
        let poster = with_design(current, n, fit(design, &meta))
            .ok_or_else(|| ApiError::not_found("poster design"))?;
        Ok::<_, ApiError>(poster)
    }
    .await;
    match outcome {
        Ok(poster) => store_poster(&state, &console, &slug, poster, (n, "uploaded"), None).await,
        Err(e) => match refusal(&e) {
            Some((field, key)) => {
                let errors = BTreeMap::from([(field, key)]);
                render_page(&state, &console, &slug, Shown::refused(n, None, errors)).await
            }
            None => Err(e.into()),
        },
    }
}

/// The layout moved onto a new background: the QR box shrunk and slid to stay inside.
fn fit(mut poster: Poster, meta: &assets::store::AssetMeta) -> Poster {
    let (w, h) = (meta.width as u32, meta.height as u32);
    let q = &mut poster.qr;
    q.size = q.size.min(w).min(h);
    q.x = q.x.min(w - q.size);
    q.y = q.y.min(h - q.size);
    if let Some(name) = &mut poster.name {
        name.x = name.x.map(|x| x.min(w));
        name.y = name.y.map(|y| y.min(h));
    }
    poster.background_asset = Some(meta.id.clone());
    poster
}

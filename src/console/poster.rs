//! `/admin/campaigns/{slug}/poster`: the poster designer. The background at its real
//! proportions with the QR and nickname boxes dragged on it (static/console/poster.js),
//! a server-drawn preview for a sample participant, background upload with the size
//! advice. Saving goes through the campaigns service, which refuses a layout whose QR
//! code does not scan from a rendered sample poster.

use std::collections::BTreeMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::ConsoleError;
use super::field_errors;
use super::login::see_other;
use super::render::page_with_status;
use super::session::Console;
use crate::assets;
use crate::auth::{CampaignWrite, ReadAccess};
use crate::campaigns::service as campaigns;
use crate::campaigns::settings::{parse_color, NamePlacement, Poster, QrPlacement};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::multipart;
use crate::posters::design::{self, Advice};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    cfg.service(show)
        .service(save)
        .service(preview)
        .service(upload_background)
}

/// The layout as typed in the form: kept as text so a bad value is shown back.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LayoutForm {
    #[serde(rename = "_csrf", skip_serializing)]
    csrf: String,
    qr_x: String,
    qr_y: String,
    qr_size: String,
    name_x: String,
    name_y: String,
    name_size: String,
    name_color: String,
}

impl LayoutForm {
    fn of(poster: &Poster) -> LayoutForm {
        let opt = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
        let name = poster.name.clone();
        LayoutForm {
            csrf: String::new(),
            qr_x: poster.qr.x.to_string(),
            qr_y: poster.qr.y.to_string(),
            qr_size: poster.qr.size.to_string(),
            name_x: opt(name.as_ref().and_then(|n| n.x)),
            name_y: opt(name.as_ref().and_then(|n| n.y)),
            name_size: opt(name.as_ref().and_then(|n| n.size)),
            name_color: name.and_then(|n| n.color).unwrap_or_default(),
        }
    }

    /// The fields as a query string, for the preview of this layout.
    fn query(&self) -> String {
        let fields = [
            ("qr_x", &self.qr_x),
            ("qr_y", &self.qr_y),
            ("qr_size", &self.qr_size),
            ("name_x", &self.name_x),
            ("name_y", &self.name_y),
            ("name_size", &self.name_size),
            ("name_color", &self.name_color),
        ];
        let pairs: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
            .collect();
        pairs.join("&")
    }

    /// The layout on `background`, or the string key of each field's problem.
    fn parse(
        &self,
        background: Option<String>,
    ) -> Result<Poster, BTreeMap<&'static str, &'static str>> {
        let mut errors = BTreeMap::new();
        let mut number = |field: &'static str, raw: &str, range: (u32, u32), required: bool| {
            let raw = raw.trim();
            if raw.is_empty() && !required {
                return None;
            }
            match raw.parse::<u32>() {
                Ok(v) if (range.0..=range.1).contains(&v) => Some(v),
                Ok(_) if field.ends_with("size") => {
                    errors.insert(
                        field,
                        if field == "qr_size" {
                            "err_qr_size"
                        } else {
                            "err_name_size"
                        },
                    );
                    None
                }
                _ => {
                    errors.insert(field, "err_pixels");
                    None
                }
            }
        };
        let qr_x = number("qr_x", &self.qr_x, (0, 100_000), true);
        let qr_y = number("qr_y", &self.qr_y, (0, 100_000), true);
        let qr_size = number("qr_size", &self.qr_size, (120, 2000), true);
        let name_x = number("name_x", &self.name_x, (0, 100_000), false);
        let name_y = number("name_y", &self.name_y, (0, 100_000), false);
        let name_size = number("name_size", &self.name_size, (12, 200), false);
        let color = Some(self.name_color.trim()).filter(|c| !c.is_empty());
        if color.is_some_and(|c| parse_color(c).is_none()) {
            errors.insert("name_color", "err_color");
        }
        let (Some(x), Some(y), Some(size), true) = (qr_x, qr_y, qr_size, errors.is_empty()) else {
            return Err(errors);
        };
        let any_name =
            name_x.is_some() || name_y.is_some() || name_size.is_some() || color.is_some();
        Ok(Poster {
            background_asset: background,
            qr: QrPlacement { x, y, size },
            name: any_name.then(|| NamePlacement {
                x: name_x,
                y: name_y,
                size: name_size,
                color: color.map(str::to_lowercase),
            }),
        })
    }
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

#[derive(Serialize)]
struct PosterPage {
    slug: String,
    title: String,
    width: i64,
    height: i64,
    background_url: Option<String>,
    background_kb: Option<i64>,
    advice: Vec<Advice>,
    form: LayoutForm,
    /// The preview of the layout in the form.
    preview_url: String,
    errors: BTreeMap<String, String>,
    notice: Option<&'static str>,
}

async fn render_page<A: crate::auth::Access>(
    state: &AppState,
    console: &Console<A>,
    slug: &str,
    status: StatusCode,
    form: Option<LayoutForm>,
    errors: BTreeMap<&'static str, &'static str>,
    notice: Option<&'static str>,
) -> Result<HttpResponse, ConsoleError> {
    let campaign = campaigns::load(&state.db, slug).await?;
    let design = design::describe(state, slug).await?;
    let view = PosterPage {
        slug: campaign.slug.as_str().to_owned(),
        title: campaign.title.clone(),
        width: design.width,
        height: design.height,
        background_url: design.background.as_ref().map(|b| b.url.clone()),
        background_kb: design.background.as_ref().map(|b| (b.bytes + 1023) / 1024),
        advice: design.advice,
        preview_url: String::new(),
        form: form.unwrap_or_else(|| LayoutForm::of(&design.poster)),
        errors: field_errors::messages(state, console.lang, "poster", errors),
        notice,
    };
    let view = PosterPage {
        preview_url: format!(
            "/admin/campaigns/{}/poster/preview.png?{}",
            view.slug,
            view.form.query()
        ),
        ..view
    };
    let ctx = tera::Context::from_serialize(&view).map_err(anyhow::Error::from)?;
    Ok(page_with_status(
        state,
        console,
        status,
        "console/poster.html",
        ctx,
    ))
}

#[derive(Deserialize)]
struct Notice {
    done: Option<String>,
}

#[get("/admin/campaigns/{slug}/poster")]
async fn show(
    console: Console<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    let notice = match query.done.as_deref() {
        Some("saved") => Some("saved"),
        Some("uploaded") => Some("uploaded"),
        _ => None,
    };
    render_page(
        &state,
        &console,
        &slug,
        StatusCode::OK,
        None,
        BTreeMap::new(),
        notice,
    )
    .await
}

#[post("/admin/campaigns/{slug}/poster")]
async fn save(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
    form: web::Form<LayoutForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form.csrf)?;
    let current = campaigns::load(&state.db, &slug).await?;
    let background = current.spec.poster.and_then(|p| p.background_asset);
    let form = form.into_inner();
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let poster = match form.parse(background) {
        Ok(poster) => poster,
        Err(errors) => {
            return render_page(&state, &console, &slug, invalid, Some(form), errors, None).await
        }
    };
    match campaigns::change(&state, &slug, json!({"poster": poster}), &console.actor()).await {
        Ok(_) => Ok(see_other(&format!(
            "/admin/campaigns/{slug}/poster?done=saved"
        ))),
        Err(e) => match refusal(&e) {
            Some((field, key)) => {
                let errors = BTreeMap::from([(field, key)]);
                render_page(&state, &console, &slug, invalid, Some(form), errors, None).await
            }
            None => Err(e.into()),
        },
    }
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
    let background = campaign.spec.poster.and_then(|p| p.background_asset);
    let Ok(poster) = query.parse(background) else {
        return Ok(HttpResponse::UnprocessableEntity().body("invalid layout"));
    };
    let sample = design::sample(&state, campaign.slug.as_str(), &poster).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("X-Fission-Qr-Reads", sample.reads.to_string()))
        .insert_header(("Cache-Control", "no-store"))
        .body(sample.png))
}

/// A new background: uploaded as an asset, the boxes kept inside it, then saved like a
/// layout (so a background on which the code does not scan is refused too).
#[post("/admin/campaigns/{slug}/poster/background")]
async fn upload_background(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, ConsoleError> {
    let mut fields = multipart::fields(form, state.settings.max_upload_bytes).await?;
    console.check_csrf(&req, fields.text("_csrf"))?;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let outcome = async {
        let file = fields
            .take("file")
            .filter(|f| !f.is_empty())
            .ok_or_else(|| ApiError::invalid(ErrorCode::MissingFile, "choose an image"))?;
        let meta = assets::service::upload(&state, file, &console.actor()).await?;
        let current = campaigns::load(&state.db, &slug).await?;
        let poster = fit(
            current.spec.poster.unwrap_or_else(design::default_poster),
            &meta,
        );
        campaigns::change(&state, &slug, json!({"poster": poster}), &console.actor()).await
    }
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/admin/campaigns/{slug}/poster?done=uploaded"
        ))),
        Err(e) => match refusal(&e) {
            Some((field, key)) => {
                let errors = BTreeMap::from([(field, key)]);
                render_page(&state, &console, &slug, invalid, None, errors, None).await
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

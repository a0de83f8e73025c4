//! `/admin/campaigns/{slug}`: the campaign editor. Saving, previewing and launching go
//! through the campaigns service, with the same checks as the JSON API.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::fields::{service_errors, values_of};
use super::form::{self, FieldErrors, Values};
use super::view::editor_view;
use crate::auth::{CampaignWrite, ReadAccess};
use crate::campaigns::{checklist, service, Campaign};
use crate::console::{page_with_status, Console, ConsoleError};
use crate::http::error::ApiError;
use crate::pages::preview;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    cfg.service(show)
        .service(save)
        .service(draft_preview)
        .service(change_status)
}

/// The posted form once its CSRF token holds, read from the raw body: the editor's texts
/// outgrow the 16 KiB limit of small forms.
fn posted_form(
    console: &Console<CampaignWrite>,
    req: &HttpRequest,
    body: &[u8],
) -> Result<Values, ConsoleError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|e| ConsoleError::Internal(anyhow::anyhow!("unreadable editor form: {e}")))?;
    let values = form::values(pairs);
    console.check_csrf(req, values.get("_csrf").map_or("", String::as_str))?;
    Ok(values)
}

fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

async fn render<A: crate::auth::Access>(
    state: &AppState,
    console: &Console<A>,
    campaign: &Campaign,
    values: Values,
    errors: FieldErrors,
) -> Result<HttpResponse, ConsoleError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let list = checklist::run(state, campaign).await?;
    let view = editor_view(state, campaign, values, errors, list);
    let mut ctx = tera::Context::new();
    ctx.insert("e", &view);
    Ok(page_with_status(
        state,
        console,
        status,
        "console/editor.html",
        ctx,
    ))
}

/// Client errors of the service become field errors; anything else is the console's error.
fn as_fields(err: ApiError) -> Result<FieldErrors, ConsoleError> {
    use actix_web::ResponseError;
    if err.status_code().is_client_error() && err.status_code() != StatusCode::NOT_FOUND {
        Ok(service_errors(&err))
    } else {
        Err(err.into())
    }
}

#[get("/admin/campaigns/{slug}")]
pub async fn show(
    console: Console<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let campaign = service::load(&state.db, &slug).await?;
    let values = values_of(&campaign);
    render(&state, &console, &campaign, values, FieldErrors::new()).await
}

#[post("/admin/campaigns/{slug}")]
pub async fn save(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let values = posted_form(&console, &req, &body)?;
    let campaign = service::load(&state.db, &slug).await?;
    let errors = if values.get("version").map(String::as_str) != Some(&campaign.version.to_string())
    {
        FieldErrors::from([(
            "_form".into(),
            "活动刚被其他人修改过，请刷新页面后再改".into(),
        )])
    } else {
        match form::to_patch(&values) {
            Err(errors) => errors,
            Ok(patch) => match service::change(&state, &slug, patch, &console.actor()).await {
                Ok(_) => return Ok(see_other(format!("/admin/campaigns/{slug}?saved=1"))),
                Err(e) => as_fields(e)?,
            },
        }
    };
    render(&state, &console, &campaign, values, errors).await
}

/// The unsaved form as the phone page it would make, for the editor's phone frame.
#[post("/admin/campaigns/{slug}/preview")]
pub async fn draft_preview(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let values = posted_form(&console, &req, &body)?;
    let errors = match form::to_patch(&values) {
        Err(errors) => errors,
        Ok(patch) => match service::draft(&state.db, &slug, patch).await {
            Ok((current, input)) => return Ok(preview::render(&state, &current.revised(&input))),
            Err(e) => as_fields(e)?,
        },
    };
    let message: Vec<String> = errors.into_values().collect();
    Ok(preview::problem(&state, &message.join("；")))
}

/// Launch (`active`, only when the checklist passes), pause or end the campaign.
#[post("/admin/campaigns/{slug}/status")]
pub async fn change_status(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let values = posted_form(&console, &req, &body)?;
    let status = values.get("status").map_or("", String::as_str);
    if !["active", "paused", "ended"].contains(&status) {
        return Err(ConsoleError::NotFound);
    }
    match service::change(&state, &slug, json!({"status": status}), &console.actor()).await {
        Ok(_) => Ok(see_other(format!(
            "/admin/campaigns/{slug}?status={status}"
        ))),
        Err(e) => {
            let errors = as_fields(e)?;
            let campaign = service::load(&state.db, &slug).await?;
            let values = values_of(&campaign);
            render(&state, &console, &campaign, values, errors).await
        }
    }
}

//! The group pool's forms: add a group (with its QR image), replace a QR code, move up or
//! down, close or reopen, match an event by hand, import a member list (a dry run first,
//! then apply). Each checks its CSRF token, calls the groups service, and on bad input
//! shows the pool again with the field's message and what was typed (422).

use std::collections::BTreeMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::error::ConsoleError;
use super::field_errors;
use super::format::parse_beijing;
use super::groups::{render_pool, FormState, PendingImport};
use super::session::Console;
use crate::assets;
use crate::auth::CampaignWrite;
use crate::groups::model::{GroupInput, Kind, Who};
use crate::groups::service;
use crate::groups::views::{Direction, GroupPatch};
use crate::http::error::ErrorCode;
use crate::http::multipart::{self, Fields};
use crate::participants::{InviteCode, Phone};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    cfg.service(create)
        .service(replace_qr)
        .service(move_group)
        .service(close)
        .service(match_event)
        .service(import)
}

type Path = web::Path<(String, String)>;

fn see_other(slug: &str, done: &str) -> HttpResponse {
    super::login::see_other(&format!("/admin/campaigns/{slug}/groups?done={done}"))
}

/// A refused form: its values kept, each error key turned into the page's language.
async fn refused(
    state: &AppState,
    console: &Console<CampaignWrite>,
    slug: &str,
    form: &str,
    values: BTreeMap<String, String>,
    errors: BTreeMap<&str, &str>,
) -> Result<HttpResponse, ConsoleError> {
    let form = FormState {
        form: form.to_owned(),
        values,
        errors: field_errors::messages(state, console.lang, "groups", errors),
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render_pool(state, console, slug, status, form, None, None).await
}

fn texts(fields: &Fields, names: &[&str]) -> BTreeMap<String, String> {
    names
        .iter()
        .map(|n| ((*n).to_owned(), fields.text(n).to_owned()))
        .collect()
}

/// The uploaded QR image as an asset, or the error key for the `qr` field.
async fn upload_qr(
    state: &AppState,
    console: &Console<CampaignWrite>,
    fields: &mut Fields,
) -> Result<Result<String, &'static str>, ConsoleError> {
    let Some(file) = fields.take("qr").filter(|f| !f.is_empty()) else {
        return Ok(Err("err_qr_missing"));
    };
    match assets::service::upload(state, file, &console.actor()).await {
        Ok(meta) => Ok(Ok(meta.id)),
        Err(e) if e.code() == ErrorCode::InvalidImage => Ok(Err("err_qr_image")),
        Err(e) => Err(e.into()),
    }
}

/// An expiry typed in Beijing time; empty is none. Err: the field's error key.
fn expiry(raw: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, &'static str> {
    match raw.trim() {
        "" => Ok(None),
        typed => parse_beijing(typed).map(Some).map_err(|_| "err_expires"),
    }
}

#[post("/admin/campaigns/{slug}/groups")]
async fn create(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, ConsoleError> {
    let mut fields = multipart::fields(form, state.settings.max_upload_bytes).await?;
    console.check_csrf(&req, fields.text("_csrf"))?;
    let values = texts(&fields, &["name", "capacity", "kind", "expires_at"]);
    let mut errors = BTreeMap::new();
    let name = fields.text("name").trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        errors.insert("name", "err_name");
    }
    let capacity = fields
        .text("capacity")
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|c| (1..=100_000).contains(c));
    if capacity.is_none() {
        errors.insert("capacity", "err_capacity");
    }
    let kind = Kind::parse(fields.text("kind")).unwrap_or(Kind::General);
    let expires_at = expiry(fields.text("expires_at")).unwrap_or_else(|key| {
        errors.insert("expires_at", key);
        None
    });
    // The image is stored only once everything else is right.
    if !errors.is_empty() {
        if fields.file("qr").is_none() {
            errors.insert("qr", "err_qr_missing");
        }
        return refused(&state, &console, &slug, "new", values, errors).await;
    }
    let qr_asset = match upload_qr(&state, &console, &mut fields).await? {
        Ok(id) => id,
        Err(key) => {
            return refused(
                &state,
                &console,
                &slug,
                "new",
                values,
                BTreeMap::from([("qr", key)]),
            )
            .await
        }
    };
    let input = GroupInput {
        name,
        capacity: capacity.unwrap_or_default(),
        kind,
        qr_asset,
        expires_at,
        position: None,
        closed: false,
    };
    service::create(&state, &slug, input, &console.actor()).await?;
    Ok(see_other(&slug, "created"))
}

#[post("/admin/campaigns/{slug}/groups/{id}/qr")]
async fn replace_qr(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    path: Path,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, ConsoleError> {
    let (slug, id) = path.into_inner();
    let mut fields = multipart::fields(form, state.settings.max_upload_bytes).await?;
    console.check_csrf(&req, fields.text("_csrf"))?;
    let form_name = format!("qr:{id}");
    let values = texts(&fields, &["expires_at"]);
    let expires_at = match expiry(fields.text("expires_at")) {
        Ok(e) => e,
        Err(key) => {
            let errors = BTreeMap::from([("expires_at", key)]);
            return refused(&state, &console, &slug, &form_name, values, errors).await;
        }
    };
    let qr_asset = match upload_qr(&state, &console, &mut fields).await? {
        Ok(asset) => asset,
        Err(key) => {
            return refused(
                &state,
                &console,
                &slug,
                &form_name,
                values,
                BTreeMap::from([("qr", key)]),
            )
            .await
        }
    };
    let patch = GroupPatch {
        qr_asset: Some(qr_asset),
        expires_at: Some(expires_at),
        ..GroupPatch::default()
    };
    service::change(&state, &slug, &id, patch, &console.actor()).await?;
    Ok(see_other(&slug, "qr"))
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    direction: Direction,
}

#[post("/admin/campaigns/{slug}/groups/{id}/move")]
async fn move_group(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    path: Path,
    req: HttpRequest,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form.csrf)?;
    let (slug, id) = path.into_inner();
    service::move_group(&state, &slug, &id, form.direction, &console.actor()).await?;
    Ok(see_other(&slug, "moved"))
}

#[derive(Deserialize)]
struct CloseForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    /// `1` closes, `0` reopens.
    closed: String,
}

#[post("/admin/campaigns/{slug}/groups/{id}/close")]
async fn close(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    path: Path,
    req: HttpRequest,
    form: web::Form<CloseForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form.csrf)?;
    let (slug, id) = path.into_inner();
    let patch = GroupPatch {
        closed: Some(form.closed != "0"),
        ..GroupPatch::default()
    };
    service::change(&state, &slug, &id, patch, &console.actor()).await?;
    Ok(see_other(&slug, "closed"))
}

#[derive(Deserialize)]
struct MatchForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    who: String,
}

/// A participant code, or a phone number (anything with 11 or more digits).
fn who(raw: &str) -> Option<Who> {
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    if digits >= 11 {
        return Phone::parse(raw).ok().map(Who::Phone);
    }
    InviteCode::parse(raw.trim()).map(|c| Who::Code(c.as_str().to_owned()))
}

#[post("/admin/campaigns/{slug}/group-events/{id}/match")]
async fn match_event(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    path: Path,
    req: HttpRequest,
    form: web::Form<MatchForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form.csrf)?;
    let (slug, id) = path.into_inner();
    let form_name = format!("match:{id}");
    let values = BTreeMap::from([("who".to_owned(), form.who.clone())]);
    let Some(who) = who(&form.who) else {
        return refused(
            &state,
            &console,
            &slug,
            &form_name,
            values,
            BTreeMap::from([("who", "err_who")]),
        )
        .await;
    };
    match service::match_event(&state, &slug, &id, who, &console.actor()).await {
        Ok(_) => Ok(see_other(&slug, "matched")),
        Err(e) if e.code() == ErrorCode::UnknownParticipant => {
            refused(
                &state,
                &console,
                &slug,
                &form_name,
                values,
                BTreeMap::from([("who", "err_who_unknown")]),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Step one (`preview`): the uploaded list's difference, shown with an apply button that
/// sends the same list back. Step two (`apply`): the list applied.
#[post("/admin/campaigns/{slug}/groups/{id}/members")]
async fn import(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    path: Path,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, ConsoleError> {
    let (slug, id) = path.into_inner();
    let mut fields = multipart::fields(form, state.settings.max_upload_bytes).await?;
    console.check_csrf(&req, fields.text("_csrf"))?;
    let apply = fields.text("step") == "apply";
    let csv = match apply {
        true => fields.take("csv"),
        false => fields.take("file"),
    }
    .filter(|f| !f.is_empty());
    let form_name = format!("import:{id}");
    let Some(csv) = csv else {
        return refused(
            &state,
            &console,
            &slug,
            &form_name,
            BTreeMap::new(),
            BTreeMap::from([("file", "err_list_missing")]),
        )
        .await;
    };
    let report =
        match service::import_members(&state, &slug, &id, &csv, !apply, &console.actor()).await {
            Ok(report) => report,
            Err(e) if e.code() == ErrorCode::InvalidMemberList => {
                let values = BTreeMap::from([("detail".to_owned(), e.message().to_owned())]);
                return refused(
                    &state,
                    &console,
                    &slug,
                    &form_name,
                    values,
                    BTreeMap::from([("file", "err_list")]),
                )
                .await;
            }
            Err(e) => return Err(e.into()),
        };
    if apply {
        return Ok(see_other(&slug, "imported"));
    }
    let campaign = crate::campaigns::service::load(&state.db, &slug).await?;
    let group = service::load_group(&state, &campaign, &id).await?;
    let pending = PendingImport {
        group_id: group.id,
        group_name: group.name,
        report,
        csv: String::from_utf8_lossy(&csv).into_owned(),
    };
    render_pool(
        &state,
        &console,
        &slug,
        StatusCode::OK,
        FormState::default(),
        Some(pending),
        None,
    )
    .await
}

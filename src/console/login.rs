//! Signing in and out, the language switch, and `/admin` itself.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use rand::RngCore;
use serde::Deserialize;

use super::error::ConsoleError;
use super::session::{session_cookie, Console, Lang, LANG_COOKIE};
use crate::auth::ReadAccess;
use crate::pages::csrf::same_origin;
use crate::state::AppState;
use crate::users::sessions;
use crate::users::sign_in::{sign_in, SignInError};

/// Ties the sign-in form to the browser that loaded it (there is no session yet).
const LOGIN_COOKIE: &str = "fission_login";
const LOGIN_PURPOSE: &str = "console-login";

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
    _csrf: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

/// Only a path inside the console: never another site (`//evil`, `https://...`).
fn safe_next(next: &str) -> &str {
    let inside = next == "/admin" || next.starts_with("/admin/") || next.starts_with("/admin?");
    if inside && !next.contains("//") && !next.contains('\\') {
        next
    } else {
        "/admin/campaigns"
    }
}

pub(super) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

#[get("/admin")]
pub async fn home() -> HttpResponse {
    see_other("/admin/campaigns")
}

#[get("/admin/login")]
pub async fn show_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    show(
        &req,
        &state,
        StatusCode::OK,
        "",
        safe_next(&query.next),
        None,
    )
}

/// The sign-in form, with what was typed (never the password) and the error if any.
fn show(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    email: &str,
    next: &str,
    error: Option<&str>,
) -> HttpResponse {
    let mut nonce = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut nonce);
    let nonce = hex::encode(nonce);
    let mut ctx = tera::Context::new();
    ctx.insert("email", email);
    ctx.insert("next", next);
    ctx.insert("error", &error);
    ctx.insert("csrf", &state.signer.hash(LOGIN_PURPOSE, &[&nonce]));
    let mut response = state
        .console
        .bare(Lang::of(req), status, "console/login.html", ctx);
    let cookie = Cookie::build(LOGIN_COOKIE, nonce)
        .path("/admin/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.secure_cookies())
        .finish();
    let _ = response.add_cookie(&cookie);
    response
}

#[post("/admin/login")]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, ConsoleError> {
    let form = form.into_inner();
    let next = safe_next(&form.next);
    let t = state.console.strings(Lang::of(&req))["login"].clone();
    let says = |key: &str| t[key].as_str().unwrap_or(key).to_owned();
    let nonce = req.cookie(LOGIN_COOKIE).map(|c| c.value().to_owned());
    let form_ok = same_origin(&req)
        && nonce.is_some_and(|n| state.signer.verify(LOGIN_PURPOSE, &[&n], &form._csrf));
    if !form_ok {
        let why = says("expired");
        return Ok(show(
            &req,
            &state,
            StatusCode::FORBIDDEN,
            &form.email,
            next,
            Some(&why),
        ));
    }
    let address = crate::http::client::client_ip(&req, &state.settings.trusted_proxies)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    let outcome = sign_in(
        &state.db,
        &state.settings.console,
        &form.email,
        &form.password,
        &address,
        Utc::now(),
    )
    .await;
    let (status, key) = match outcome {
        Ok(signed_in) => {
            let mut response = see_other(next);
            response
                .add_cookie(&session_cookie(&state, signed_in.cookie_secret))
                .map_err(anyhow::Error::from)?;
            return Ok(response);
        }
        Err(SignInError::Invalid) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        Err(SignInError::Disabled) => (StatusCode::FORBIDDEN, "disabled"),
        Err(SignInError::RateLimited) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        Err(SignInError::Storage(e)) => return Err(e.into()),
    };
    Ok(show(
        &req,
        &state,
        status,
        &form.email,
        next,
        Some(&says(key)),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    _csrf: String,
}

#[post("/admin/logout")]
pub async fn logout(
    req: HttpRequest,
    console: Console<ReadAccess>,
    state: web::Data<AppState>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form._csrf)?;
    sessions::end(&state.db, console.session_id(), Utc::now()).await?;
    let mut response = see_other("/admin/login");
    response
        .add_removal_cookie(&session_cookie(&state, String::new()))
        .map_err(anyhow::Error::from)?;
    Ok(response)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LangQuery {
    to: String,
    back: String,
}

/// The 中文/EN switch: remembers the choice for a year, back to the page it was on.
#[get("/admin/lang")]
pub async fn switch_language(
    state: web::Data<AppState>,
    query: web::Query<LangQuery>,
) -> HttpResponse {
    let lang = if query.to == "en" { "en" } else { "zh-CN" };
    let cookie = Cookie::build(LANG_COOKIE, lang)
        .path("/admin")
        .max_age(time::Duration::days(365))
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies())
        .finish();
    let mut response = see_other(safe_next(&query.back));
    let _ = response.add_cookie(&cookie);
    response
}

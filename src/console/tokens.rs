//! API tokens for admins (`/admin/tokens`): list, create (the secret shown once, on the
//! answer to the form), revoke. Through auth::tokens, like the JSON API.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::error::ConsoleError;
use super::format::beijing;
use super::render::page_with_status;
use super::session::Console;
use crate::auth::tokens::{self, TokenRecord};
use crate::auth::{AdminAccess, Role};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    cfg.service(list).service(create).service(revoke)
}

#[derive(Serialize)]
struct Row {
    id: String,
    name: String,
    role: &'static str,
    created_at: String,
    expires_at: Option<String>,
    revoked_at: Option<String>,
    /// active, expired or revoked
    state: &'static str,
}

impl From<TokenRecord> for Row {
    fn from(t: TokenRecord) -> Self {
        let state = match (t.revoked_at, t.expires_at) {
            (Some(_), _) => "revoked",
            (None, Some(e)) if e <= Utc::now() => "expired",
            _ => "active",
        };
        Row {
            id: t.id,
            name: t.name,
            role: t.role.as_str(),
            created_at: beijing(t.created_at),
            expires_at: t.expires_at.map(beijing),
            revoked_at: t.revoked_at.map(beijing),
            state,
        }
    }
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct TokenForm {
    name: String,
    role: String,
    /// "" (never), or a lifetime like 90d
    expires_in: String,
    #[serde(skip_serializing)]
    _csrf: String,
}

/// The token list with the create form (what was typed, its errors) and, once, a secret.
async fn render(
    state: &AppState,
    console: &Console<AdminAccess>,
    status: StatusCode,
    form: &TokenForm,
    errors: HashMap<&str, &str>,
    created: Option<(TokenRecord, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let rows: Vec<Row> = tokens::list(&state.db)
        .await?
        .into_iter()
        .map(Row::from)
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("tokens", &rows);
    ctx.insert("form", form);
    ctx.insert("errors", &errors);
    ctx.insert(
        "created",
        &created.map(|(t, secret)| serde_json::json!({"name": t.name, "secret": secret})),
    );
    Ok(page_with_status(
        state,
        console,
        status,
        "console/tokens.html",
        ctx,
    ))
}

#[get("/admin/tokens")]
async fn list(
    console: Console<AdminAccess>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ConsoleError> {
    let form = TokenForm {
        role: "viewer".into(),
        expires_in: "90d".into(),
        ..TokenForm::default()
    };
    render(
        &state,
        &console,
        StatusCode::OK,
        &form,
        HashMap::new(),
        None,
    )
    .await
}

#[post("/admin/tokens")]
async fn create(
    req: HttpRequest,
    console: Console<AdminAccess>,
    state: web::Data<AppState>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form._csrf)?;
    let now = Utc::now();
    let mut errors = HashMap::new();
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.insert("name", "请填写令牌名称（1-100 个字），如 “CRM 同步”");
    }
    let role = Role::parse(&form.role);
    if role.is_none() {
        errors.insert("role", "请选择角色");
    }
    let lifetime = match form.expires_in.trim() {
        "" => Some(None),
        raw => tokens::parse_lifetime(raw).map(Some),
    };
    if lifetime.is_none() {
        errors.insert("expires_in", "有效期写法如 90d、12h 或 30m，留空为永不过期");
    }
    let (Some(role), Some(lifetime), true) = (role, lifetime, errors.is_empty()) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(&state, &console, status, &form, errors, None).await;
    };
    let created = tokens::issue(
        &state.db,
        name,
        role,
        now,
        lifetime.map(|l| now + l),
        &console.actor(),
    )
    .await?;
    let blank = TokenForm {
        role: form.role.clone(),
        expires_in: form.expires_in.clone(),
        ..TokenForm::default()
    };
    render(
        &state,
        &console,
        StatusCode::OK,
        &blank,
        HashMap::new(),
        Some(created),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RevokeForm {
    _csrf: String,
}

#[post("/admin/tokens/{id}/revoke")]
async fn revoke(
    req: HttpRequest,
    console: Console<AdminAccess>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<RevokeForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form._csrf)?;
    tokens::revoke(&state.db, &id, Utc::now(), &console.actor())
        .await?
        .ok_or(ConsoleError::NotFound)?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/admin/tokens"))
        .finish())
}

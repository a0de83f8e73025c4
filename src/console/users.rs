//! Console accounts for admins (`/admin/users`): list, create (a generated password shown
//! once when none is typed), disable. Through the users service, like the CLI.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::error::ConsoleError;
use super::format::beijing;
use super::render::page_with_status;
use super::session::Console;
use crate::auth::{AdminAccess, Role};
use crate::state::AppState;
use crate::users::service::{self, UserError};
use crate::users::{password, User};

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    cfg.service(list).service(create).service(disable)
}

#[derive(Serialize)]
struct Row {
    email: String,
    role: &'static str,
    created_at: String,
    disabled_at: Option<String>,
}

impl From<User> for Row {
    fn from(u: User) -> Self {
        Row {
            email: u.email,
            role: u.role.as_str(),
            created_at: beijing(u.created_at),
            disabled_at: u.disabled_at.map(beijing),
        }
    }
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct UserForm {
    email: String,
    role: String,
    #[serde(skip_serializing)]
    password: String,
    #[serde(skip_serializing)]
    _csrf: String,
}

async fn render(
    state: &AppState,
    console: &Console<AdminAccess>,
    status: StatusCode,
    form: &UserForm,
    errors: HashMap<&str, String>,
    created: Option<serde_json::Value>,
) -> Result<HttpResponse, ConsoleError> {
    let rows: Vec<Row> = service::list(&state.db)
        .await?
        .into_iter()
        .map(Row::from)
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("users", &rows);
    ctx.insert("form", form);
    ctx.insert("errors", &errors);
    ctx.insert("created", &created);
    Ok(page_with_status(
        state,
        console,
        status,
        "console/users.html",
        ctx,
    ))
}

#[get("/admin/users")]
async fn list(
    console: Console<AdminAccess>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ConsoleError> {
    let form = UserForm {
        role: "marketer".into(),
        ..UserForm::default()
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

#[post("/admin/users")]
async fn create(
    req: HttpRequest,
    console: Console<AdminAccess>,
    state: web::Data<AppState>,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form._csrf)?;
    let Some(role) = Role::parse(&form.role) else {
        let errors = HashMap::from([("role", "请选择角色".to_owned())]);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(&state, &console, status, &form, errors, None).await;
    };
    let generated = form.password.is_empty().then(password::generate);
    let password = generated.as_deref().unwrap_or(&form.password);
    match service::create(&state.db, &form.email, role, password, &console.actor()).await {
        Ok(user) => {
            let created = serde_json::json!({"email": user.email, "password": generated});
            let blank = UserForm {
                role: form.role.clone(),
                ..UserForm::default()
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
        Err(UserError::Field(field, message)) => {
            let errors = HashMap::from([(field, message.to_owned())]);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&state, &console, status, &form, errors, None).await
        }
        Err(UserError::EmailTaken) => {
            let errors = HashMap::from([("email", UserError::EmailTaken.to_string())]);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&state, &console, status, &form, errors, None).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DisableForm {
    email: String,
    _csrf: String,
}

#[post("/admin/users/disable")]
async fn disable(
    req: HttpRequest,
    console: Console<AdminAccess>,
    state: web::Data<AppState>,
    form: web::Form<DisableForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form._csrf)?;
    if form.email.trim().eq_ignore_ascii_case(&console.user.email) {
        let errors = HashMap::from([("disable", "不能停用你自己的账号".to_owned())]);
        let blank = UserForm::default();
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(&state, &console, status, &blank, errors, None).await;
    }
    service::disable(&state.db, &form.email, &console.actor()).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/admin/users"))
        .finish())
}

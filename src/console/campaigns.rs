//! The campaign list (`/admin/campaigns`), a new campaign from the ready template
//! (`/admin/new-campaign`) and a copy of an existing one (`/admin/campaigns/{slug}/clone`).
//! Both create through the campaigns service, as drafts.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::error::ConsoleError;
use super::format::{beijing, yuan};
use super::render::{page, page_with_status};
use super::session::Console;
use crate::auth::{CampaignWrite, ReadAccess};
use crate::campaigns::{service, Campaign, Slug};
use crate::http::error::ErrorCode;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    cfg.service(list)
        .service(template_form)
        .service(create_from_template)
        .service(clone_form)
        .service(clone)
}

/// One line of the list, ready to show.
#[derive(Serialize)]
struct Row {
    slug: String,
    title: String,
    status: &'static str,
    starts_at: Option<String>,
    ends_at: Option<String>,
    leads_today: i64,
    /// Yuan, or none when the campaign has no budget.
    budget_left: Option<String>,
}

impl Row {
    fn of(c: &Campaign, leads: &HashMap<String, i64>) -> Row {
        Row {
            slug: c.slug.as_str().to_owned(),
            title: c.title.clone(),
            status: c.status.as_str(),
            starts_at: c.starts_at.map(beijing),
            ends_at: c.ends_at.map(beijing),
            leads_today: leads.get(&c.id).copied().unwrap_or(0),
            budget_left: c.budget_left().map(yuan),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    created: String,
}

#[get("/admin/campaigns")]
async fn list(
    console: Console<ReadAccess>,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let campaigns = service::list(&state.db, None, 500, 0).await?;
    let leads =
        crate::stats::service::leads_today(&state.db, state.settings.report_utc_offset_minutes)
            .await?;
    let rows: Vec<Row> = campaigns.iter().map(|c| Row::of(c, &leads)).collect();
    let mut ctx = tera::Context::new();
    ctx.insert("campaigns", &rows);
    ctx.insert(
        "created",
        &rows
            .iter()
            .find(|r| r.slug == query.created)
            .map(|r| &r.slug),
    );
    Ok(page(&state, &console, "console/campaigns.html", ctx))
}

#[derive(Deserialize, Default, Serialize)]
#[serde(default)]
struct NewCampaignForm {
    slug: String,
    title: String,
    #[serde(skip_serializing)]
    _csrf: String,
}

/// The form for a new campaign, with what was typed and each field's error.
fn form_page(
    state: &AppState,
    console: &Console<CampaignWrite>,
    status: StatusCode,
    source: Option<&Campaign>,
    form: &NewCampaignForm,
    errors: HashMap<&str, String>,
) -> HttpResponse {
    let mut ctx = tera::Context::new();
    ctx.insert("form", form);
    ctx.insert("errors", &errors);
    ctx.insert(
        "source",
        &source.map(|c| serde_json::json!({"slug": c.slug.as_str(), "title": c.title})),
    );
    page_with_status(state, console, status, "console/campaign_new.html", ctx)
}

#[get("/admin/new-campaign")]
async fn template_form(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = NewCampaignForm::default();
    form_page(
        &state,
        &console,
        StatusCode::OK,
        None,
        &form,
        HashMap::new(),
    )
}

#[post("/admin/new-campaign")]
async fn create_from_template(
    req: HttpRequest,
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    form: web::Form<NewCampaignForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form._csrf)?;
    let created = match field_errors(&form) {
        Some(errors) => Err(errors),
        None => {
            let input = crate::demo::template(&state, form.slug.trim(), form.title.trim()).await?;
            service::create(&state, input, &console.actor())
                .await
                .map_err(service_errors)
        }
    };
    match created {
        Ok(c) => Ok(to_list(&c)),
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(form_page(&state, &console, status, None, &form, errors))
        }
    }
}

#[get("/admin/campaigns/{slug}/clone")]
async fn clone_form(
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let source = service::load(&state.db, &slug).await?;
    let form = NewCampaignForm {
        slug: format!("{}-copy", source.slug.as_str()),
        title: format!("{}（副本）", source.title),
        _csrf: String::new(),
    };
    let status = StatusCode::OK;
    Ok(form_page(
        &state,
        &console,
        status,
        Some(&source),
        &form,
        HashMap::new(),
    ))
}

#[post("/admin/campaigns/{slug}/clone")]
async fn clone(
    req: HttpRequest,
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<NewCampaignForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form._csrf)?;
    let source = service::load(&state.db, &slug).await?;
    let created = match field_errors(&form) {
        Some(errors) => Err(errors),
        None => service::clone_as(
            &state,
            &slug,
            form.slug.trim(),
            form.title.trim(),
            &console.actor(),
        )
        .await
        .map_err(service_errors),
    };
    match created {
        Ok(c) => Ok(to_list(&c)),
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(form_page(
                &state,
                &console,
                status,
                Some(&source),
                &form,
                errors,
            ))
        }
    }
}

fn to_list(c: &Campaign) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!("/admin/campaigns?created={}", c.slug.as_str()),
        ))
        .finish()
}

/// The fields' own problems, before anything is stored.
fn field_errors(form: &NewCampaignForm) -> Option<HashMap<&'static str, String>> {
    let mut errors = HashMap::new();
    if Slug::parse(form.slug.trim()).is_none() {
        errors.insert(
            "slug",
            "链接标识需 2-64 个字符，只能用小写字母、数字和中间的连字符（如 spring-tea）"
                .to_owned(),
        );
    }
    let title = form.title.trim().chars().count();
    if !(1..=100).contains(&title) {
        errors.insert("title", "请填写活动名称（1-100 个字）".to_owned());
    }
    (!errors.is_empty()).then_some(errors)
}

/// What the service refused, said on the field it concerns.
fn service_errors(err: crate::http::error::ApiError) -> HashMap<&'static str, String> {
    let (field, message) = match err.code() {
        ErrorCode::SlugTaken => ("slug", "这个链接标识已被其他活动使用，请换一个".to_owned()),
        ErrorCode::InternalError | ErrorCode::Unavailable => {
            tracing::error!(error = ?err, "creating a campaign from the console failed");
            ("general", "保存失败，请稍后再试".to_owned())
        }
        _ => ("general", format!("无法创建：{}", err.message())),
    };
    HashMap::from([(field, message)])
}

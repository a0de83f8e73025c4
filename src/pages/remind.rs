//! A campaign that has not started: its landing page with "开始时提醒我" where the join
//! form goes, and that form. A reminder is one SMS when the campaign opens
//! ([`super::reminders`]).

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::join::ticked;
use super::landing::closed_page;
use super::stitched::{Fill, Filled};
use super::views::{self, FormState, Upcoming};
use super::{cookies, csrf, live, reminders};
use crate::campaigns::{Campaign, Openness};
use crate::db::time::{local, to_ms};
use crate::http::client;
use crate::http::rate_limit::Writer;
use crate::participants::Phone;
use crate::state::AppState;

/// The remind-me form.
#[derive(Deserialize, ToSchema)]
pub struct RemindForm {
    /// An 11-digit mainland mobile number.
    phone: Option<String>,
    /// `yes`, `on`, `true` or `1`: the consent box is ticked.
    consent: Option<String>,
    /// The token the page was rendered with.
    csrf: Option<String>,
}

/// What the remind-me part of the page shows for one request.
#[derive(Default)]
pub struct Asked<'a> {
    pub phone: &'a str,
    pub consented: bool,
    pub error: Option<&'a str>,
    /// Stored: the masked phone.
    pub done: Option<String>,
}

/// The not-yet-open landing page. Without a per-visitor answer (`asked` is None) it is
/// rendered once per campaign version and stitched per request, like the open page.
pub fn page(
    state: &AppState,
    campaign: &Campaign,
    csrf: &str,
    asked: Option<Asked>,
    gzip: bool,
) -> Result<Filled, tera::Error> {
    let now = chrono::Utc::now();
    let live = live::starts_html(campaign.starts_at, now);
    let fill = Fill {
        csrf,
        live: &live,
        gzip,
        ..Fill::default()
    };
    match asked {
        Some(asked) => {
            let html = render(state, campaign, asked)?;
            Ok(state.pages.split(&html).fill(&fill))
        }
        None => {
            let key = format!("{}#upcoming", campaign.id);
            let page = state.pages.get_or_render(&key, campaign.version, || {
                render(state, campaign, Asked::default())
            })?;
            Ok(page.fill(&fill))
        }
    }
}

fn render(state: &AppState, campaign: &Campaign, asked: Asked) -> Result<String, tera::Error> {
    let holes = state.pages.holes();
    let offset = state.settings.report_utc_offset_minutes;
    let starts = campaign
        .starts_at
        .map(|s| local(s, offset).format("%-m月%-d日 %H:%M").to_string())
        .unwrap_or_default();
    let form = FormState {
        csrf: holes.csrf,
        query: "",
        phone: "",
        name: "",
        error: asked.error,
    };
    let around = views::Around {
        live: holes.live,
        upcoming: Some(Upcoming {
            action: format!("/c/{}/remind", campaign.slug),
            starts,
            consent_text: reminders::CONSENT_TEXT,
            consented: asked.consented,
            done: asked.done,
            phone: asked.phone,
        }),
        ..views::Around::default()
    };
    let view = views::landing(campaign, &state.settings.public_url, offset, &form, around);
    state.templates.render("landing.html", &view)
}

/// Ask to be reminded
///
/// The not-yet-open page's form: one SMS when the campaign opens. The same phone again
/// changes nothing.
#[utoipa::path(
    operation_id = "remindForm",
    tag = "pages",
    request_body(content = RemindForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Stored (or stored before): the page says so", content_type = "text/html", body = String),
        (status = 303, description = "The campaign is open already: on to its form"),
        (status = 400, description = "Not a readable form (`invalid_form`)", body = crate::http::error::ErrorBody),
        (status = 403, description = "The form expired or came from another site: the form again", content_type = "text/html", body = String),
        (status = 404, description = "No published campaign with this slug (a page)", content_type = "text/html", body = String),
        (status = 422, description = "A bad phone or no consent: the form again with the error", content_type = "text/html", body = String),
        (status = 429, description = "Too many attempts: the form again", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable (a page)", content_type = "text/html", body = String),
    )
)]
#[post("/c/{slug}/remind")]
pub async fn submit(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<RemindForm>,
    req: HttpRequest,
) -> HttpResponse {
    let campaign = match state.campaigns.get(&state.db, &slug).await {
        Ok(Some(c)) => c,
        Ok(None) => return closed_page(&state, None, Openness::Draft),
        Err(e) => return unavailable(&state, e),
    };
    match campaign.openness(chrono::Utc::now()) {
        Openness::NotStarted => {}
        Openness::Open => return super::render::to_join_form(campaign.slug.as_str()),
        other => return closed_page(&state, Some(&campaign), other),
    }
    let visitor = cookies::visitor_id(&req, &state.signer).unwrap_or_default();
    let token = csrf::token(&state.signer, campaign.slug.as_str(), &visitor);
    let phone_raw = form.phone.as_deref().unwrap_or("");
    let consented = ticked(form.consent.as_deref());
    let answer = |status: StatusCode, asked: Asked| match page(
        &state,
        &campaign,
        &token,
        Some(asked),
        false,
    ) {
        Ok(page) => page.respond(status),
        Err(e) => unavailable(&state, e),
    };
    let refuse = |status: StatusCode, error: &'static str| {
        let asked = Asked {
            phone: phone_raw,
            consented,
            error: Some(error),
            done: None,
        };
        answer(status, asked)
    };
    let slug = campaign.slug.as_str();
    if !csrf::accepts(&req, &state.signer, slug, &visitor, form.csrf.as_deref()) {
        return refuse(StatusCode::FORBIDDEN, "页面已过期，请确认后重新提交");
    }
    let writer = Writer {
        visitor: Some(visitor.as_str()),
        ip: client::client_ip(&req, &state.settings.trusted_proxies),
    };
    if state.public_writes.check(writer).is_err() {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "提交太频繁，请稍后再试");
    }
    let phone = match Phone::parse(phone_raw) {
        Ok(phone) => phone,
        Err(e) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, e.visitor_message()),
    };
    if !consented {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "请勾选同意后再提交");
    }
    let now = to_ms(chrono::Utc::now());
    if let Err(e) = reminders::add(&state.db, &campaign.id, &phone, now).await {
        return unavailable(&state, e);
    }
    let done = Asked {
        done: Some(phone.masked()),
        ..Asked::default()
    };
    answer(StatusCode::OK, done)
}

fn unavailable(state: &AppState, e: impl std::fmt::Debug) -> HttpResponse {
    tracing::error!(error = ?e, "remind-me failed");
    state.templates.notice(
        StatusCode::SERVICE_UNAVAILABLE,
        "稍后再试",
        "系统繁忙",
        "提交没有成功，请稍后再试。",
    )
}

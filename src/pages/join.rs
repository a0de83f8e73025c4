use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cookies::{self, Referral};
use super::csrf;
use super::landing::{closed_page, form_query, LinkQuery};
use super::service::{self, PageJoin};
use super::views::{self, FormState};
use crate::campaigns::{Campaign, Openness};
use crate::http::client;
use crate::http::error::ErrorBody;
use crate::http::rate_limit::Writer;
use crate::participants::leads::{Captured, LeadError};
use crate::participants::parse_name;
use crate::participants::Phone;
use crate::state::AppState;

/// The landing page's form.
#[derive(Deserialize, ToSchema)]
pub struct JoinForm {
    /// An 11-digit mainland mobile number.
    phone: Option<String>,
    /// `yes`, `on`, `true` or `1`: the consent box is ticked.
    consent: Option<String>,
    /// A nickname, when the campaign asks for one.
    name: Option<String>,
    /// The token the page was rendered with.
    csrf: Option<String>,
}

/// The landing page again after an error, with the consent box as it was sent.
#[derive(Serialize)]
struct Retry<'a> {
    #[serde(flatten)]
    page: views::LandingPage<'a>,
    consented: bool,
}

impl JoinForm {
    /// `yes`, `on`, `true` or `1`: the box is ticked.
    fn consented(&self) -> bool {
        ticked(self.consent.as_deref())
    }

    /// The phone and nickname, once consent is given; else what to tell the person, in
    /// plain Chinese (what went wrong in English is for the logs).
    fn read(&self) -> Result<(Phone, Option<String>), &'static str> {
        let phone =
            Phone::parse(self.phone.as_deref().unwrap_or("")).map_err(|e| e.visitor_message())?;
        if !self.consented() {
            return Err("请勾选同意后再提交");
        }
        let name = parse_name(self.name.as_deref()).map_err(|why| {
            tracing::debug!(why, "join form: bad name");
            "称呼最多32个字，不能含特殊字符"
        })?;
        Ok((phone, name))
    }
}

/// A checkbox's value: `yes`, `on`, `true` or `1` is ticked.
pub(super) fn ticked(value: Option<&str>) -> bool {
    matches!(value, Some("yes" | "on" | "true" | "1"))
}

/// Join from the landing page
///
/// The page's form; `ref` and `ch` come from the remembered link, else the query.
#[utoipa::path(
    operation_id = "joinForm",
    tag = "pages",
    params(LinkQuery),
    request_body(content = JoinForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Joined (or had joined): on to `/c/{slug}/me`, with the participant's cookie"),
        (status = 200, description = "The campaign has not started, ended or is paused, or this phone joined before from another browser: \
            a page with its poster and invite link only, no cookie", content_type = "text/html", body = String),
        (status = 400, description = "Not a readable form (`invalid_form`)", body = ErrorBody),
        (status = 413, description = "The form is too large (`payload_too_large`)", body = ErrorBody),
        (status = 403, description = "The form expired or came from another site: the form again", content_type = "text/html", body = String),
        (status = 404, description = "No published campaign with this slug (a page)", content_type = "text/html", body = String),
        (status = 422, description = "A bad phone, no consent or a bad name: the form again with the error", content_type = "text/html", body = String),
        (status = 429, description = "Too many attempts from this address: the form again", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable (a page)", content_type = "text/html", body = String),
    )
)]
#[post("/c/{slug}/join")]
pub async fn submit(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<LinkQuery>,
    form: web::Form<JoinForm>,
    req: HttpRequest,
) -> HttpResponse {
    let campaign = match state.campaigns.get(&state.db, &slug).await {
        Ok(Some(c)) => c,
        Ok(None) => return closed_page(&state, None, Openness::Draft),
        Err(e) => return unavailable(&state, e),
    };
    let now = chrono::Utc::now();
    let window = campaign.spec.attribution.window_hours;
    let remembered = cookies::referral(&req, &state.signer, campaign.slug.as_str(), window, now);
    let link = Referral {
        inviter: query.inviter(),
        channel: query.channel(),
        at: now,
    };
    let Referral {
        inviter, channel, ..
    } = Referral::settle(remembered, link).0;
    let query_string = form_query(inviter.as_ref(), &channel);
    let visitor_id = cookies::visitor_id(&req, &state.signer);
    let visitor = visitor_id.clone().unwrap_or_default();
    let csrf = csrf::token(&state.signer, campaign.slug.as_str(), &visitor);
    let phone_raw = form.phone.as_deref().unwrap_or("");
    let name_raw = form.name.as_deref().unwrap_or("");
    let consented = form.consented();
    let retry = |status: StatusCode, error: &str| {
        let f = FormState {
            csrf: &csrf,
            query: &query_string,
            phone: phone_raw,
            name: name_raw,
            error: Some(error),
        };
        let page = Retry {
            page: views::landing(
                &campaign,
                &state.settings.public_url,
                state.settings.report_utc_offset_minutes,
                &f,
                views::Around::default(),
            ),
            consented,
        };
        state.templates.page(status, "landing.html", &page)
    };
    let slug = campaign.slug.as_str();
    if !csrf::accepts(&req, &state.signer, slug, &visitor, form.csrf.as_deref()) {
        return retry(StatusCode::FORBIDDEN, "页面已过期，请确认后重新提交");
    }
    let ip = client::client_ip(&req, &state.settings.trusted_proxies);
    let writer = Writer {
        visitor: Some(visitor.as_str()),
        ip,
    };
    if state.public_writes.check(writer).is_err() {
        return retry(StatusCode::TOO_MANY_REQUESTS, "提交太频繁，请稍后再试");
    }
    let (phone, name) = match form.read() {
        Ok(read) => read,
        Err(message) => return retry(StatusCode::UNPROCESSABLE_ENTITY, message),
    };
    let join = PageJoin {
        phone,
        name,
        inviter,
        channel,
        visitor_id: visitor_id.as_deref(),
        me_code: cookies::me(&req, &state.signer, campaign.slug.as_str()),
        ip,
        user_agent: client::user_agent(&req),
    };
    match service::join(&state, &campaign, join, now).await {
        Ok(captured) => {
            let code = &captured.participant().code;
            let mine = cookies::me(&req, &state.signer, campaign.slug.as_str());
            let by_wechat =
                crate::wechat::pages::after_join(&state, &req, &campaign, &captured).await;
            if matches!(captured, Captured::Existing { .. })
                && mine.as_deref() != Some(code)
                && !by_wechat
            {
                // A phone number is not a login: no cookie, nothing private until the
                // number is proved by an SMS code.
                let asked = super::verify_page::Asked {
                    campaign: &campaign,
                    participant_code: code,
                    phone: captured.participant().phone.as_deref().unwrap_or_default(),
                    csrf: &csrf,
                };
                return super::verify_page::proof_page(&state, &asked, StatusCode::OK, false, None);
            }
            let secure = state.settings.secure_cookies();
            cookies::to_my_page(&state.signer, campaign.slug.as_str(), code, secure)
        }
        Err(LeadError::Closed(why)) => closed_page(&state, Some(&campaign), why),
        Err(LeadError::Db(e)) => unavailable_for(&state, &campaign, e),
    }
}

fn unavailable(state: &AppState, e: impl std::fmt::Debug) -> HttpResponse {
    tracing::error!(error = ?e, "join failed");
    state.templates.notice(
        StatusCode::SERVICE_UNAVAILABLE,
        "稍后再试",
        "系统繁忙",
        "提交没有成功，请稍后再试。",
    )
}

fn unavailable_for(state: &AppState, campaign: &Campaign, e: anyhow::Error) -> HttpResponse {
    tracing::error!(error = ?e, campaign = %campaign.slug, "saving a lead failed");
    state.templates.notice(
        StatusCode::SERVICE_UNAVAILABLE,
        &campaign.title,
        "系统繁忙",
        "提交没有成功，请稍后再试。",
    )
}

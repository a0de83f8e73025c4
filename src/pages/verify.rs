//! Proving a phone number on a new device (issue 8 item 1): a phone joined before from
//! another browser gets the poster and invite link only; "发送验证码" sends a six-digit
//! code, and the right code gives this browser the participant's cookie, as joining does.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::verify_page::{proof_page, Asked};
use super::{cookies, csrf};
use crate::campaigns::{Campaign, Openness};
use crate::http::client;
use crate::http::error::ErrorBody;
use crate::participants::{store, Participant, Phone};
use crate::sms::proof::{self, IssueError, Verdict};
use crate::state::AppState;

/// The form of the "joined from another device" page.
#[derive(Deserialize, ToSchema)]
pub struct ProofForm {
    /// The participant's 11-digit mobile number.
    phone: Option<String>,
    /// The six-digit code from the text message (`/verify` only).
    code: Option<String>,
    /// The token the page was rendered with.
    csrf: Option<String>,
}

/// What both forms need before anything else.
struct Prepared {
    campaign: Arc<Campaign>,
    participant: Participant,
    phone: Phone,
    csrf: String,
}

impl Prepared {
    fn asked(&self) -> Asked<'_> {
        Asked {
            campaign: &self.campaign,
            participant_code: &self.participant.code,
            phone: self.phone.as_str(),
            csrf: &self.csrf,
        }
    }
}

/// The campaign, a token from our own page and a participant with this phone; else the
/// page to answer.
async fn prepare(
    state: &AppState,
    slug: &str,
    form: &ProofForm,
    req: &HttpRequest,
) -> Result<Prepared, HttpResponse> {
    let campaign = match state.campaigns.get(&state.db, slug).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(super::landing::closed_page(state, None, Openness::Draft)),
        Err(e) => return Err(busy(state, "loading a campaign", e)),
    };
    let visitor = cookies::visitor_id(req, &state.signer).unwrap_or_default();
    let csrf = csrf::token(&state.signer, slug, &visitor);
    if !csrf::accepts(req, &state.signer, slug, &visitor, form.csrf.as_deref()) {
        return Err(state.templates.notice(
            StatusCode::FORBIDDEN,
            &campaign.title,
            "页面已过期",
            "请回到活动页重新提交手机号。",
        ));
    }
    let phone = Phone::parse(form.phone.as_deref().unwrap_or("")).ok();
    let participant = match &phone {
        Some(p) => store::by_phone(&state.db, &campaign.id, p.as_str()).await,
        None => Ok(None),
    };
    match (phone, participant) {
        (Some(phone), Ok(Some(participant))) => Ok(Prepared {
            campaign,
            participant,
            phone,
            csrf,
        }),
        (_, Err(e)) => Err(busy(state, "finding a participant", e)),
        _ => Err(state.templates.notice(
            StatusCode::NOT_FOUND,
            &campaign.title,
            "这个手机号还没有参与",
            "请回到活动页，用手机号参与活动。",
        )),
    }
}

fn busy(state: &AppState, doing: &str, e: impl std::fmt::Debug) -> HttpResponse {
    tracing::error!(error = ?e, doing, "phone proof failed");
    state.templates.notice(
        StatusCode::SERVICE_UNAVAILABLE,
        "稍后再试",
        "系统繁忙",
        "请稍后再试。",
    )
}

/// Send a code to a known phone
///
/// From the page a known phone gets on another browser: a six-digit code by SMS, valid
/// five minutes. Limits: one per minute and five per day per phone, 20 per hour per
/// client address.
#[utoipa::path(
    operation_id = "sendPhoneCode",
    tag = "pages",
    request_body(content = ProofForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The code was sent: the page again, asking for it", content_type = "text/html", body = String),
        (status = 400, description = "Not a readable form (`invalid_form`)", body = ErrorBody),
        (status = 413, description = "The form is too large (`payload_too_large`)", body = ErrorBody),
        (status = 403, description = "The form expired or came from another site (a page)", content_type = "text/html", body = String),
        (status = 404, description = "No such campaign, or no participant with this phone (a page)", content_type = "text/html", body = String),
        (status = 429, description = "Over a send limit: the page again with the message", content_type = "text/html", body = String),
        (status = 503, description = "The database or the SMS provider is unavailable (a page)", content_type = "text/html", body = String),
    )
)]
#[post("/c/{slug}/verify/send")]
pub async fn send(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<ProofForm>,
    req: HttpRequest,
) -> HttpResponse {
    let ready = match prepare(&state, &slug, &form, &req).await {
        Ok(ready) => ready,
        Err(page) => return page,
    };
    let asked = ready.asked();
    let page = |status, sent, error| proof_page(&state, &asked, status, sent, error);
    let ip = client::client_ip(&req, &state.settings.trusted_proxies)
        .map(|ip| state.signer.hash("ip", &[&ip.to_string()]));
    let now = chrono::Utc::now().timestamp_millis();
    match proof::issue(
        &state.db,
        &state.signer,
        &ready.participant.id,
        ip.as_deref(),
        now,
    )
    .await
    {
        Ok(code) => match state.sms.send_code(&ready.phone, &code).await {
            Ok(()) => page(StatusCode::OK, true, None),
            Err(e) => {
                tracing::error!(error = %e, "sending an SMS code failed");
                page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    false,
                    Some("短信发送失败，请稍后再试。"),
                )
            }
        },
        Err(IssueError::Limited) => page(
            StatusCode::TOO_MANY_REQUESTS,
            false,
            Some("验证码发送太频繁，请稍后再试。"),
        ),
        Err(IssueError::Db(e)) => busy(&state, "issuing a code", e),
    }
}

/// Prove a phone with its code
///
/// The right code gives this browser the participant's cookie, as joining does. Every
/// try counts; a code allows five, lives five minutes and works once.
#[utoipa::path(
    operation_id = "verifyPhoneCode",
    tag = "pages",
    request_body(content = ProofForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Proved: on to `/c/{slug}/me`, with the participant's cookie"),
        (status = 400, description = "Not a readable form (`invalid_form`)", body = ErrorBody),
        (status = 413, description = "The form is too large (`payload_too_large`)", body = ErrorBody),
        (status = 403, description = "The form expired or came from another site (a page)", content_type = "text/html", body = String),
        (status = 404, description = "No such campaign, or no participant with this phone (a page)", content_type = "text/html", body = String),
        (status = 422, description = "A wrong, expired, used or locked code: the page again with the message", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable (a page)", content_type = "text/html", body = String),
    )
)]
#[post("/c/{slug}/verify")]
pub async fn verify(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<ProofForm>,
    req: HttpRequest,
) -> HttpResponse {
    let ready = match prepare(&state, &slug, &form, &req).await {
        Ok(ready) => ready,
        Err(page) => return page,
    };
    let asked = ready.asked();
    let refuse = |message: &str| {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        proof_page(&state, &asked, status, true, Some(message))
    };
    let code = form.code.as_deref().unwrap_or("").trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return refuse("请输入短信中的六位数字验证码。");
    }
    let now = chrono::Utc::now().timestamp_millis();
    let verdict =
        match proof::check(&state.db, &state.signer, &ready.participant.id, code, now).await {
            Ok(v) => v,
            Err(e) => return busy(&state, "checking a code", e),
        };
    match verdict {
        Verdict::Proved => {
            let secure = state.settings.secure_cookies();
            cookies::to_my_page(
                &state.signer,
                ready.campaign.slug.as_str(),
                &ready.participant.code,
                secure,
            )
        }
        Verdict::Wrong { left } if left > 0 => {
            refuse(&format!("验证码不正确，还可以再试 {left} 次。"))
        }
        Verdict::Wrong { .. } | Verdict::Locked => {
            refuse("尝试次数过多，这个验证码已失效，请重新获取。")
        }
        Verdict::Expired => refuse("验证码已过期，请重新获取。"),
        Verdict::Used => refuse("验证码已使用过，请重新获取。"),
        Verdict::NoCode => refuse("请先获取验证码。"),
    }
}

//! Previews of the landing page: an unsaved draft rendered for the editor's phone frame,
//! and the saved campaign behind a signed, expiring link the marketer opens on their own
//! phone, live or not. The same renderer as `/c/{slug}`, with a "预览" ribbon; no visit is
//! recorded and the form cannot be sent.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::views::{self, FormState, LandingPage};
use crate::auth::{Access, Auth, CampaignWrite};
use crate::campaigns::{service, Campaign, Openness};
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

/// How long a signed preview link opens the draft.
const LINK_DAYS: i64 = 7;
/// Framed by the console's phone frame (same origin only); the form goes nowhere.
const PREVIEW_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; \
                           script-src 'none'; frame-ancestors 'self'; form-action 'none'";

#[derive(Serialize)]
struct PreviewPage<'a> {
    #[serde(flatten)]
    page: LandingPage<'a>,
    preview: bool,
}

/// The landing page of a campaign as it is or would be, marked as a preview.
pub fn render(state: &AppState, campaign: &Campaign) -> HttpResponse {
    let form = FormState {
        csrf: "",
        query: "",
        phone: "",
        name: "",
        error: None,
    };
    let live = super::live::live_html(None, campaign.ends_at, chrono::Utc::now());
    let around = views::Around {
        live: &live,
        ..views::Around::default()
    };
    let page = PreviewPage {
        page: views::landing(
            campaign,
            &state.settings.public_url,
            state.settings.report_utc_offset_minutes,
            &form,
            around,
        ),
        preview: true,
    };
    framable(state.templates.page(StatusCode::OK, "landing.html", &page))
}

/// Why a draft cannot be previewed, in the phone frame where the page would be.
pub fn problem(state: &AppState, message: &str) -> HttpResponse {
    framable(state.templates.notice(
        StatusCode::UNPROCESSABLE_ENTITY,
        "预览",
        "草稿有误，暂时无法预览",
        message,
    ))
}

fn framable(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static(PREVIEW_CSP),
    );
    response
}

/// A link that opens the saved campaign's preview until it expires.
#[derive(Serialize, ToSchema)]
pub struct PreviewLink {
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

fn signature(state: &AppState, campaign: &Campaign, exp: i64) -> String {
    state
        .signer
        .hash("preview", &[&campaign.id, &exp.to_string()])
}

pub fn link(state: &AppState, campaign: &Campaign, now: DateTime<Utc>) -> PreviewLink {
    let expires_at = now + Duration::days(LINK_DAYS);
    let exp = expires_at.timestamp();
    PreviewLink {
        url: format!(
            "{}/c/{}/preview?exp={exp}&sig={}",
            state.settings.public_url,
            campaign.slug,
            signature(state, campaign, exp)
        ),
        expires_at,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignedQuery {
    /// Unix seconds after which the link no longer opens.
    exp: Option<i64>,
    /// The server's signature of the campaign and `exp`.
    sig: Option<String>,
}

/// A draft's preview by signed link
///
/// The saved campaign's landing page, live or not, for the marketer's own phone. The link
/// comes from `GET /api/v1/campaigns/{slug}/preview-link` or the console's editor.
#[utoipa::path(
    operation_id = "signedPreview",
    tag = "pages",
    params(SignedQuery),
    responses(
        (status = 200, description = "The page with a preview ribbon", content_type = "text/html", body = String),
        (status = 403, description = "The link is forged or expired (a page)", content_type = "text/html", body = String),
        (status = 404, description = "No campaign with this slug (a page)", content_type = "text/html", body = String),
    )
)]
#[get("/c/{slug}/preview")]
pub async fn signed(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<SignedQuery>,
) -> HttpResponse {
    let campaign = match service::load(&state.db, &slug).await {
        Ok(c) => c,
        Err(e) => {
            if e.code() != ErrorCode::NotFound {
                tracing::error!(error = ?e, "loading a campaign to preview");
            }
            return super::landing::closed_page(&state, None, Openness::Draft);
        }
    };
    let valid = match (query.exp, query.sig.as_deref()) {
        (Some(exp), Some(sig)) => {
            exp > Utc::now().timestamp()
                && state
                    .signer
                    .verify("preview", &[&campaign.id, &exp.to_string()], sig)
        }
        _ => false,
    };
    if !valid {
        return state.templates.notice(
            StatusCode::FORBIDDEN,
            &campaign.title,
            "预览链接无效或已过期",
            "请在后台的活动编辑页重新获取预览链接。",
        );
    }
    render(&state, &campaign)
}

/// Preview an unsaved draft
///
/// The body is a JSON merge patch of the campaign, as for `PATCH`; the page is rendered
/// from the result without storing anything. Invalid drafts get the same errors as `PATCH`.
#[utoipa::path(
    operation_id = "previewDraft",
    tag = "campaigns",
    request_body = crate::campaigns::views::CampaignPatch,
    responses(
        (status = 200, description = "The landing page with a preview ribbon", content_type = "text/html", body = String),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
        (status = 422, description = "The draft is invalid (`invalid_campaign`, `unknown_asset`, \
            `poster_qr_outside`, `slug_immutable`, `invalid_field`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[post("/api/v1/campaigns/{slug}/preview")]
pub async fn draft(
    _: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let (current, input) = service::draft(&state, &slug, body.into_inner()).await?;
    Ok(render(&state, &current.revised(&input)))
}

/// A signed preview link
///
/// A link to the saved campaign's preview that opens on any phone for seven days, whether
/// the campaign is live or not.
#[utoipa::path(
    operation_id = "previewLink",
    tag = "campaigns",
    responses(
        (status = 200, description = "The link", body = PreviewLink),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/preview-link")]
pub async fn signed_link(
    _: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = service::load(&state.db, &slug).await?;
    Ok(HttpResponse::Ok().json(link(&state, &campaign, Utc::now())))
}

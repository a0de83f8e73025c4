use actix_web::http::StatusCode;
use actix_web::{get, head, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::cookies::{self, Referral};
use super::live;
use super::service;
use super::stitched::{accepts_gzip, Fill};
use super::views::{self, FormState};
use crate::campaigns::{Campaign, Openness};
use crate::db::time::to_ms;
use crate::http::client;
use crate::participants::{Channel, InviteCode};
use crate::state::AppState;
use crate::visits::Visit;

/// What an invite link or a channel poster carries.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// The inviter's code.
    #[serde(rename = "ref")]
    pub ref_code: Option<String>,
    /// A channel label (a poster batch, a staff member).
    pub ch: Option<String>,
}

impl LinkQuery {
    pub fn inviter(&self) -> Option<InviteCode> {
        self.ref_code.as_deref().and_then(InviteCode::parse)
    }
    pub fn channel(&self) -> Channel {
        self.ch
            .as_deref()
            .and_then(Channel::parse)
            .unwrap_or_default()
    }
}

/// Everything but letters, digits, `-`, `_` and `.` is escaped in a channel label.
const LABEL_ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.');

/// `?ref=..&ch=..` for the form's action, HTML-attribute safe.
pub fn form_query(inviter: Option<&InviteCode>, channel: &Channel) -> String {
    use std::fmt::Write;
    let mut query = String::new();
    if let Some(code) = inviter {
        let _ = write!(query, "?ref={code}");
    }
    if !channel.as_str().is_empty() {
        let label = percent_encoding::utf8_percent_encode(channel.as_str(), LABEL_ESCAPED);
        let joint = if query.is_empty() { "?" } else { "&amp;" };
        let _ = write!(query, "{joint}ch={label}");
    }
    query
}

/// The page for a campaign people cannot take part in right now.
pub fn closed_page(state: &AppState, campaign: Option<&Campaign>, why: Openness) -> HttpResponse {
    let title = campaign.map_or("活动不存在", |c| c.title.as_str());
    let (status, heading, message) = match why {
        Openness::NotStarted => {
            let starts = campaign.and_then(|c| c.starts_at);
            let left = starts.and_then(|s| live::time_left(s - chrono::Utc::now()));
            return match (starts, left) {
                (Some(starts), Some(left)) => {
                    let offset = state.settings.report_utc_offset_minutes;
                    let at = crate::db::time::local(starts, offset).format("%-m月%-d日 %H:%M");
                    let message = format!(
                        "活动将于 {at}（北京时间）开始，距开始还有 {left}。到时再来参与吧！"
                    );
                    state
                        .templates
                        .notice(StatusCode::OK, title, "活动尚未开始", &message)
                }
                _ => state.templates.notice(
                    StatusCode::OK,
                    title,
                    "活动尚未开始",
                    "活动还没有开始，请在开始后再来参与。",
                ),
            };
        }
        Openness::Ended => (
            StatusCode::OK,
            "活动已结束",
            "感谢关注，本次活动已经结束。留意下一场活动吧！",
        ),
        Openness::Paused => (
            StatusCode::OK,
            "活动暂停中",
            "活动暂时暂停，请稍后再来看看。",
        ),
        Openness::Draft | Openness::Open => (
            StatusCode::NOT_FOUND,
            "活动不存在",
            "没有找到这个活动，请检查链接或二维码是否正确。",
        ),
    };
    state.templates.notice(status, title, heading, message)
}

/// The landing page
///
/// The three-section phone page. Records the visit (without waiting for it) and
/// remembers `ref` and `ch` for the campaign's attribution window.
#[utoipa::path(
    operation_id = "landingPage",
    tag = "pages",
    params(LinkQuery),
    responses(
        (status = 200, description = "The page, or a notice that the campaign has not started, ended or is paused", content_type = "text/html", body = String),
        (status = 302, description = "Inside WeChat, with WeChat configured and no openid yet: on to WeChat's authorisation"),
        (status = 404, description = "No published campaign with this slug (a page)", content_type = "text/html", body = String),
        (status = 500, description = "The page could not be rendered (a page)", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable (a page)", content_type = "text/html", body = String),
    )
)]
#[get("/c/{slug}")]
pub async fn show(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<LinkQuery>,
    req: HttpRequest,
) -> HttpResponse {
    let campaign = match state.campaigns.get(&state.db, &slug).await {
        Ok(Some(c)) => c,
        Ok(None) => return closed_page(&state, None, Openness::Draft),
        Err(e) => {
            tracing::error!(error = ?e, "loading campaign");
            return state.templates.notice(
                StatusCode::SERVICE_UNAVAILABLE,
                "稍后再试",
                "系统繁忙",
                "请稍后刷新页面。",
            );
        }
    };
    let now = chrono::Utc::now();
    let openness = campaign.openness(now);
    if openness == Openness::Draft {
        return closed_page(&state, None, openness);
    }
    if let Some(to_wechat) = crate::wechat::pages::authorize_first(&state, &req, &campaign).await {
        return to_wechat;
    }
    let (visitor_id, visitor_cookie) =
        cookies::visitor(&req, &state.signer, state.settings.secure_cookies());
    let ip = client::client_ip(&req, &state.settings.trusted_proxies)
        .map(|i| i.to_string())
        .unwrap_or_default();
    let ua = client::user_agent(&req);
    state.visits.record(Visit {
        campaign_id: campaign.id.clone(),
        channel: query.channel().as_str().to_owned(),
        ref_code: query.inviter().map(|c| c.as_str().to_owned()),
        // The cookie set with this response when the browser had none: its next view
        // carries the same id, so a person is one visitor from the first view on.
        visitor_hash: cookies::visitor_key(
            &state.signer,
            &campaign.id,
            Some(visitor_id.as_str()),
            &ip,
            ua,
        ),
        is_bot: client::is_bot(ua),
        user_agent: ua.to_owned(),
        at_ms: to_ms(now),
    });
    if openness == Openness::NotStarted && campaign.starts_at.is_some() {
        let csrf = super::csrf::token(&state.signer, campaign.slug.as_str(), &visitor_id);
        let gzip = accepts_gzip(&req);
        return match super::remind::page(&state, &campaign, &csrf, None, gzip) {
            Ok(page) => {
                let mut response = page.respond(StatusCode::OK);
                if let Some(cookie) = visitor_cookie {
                    cookie.add_to(&mut response);
                }
                response
            }
            Err(e) => {
                tracing::error!(error = ?e, "rendering the not-yet-open page");
                closed_page(&state, Some(&campaign), openness)
            }
        };
    }
    if openness != Openness::Open {
        return closed_page(&state, Some(&campaign), openness);
    }
    let window = campaign.spec.attribution.window_hours;
    let remembered =
        cookies::referral(&req, &state.signer, &campaign.slug.to_string(), window, now);
    let link = Referral {
        inviter: query.inviter(),
        channel: query.channel(),
        at: now,
    };
    let (referral, remember) = Referral::settle(remembered, link);
    let referral_cookie = remember.then(|| {
        cookies::referral_cookie(
            &state.signer,
            campaign.slug.as_str(),
            &referral,
            window,
            state.settings.secure_cookies(),
        )
    });
    let csrf = super::csrf::token(&state.signer, campaign.slug.as_str(), &visitor_id);
    let query = form_query(referral.inviter.as_ref(), &referral.channel);
    let facts = &state.pages.facts;
    let banner = match referral.inviter.as_ref() {
        Some(code) => facts
            .inviter(&state.db, &campaign.id, code.as_str())
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = ?e, "looking up the inviter for the banner");
                None
            })
            .map(|inviter| live::banner_html(&inviter))
            .unwrap_or_default(),
        None => String::new(),
    };
    let count = facts
        .participants(&state.db, &campaign.id)
        .await
        .map_err(|e| tracing::warn!(error = ?e, "counting participants for the page"))
        .ok();
    let live = live::live_html(count, campaign.ends_at, now);
    let fill = Fill {
        csrf: &csrf,
        query: &query,
        banner: &banner,
        live: &live,
        gzip: accepts_gzip(&req),
    };
    let returning = match service::returning(&state, &req, &campaign).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = ?e, "looking up a returning participant");
            None
        }
    };
    let page = match returning {
        // A returning participant's page is their own: rendered for them, not cached.
        Some(returning) => state
            .templates
            .render(
                "landing.html",
                &landing_view(&state, &campaign, Some(returning)),
            )
            .map(|html| state.pages.split(&html).fill(&fill)),
        None => state
            .pages
            .get_or_render(&campaign.id, campaign.version, || {
                state
                    .templates
                    .render("landing.html", &landing_view(&state, &campaign, None))
            })
            .map(|page| page.fill(&fill)),
    };
    let html = match page {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = ?e, "rendering landing page");
            return state.templates.notice(
                StatusCode::INTERNAL_SERVER_ERROR,
                &campaign.title,
                "页面暂时无法显示",
                "请稍后再试。",
            );
        }
    };
    let mut response = html.respond(StatusCode::OK);
    for cookie in [visitor_cookie, referral_cookie].into_iter().flatten() {
        cookie.add_to(&mut response);
    }
    response
}

/// The landing page's view with holes where the per-request parts go.
fn landing_view<'a>(
    state: &'a AppState,
    campaign: &'a Campaign,
    returning: Option<views::Returning>,
) -> views::LandingPage<'a> {
    let holes = state.pages.holes();
    let form = FormState {
        csrf: holes.csrf,
        query: holes.query,
        phone: "",
        name: "",
        error: None,
    };
    let around = views::Around {
        banner: holes.banner,
        live: holes.live,
        returning,
        upcoming: None,
    };
    views::landing(
        campaign,
        &state.settings.public_url,
        state.settings.report_utc_offset_minutes,
        &form,
        around,
    )
}

/// Probe the landing page
///
/// Link previewers probe with HEAD; it is answered but never counted as a visit.
#[utoipa::path(
    operation_id = "landingPageHead",
    tag = "pages",
    responses(
        (status = 200, description = "The campaign exists"),
        (status = 404, description = "No campaign with this slug"),
    )
)]
#[head("/c/{slug}")]
pub async fn head(state: web::Data<AppState>, slug: web::Path<String>) -> HttpResponse {
    match state.campaigns.get(&state.db, &slug).await {
        Ok(Some(_)) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .finish(),
        _ => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_query_carries_the_link_escaped() {
        let code = InviteCode::parse("abcd2345");
        let poster = Channel::parse("门店-A_1.5").unwrap();
        assert_eq!(
            form_query(code.as_ref(), &poster),
            "?ref=abcd2345&amp;ch=%E9%97%A8%E5%BA%97-A_1.5"
        );
        assert_eq!(form_query(None, &poster), "?ch=%E9%97%A8%E5%BA%97-A_1.5");
        assert_eq!(
            form_query(code.as_ref(), &Channel::default()),
            "?ref=abcd2345"
        );
        assert_eq!(form_query(None, &Channel::default()), "");
    }
}

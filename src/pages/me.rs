use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};

use super::render::to_join_form;
use super::{cookies, csrf, service};
use crate::posters::switch::{PosterDesigns, WithDesigns};
use crate::state::AppState;

/// The participant's own page
///
/// Poster, invite link, progress to the next reward, rewards, the group to join and,
/// for physical prizes, the shipping form. Without the participant's cookie: on to the
/// landing page's form.
#[utoipa::path(
    operation_id = "participantPage",
    tag = "pages",
    responses(
        (status = 200, description = "The page", content_type = "text/html", body = String),
        (status = 303, description = "Not known on this browser: on to `/c/{slug}#join`"),
        (status = 404, description = "No published campaign with this slug (a page)", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable (a page)", content_type = "text/html", body = String),
    )
)]
#[get("/c/{slug}/me")]
pub async fn show(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
) -> HttpResponse {
    let campaign = match state.campaigns.get(&state.db, &slug).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return super::landing::closed_page(&state, None, crate::campaigns::Openness::Draft)
        }
        Err(e) => return failed(&state, e),
    };
    let participant = match service::joined_here(&state, &req, &campaign).await {
        Ok(Some(p)) => p,
        Ok(None) => return to_join_form(campaign.slug.as_str()),
        Err(e) => return failed(&state, e),
    };
    let visitor = cookies::visitor_id(&req, &state.signer).unwrap_or_default();
    let csrf = csrf::token(&state.signer, campaign.slug.as_str(), &visitor);
    match service::my_page(&state, &campaign, &participant, csrf).await {
        Ok(page) => {
            let poster_designs =
                PosterDesigns::new(&campaign, &participant.code, req.query_string());
            let page = WithDesigns {
                page: &page,
                poster_designs,
            };
            state.templates.page(StatusCode::OK, "me.html", &page)
        }
        Err(e) => failed(&state, e),
    }
}

fn failed(state: &AppState, e: impl std::fmt::Debug) -> HttpResponse {
    tracing::error!(error = ?e, "participant page failed");
    state.templates.notice(
        StatusCode::SERVICE_UNAVAILABLE,
        "稍后再试",
        "系统繁忙",
        "请稍后刷新页面。",
    )
}

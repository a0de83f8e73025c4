use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use anyhow::Context;

use super::render::to_join_form;
use super::service;
use super::views::{GroupCode, GroupPage};
use crate::groups::routing;
use crate::state::AppState;

const DEFAULT_FALLBACK: &str =
    "当前群已满或二维码已更新，请添加活动助手微信，我们会尽快邀请你入群。";

/// The live code (群活码)
///
/// The participant's own group (sticky), or what to do when no group is open; never a
/// dead QR code.
#[utoipa::path(
    operation_id = "groupPage",
    tag = "pages",
    responses(
        (status = 200, description = "The group's QR code, or the fallback text", content_type = "text/html", body = String),
        (status = 303, description = "Not known on this browser: on to `/c/{slug}#join`"),
        (status = 404, description = "No published campaign with this slug (a page)", content_type = "text/html", body = String),
    )
)]
#[get("/c/{slug}/group")]
pub async fn show(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
) -> HttpResponse {
    let campaign = match state.campaigns.get(&state.db, &slug).await {
        Ok(Some(c)) => c,
        _ => return super::landing::closed_page(&state, None, crate::campaigns::Openness::Draft),
    };
    let group = match service::joined_here(&state, &req, &campaign).await {
        Ok(Some(p)) => routing::route(&state.db, &campaign, &p.id, chrono::Utc::now())
            .await
            .context("routing a participant to a group"),
        Ok(None) => return to_join_form(campaign.slug.as_str()),
        Err(e) => Err(e),
    };
    let group = match group {
        Ok(g) => g,
        Err(e) => {
            tracing::error!(error = ?e, "the group page shows its fallback");
            None
        }
    };
    let fallback = campaign
        .spec
        .groups
        .fallback_text
        .clone()
        .unwrap_or_else(|| DEFAULT_FALLBACK.into());
    let offset = chrono::Duration::minutes(state.settings.report_utc_offset_minutes.into());
    let group = group.map(|g| GroupCode {
        qr_url: g.qr_url(),
        expires_at: g
            .expires()
            .map(|t| (t + offset).format("%m月%d日 %H:%M").to_string()),
        name: g.name,
    });
    let page = GroupPage {
        title: &campaign.title,
        slug: campaign.slug.as_str(),
        group,
        fallback,
    };
    state.templates.page(StatusCode::OK, "group.html", &page)
}

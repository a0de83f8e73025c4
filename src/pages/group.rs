use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::startup::AppState;

const DEFAULT_FALLBACK: &str = "当前群已满或二维码已更新，请添加活动助手微信，我们会尽快邀请你入群。";

/// `GET /c/{slug}/group`: the live code. Until the campaign has open groups it says what
/// to do instead of showing a dead QR code.
pub async fn show(state: web::Data<AppState>, slug: web::Path<String>) -> HttpResponse {
    let campaign = match state.campaigns.get(&state.db, &slug).await {
        Ok(Some(c)) => c,
        _ => return super::landing::closed_page(&state, None, crate::campaigns::Openness::Draft),
    };
    let fallback = campaign.spec.groups.fallback_text.clone().unwrap_or_else(|| DEFAULT_FALLBACK.into());
    state.templates.page(
        StatusCode::OK,
        "group.html",
        &json!({"title": campaign.title, "slug": campaign.slug, "group": null, "fallback": fallback}),
    )
}

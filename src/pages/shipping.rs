use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{cookies, store};
use crate::db::time::to_ms;
use crate::http::error::ErrorBody;
use crate::participants::model::ShippingAddress;
use crate::participants::{self, Phone};
use crate::state::AppState;

/// The shipping form on the participant's page.
#[derive(Deserialize, ToSchema)]
pub struct ShippingForm {
    /// The recipient, 1-32 characters.
    name: Option<String>,
    /// The recipient's 11-digit mobile number.
    phone: Option<String>,
    /// 5-200 characters.
    address: Option<String>,
    /// The token the page was rendered with.
    csrf: Option<String>,
}

/// Give the shipping address of a physical prize
///
/// Given once; changes go through the campaign's staff, so a stranger who knows a
/// number cannot redirect a prize.
#[utoipa::path(
    operation_id = "shippingForm",
    tag = "pages",
    request_body(content = ShippingForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Saved (or not known on this browser): back to `/c/{slug}/me`"),
        (status = 400, description = "Not a readable form (`invalid_form`)", body = ErrorBody),
        (status = 403, description = "The form expired (a page)", content_type = "text/html", body = String),
        (status = 404, description = "No published campaign with this slug (a page)", content_type = "text/html", body = String),
        (status = 413, description = "The form is too large (`payload_too_large`)", body = ErrorBody),
        (status = 422, description = "The address is incomplete (a page)", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable (a page)", content_type = "text/html", body = String),
    )
)]
#[post("/c/{slug}/me/shipping")]
pub async fn submit(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<ShippingForm>,
    req: HttpRequest,
) -> HttpResponse {
    let Ok(Some(campaign)) = state.campaigns.get(&state.db, &slug).await else {
        return super::landing::closed_page(&state, None, crate::campaigns::Openness::Draft);
    };
    let back = HttpResponse::SeeOther()
        .insert_header(("Location", format!("/c/{}/me", campaign.slug)))
        .finish();
    let Some(code) = cookies::me(&req, &state.signer, campaign.slug.as_str()) else {
        return back;
    };
    let visitor = cookies::visitor_id(&req, &state.signer).unwrap_or_default();
    let slug = campaign.slug.as_str();
    if !super::csrf::accepts(&req, &state.signer, slug, &visitor, form.csrf.as_deref()) {
        return state.templates.notice(
            StatusCode::FORBIDDEN,
            &campaign.title,
            "页面已过期",
            "请返回刷新后重新提交。",
        );
    }
    let name = form.name.as_deref().map(str::trim).unwrap_or_default();
    let address = form.address.as_deref().map(str::trim).unwrap_or_default();
    let phone = form.phone.as_deref().map(Phone::parse);
    let valid = (1..=32).contains(&name.chars().count())
        && (5..=200).contains(&address.chars().count())
        && matches!(phone, Some(Ok(_)));
    if !valid {
        return state.templates.notice(
            StatusCode::UNPROCESSABLE_ENTITY,
            &campaign.title,
            "收货信息不完整",
            "请填写收货人、11位手机号和详细地址（5-200字）。",
        );
    }
    let Some(Ok(phone)) = phone else { return back };
    let Ok(Some(participant)) = participants::store::by_code(&state.db, &campaign.id, &code).await
    else {
        return back;
    };
    let shipping = ShippingAddress {
        name: name.to_owned(),
        phone: phone.as_str().to_owned(),
        address: address.to_owned(),
    };
    let shipping = serde_json::to_string(&shipping).unwrap_or_default();
    let now = to_ms(chrono::Utc::now());
    let saved = store::save_shipping(&state.db, &participant.id, &campaign.id, shipping, now).await;
    if let Err(e) = saved {
        tracing::error!(error = ?e, "saving a shipping address failed");
        return state.templates.notice(
            StatusCode::SERVICE_UNAVAILABLE,
            &campaign.title,
            "系统繁忙",
            "请稍后再试。",
        );
    }
    back
}

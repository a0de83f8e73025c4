use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::cookies;
use crate::db::time::to_ms;
use crate::participants::{store, Phone};
use crate::state::AppState;
use crate::with_db;

#[derive(Deserialize)]
pub struct ShippingForm {
    name: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    csrf: Option<String>,
}

/// `POST /c/{slug}/me/shipping`: where a physical prize goes. Given once; changes go
/// through the campaign's staff, so a stranger who knows a number cannot redirect a prize.
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
    let token_ok = form.csrf.as_deref().is_some_and(|t| {
        !visitor.is_empty()
            && state
                .signer
                .verify("csrf", &[campaign.slug.as_str(), &visitor], t)
    });
    if !token_ok {
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
    let Ok(Some(participant)) = store::by_code(&state.db, &campaign.id, &code).await else {
        return back;
    };
    let shipping = json!({"name": name, "phone": phone.as_str(), "address": address}).to_string();
    let now = to_ms(chrono::Utc::now());
    let saved = save(&state.db, &participant.id, &campaign.id, &shipping, now).await;
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

async fn save(
    db: &crate::db::Db,
    participant_id: &str,
    campaign_id: &str,
    shipping: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    with_db!(db, write, |pool| {
        let mut tx = pool.begin().await?;
        let ids: Vec<String> = sqlx::query_scalar(
            "UPDATE grants SET shipping = $1 WHERE participant_id = $2 AND reward_type = 'physical' AND shipping IS NULL \
             AND status <> 'revoked' RETURNING id",
        )
        .bind(shipping)
        .bind(participant_id)
        .fetch_all(&mut *tx)
        .await?;
        for id in &ids {
            sqlx::query(
                "INSERT INTO ledger_entries (grant_id, campaign_id, event, amount, actor, note, at) \
                 VALUES ($1, $2, 'address_given', 0, 'participant', NULL, $3)",
            )
            .bind(id)
            .bind(campaign_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    })
}

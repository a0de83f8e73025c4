use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::cookies;
use crate::campaigns::rules::RuleKind;
use crate::campaigns::Campaign;
use crate::participants::store;
use crate::rewards::leaderboard;
use crate::state::AppState;

/// The next milestone not yet reached: (invites needed, reward label).
fn next_milestone(campaign: &Campaign, qualified: i64) -> Option<(i64, String)> {
    campaign
        .spec
        .rules
        .iter()
        .filter_map(|r| match r.kind {
            RuleKind::Milestone { invites } if i64::from(invites) > qualified => {
                Some((i64::from(invites), r.reward.label()))
            }
            _ => None,
        })
        .min_by_key(|(n, _)| *n)
}

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
    let Some(code) = cookies::me(&req, &state.signer, campaign.slug.as_str()) else {
        return HttpResponse::SeeOther()
            .insert_header(("Location", format!("/c/{}#join", campaign.slug)))
            .finish();
    };
    let participant = match store::by_code(&state.db, &campaign.id, &code).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            return HttpResponse::SeeOther()
                .insert_header(("Location", format!("/c/{}#join", campaign.slug)))
                .finish()
        }
        Err(e) => return failed(&state, e),
    };
    let counts = store::referral_counts(&state.db, &participant.id).await;
    let rank = leaderboard::rank_of(&state.db, &campaign.id, &participant.id).await;
    let ((qualified, pending), rank) = match (counts, rank) {
        (Ok(c), Ok(r)) => (c, r),
        (Err(e), _) | (_, Err(e)) => return failed(&state, e),
    };
    // Seeing the page routes the person to a group, so the button leads to a seat.
    let group =
        crate::groups::routing::route(&state.db, &campaign, &participant.id, chrono::Utc::now())
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = ?e, "routing on the participant page failed");
                None
            });
    let rewards = match crate::rewards::grants_of(&state, &participant.id).await {
        Ok(r) => r,
        Err(e) => return failed(&state, e),
    };
    let physical = rewards
        .iter()
        .filter(|g| g.reward_type == "physical" && g.status != "revoked");
    let base = &state.settings.public_url;
    let context = json!({
        "slug": campaign.slug,
        "title": campaign.title,
        "me": {
            "code": participant.code,
            "display_name": participant.display_name(),
            "invite_url": format!("{base}/c/{}?ref={}", campaign.slug, participant.code),
            "poster_png": format!("/c/{}/p/{}.png", campaign.slug, participant.code),
            "poster_jpg": format!("/c/{}/p/{}.jpg", campaign.slug, participant.code),
        },
        "progress": {
            "qualified": qualified,
            "pending": pending,
            "next_milestone": next_milestone(&campaign, qualified).map(|(invites, reward)| json!({
                "invites": invites, "remaining": invites - qualified, "reward": reward,
            })),
        },
        "rewards": rewards.iter().map(|g| reward_view(&campaign, g)).collect::<Vec<_>>(),
        "rank": rank,
        "group": group.map(|g| json!({"name": g.name, "url": format!("/c/{}/group", campaign.slug)})),
        "shipping": {
            "needed": physical.clone().next().is_some(),
            "saved": physical.clone().all(|g| g.shipping.is_some()),
            "action": format!("/c/{}/me/shipping", campaign.slug),
            "csrf": state.signer.hash("csrf", &[campaign.slug.as_str(), &cookies::visitor_id(&req, &state.signer).unwrap_or_default()]),
        },
    });
    state.templates.page(StatusCode::OK, "me.html", &context)
}

fn reward_view(campaign: &Campaign, g: &crate::rewards::GrantRow) -> serde_json::Value {
    let rule = campaign.spec.rules.iter().find(|r| r.id == g.rule_id);
    let mut label = rule.map_or_else(|| g.rule_id.clone(), |r| r.reward.label());
    if let Some(code) = &g.coupon_code {
        label = format!("{label}：{code}");
    }
    let status_label = match (g.status.as_str(), g.reward_type.as_str()) {
        ("revoked", _) => "已撤销",
        ("paid", _) => "已到账",
        ("paying", _) => "打款中",
        ("granted", "cash") => "待打款",
        ("granted", "physical") if g.shipping.is_none() => "待填写地址",
        ("granted", "physical") => "待发货",
        _ => "已发放",
    };
    json!({"label": label, "status": g.status, "status_label": status_label})
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

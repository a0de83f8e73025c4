//! 领取: a transfer waiting for its payee is confirmed on WeChat's own confirm-receipt
//! page, opened from this page by `WeixinJSBridge.invoke('requestMerchantTransfer')`
//! with the bill's `package_info`. The phone pages allow no script; this page allows
//! exactly its own inline script, by hash. A large transfer first asks for the payee's
//! real name here (see `real_name`).

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{identity_store, real_name, transfer_store};
use crate::campaigns::money::format_yuan;
use crate::pages::{cookies, csrf};
use crate::state::AppState;

/// Opens WeChat's confirm-receipt page for the button's bill.
const SCRIPT: &str = r#"document.querySelectorAll('button[data-package]').forEach(function(b){b.addEventListener('click',function(){if(!window.WeixinJSBridge){b.nextElementSibling.textContent='请在微信中打开本页领取';return;}WeixinJSBridge.invoke('requestMerchantTransfer',{mchId:b.dataset.mch,appId:b.dataset.app,package:b.dataset.package},function(r){if(r.err_msg==='requestMerchantTransfer:ok'){b.disabled=true;b.textContent='已确认收款';b.nextElementSibling.textContent='到账以微信支付通知为准';}});});});"#;

#[derive(Serialize)]
struct ClaimLine {
    yuan: String,
    package: String,
}

#[derive(Serialize)]
struct NameLine {
    out_bill_no: String,
    yuan: String,
}

#[derive(Serialize)]
struct ClaimPage<'a> {
    title: &'a str,
    slug: &'a str,
    mch_id: &'a str,
    app_id: &'a str,
    claims: Vec<ClaimLine>,
    /// Transfers waiting for the payee's real name, each with a form.
    names: Vec<NameLine>,
    csrf: String,
    script: &'static str,
}

/// Where /me links to when transfers wait for the participant: `None` when none do.
pub async fn link(state: &AppState, slug: &str, participant_id: &str) -> Option<String> {
    state.settings.wechat.pay.as_ref()?;
    let waiting = transfer_store::waiting_for(&state.db, participant_id).await;
    let naming = real_name::awaiting(&state.db, participant_id).await;
    match waiting.and_then(|w| naming.map(|n| w.len() + n.len())) {
        Ok(open) if open > 0 => Some(format!("/c/{slug}/me/claim")),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(error = ?e, "reading transfers to confirm failed");
            None
        }
    }
}

/// Collect a WeChat Pay transfer
///
/// The participant's transfers waiting for them, each with a 领取 button that opens
/// WeChat's confirm-receipt page. Without the participant's cookie: on to the form.
#[utoipa::path(
    operation_id = "wechatClaimPage",
    tag = "pages",
    responses(
        (status = 200, description = "The page (it may say nothing is waiting)", content_type = "text/html", body = String),
        (status = 303, description = "Not known on this browser: on to `/c/{slug}#join`"),
        (status = 404, description = "No published campaign with this slug, or WeChat Pay is not configured (a page)", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable (a page)", content_type = "text/html", body = String),
    )
)]
#[get("/c/{slug}/me/claim")]
pub async fn show(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
) -> HttpResponse {
    let busy = || {
        state.templates.notice(
            StatusCode::SERVICE_UNAVAILABLE,
            "稍后再试",
            "系统繁忙",
            "请稍后刷新页面。",
        )
    };
    let (Some(pay), Some(oauth)) = (&state.settings.wechat.pay, &state.settings.wechat.oauth)
    else {
        return state.templates.notice(
            StatusCode::NOT_FOUND,
            "活动不存在",
            "活动不存在",
            "没有找到这个页面。",
        );
    };
    let campaign = match state.campaigns.get(&state.db, &slug).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return state.templates.notice(
                StatusCode::NOT_FOUND,
                "活动不存在",
                "活动不存在",
                "没有找到这个活动。",
            )
        }
        Err(_) => return busy(),
    };
    let slug = campaign.slug.as_str();
    let Some(code) = cookies::me(&req, &state.signer, slug) else {
        return crate::pages::render::to_join_form(slug);
    };
    let open = match identity_store::participant_by_code(&state.db, &campaign.id, &code).await {
        Ok(Some(id)) => match transfer_store::waiting_for(&state.db, &id).await {
            Ok(waiting) => real_name::awaiting(&state.db, &id)
                .await
                .map(|n| (waiting, n)),
            Err(e) => Err(e),
        },
        Ok(None) => return crate::pages::render::to_join_form(slug),
        Err(e) => Err(e),
    };
    let Ok((waiting, naming)) = open else {
        return busy();
    };
    let visitor = cookies::visitor_id(&req, &state.signer).unwrap_or_default();
    let page = ClaimPage {
        title: &campaign.title,
        slug,
        mch_id: &pay.mch_id,
        app_id: &oauth.app_id,
        claims: waiting
            .into_iter()
            .map(|(_, amount, package)| ClaimLine {
                yuan: format_yuan(amount),
                package,
            })
            .collect(),
        names: naming
            .into_iter()
            .map(|(out_bill_no, amount)| NameLine {
                out_bill_no,
                yuan: format_yuan(amount),
            })
            .collect(),
        csrf: csrf::token(&state.signer, slug, &visitor),
        script: SCRIPT,
    };
    match state.templates.render("wechat_claim.html", &page) {
        Ok(html) => {
            let hash =
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
            let csp = format!(
                "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; \
                 frame-ancestors 'none'; form-action 'self'"
            );
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .insert_header(("Content-Security-Policy", csp))
                .insert_header(("Cache-Control", "no-store"))
                .body(html)
        }
        Err(e) => {
            tracing::error!(error = ?e, "rendering the claim page");
            busy()
        }
    }
}

//! WeChat Pay's transfer callback (`MCHTRANSFER.BILL.FINISHED`): the body's signature is
//! checked with WeChat Pay's key, the resource decrypted with the APIv3 key, and the
//! bill's state recorded like a polled one (the journal is written once either way).
//! A 2xx answer tells WeChat Pay to stop; anything else makes it send again.

use actix_web::{post, web, FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::aead;
use super::certificates;
use super::pay::{Bill, Notification};
use super::signing::SignedBy;
use super::transfer_store as store;
use crate::state::AppState;

/// The answer WeChat Pay expects when a callback was not taken: it sends it again.
#[derive(Serialize, ToSchema)]
pub struct NotifyFailure {
    /// Always `FAIL`.
    code: &'static str,
    message: String,
}

fn fail(status: actix_web::http::StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(NotifyFailure {
        code: "FAIL",
        message: message.into(),
    })
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// WeChat Pay transfer callback
///
/// Signed by WeChat Pay, the bill encrypted with the merchant's APIv3 key.
#[utoipa::path(
    operation_id = "wechatPayTransferCallback",
    tag = "wechat",
    request_body(content = String, content_type = "application/json", description = "WeChat Pay's notification, its `resource` encrypted"),
    responses(
        (status = 204, description = "Recorded (or already recorded)"),
        (status = 400, description = "Not a readable callback", body = NotifyFailure),
        (status = 401, description = "Not signed by WeChat Pay's key, or stale", body = NotifyFailure),
        (status = 404, description = "WeChat Pay is not configured", body = NotifyFailure),
        (status = 500, description = "Not recorded; WeChat Pay sends it again", body = NotifyFailure),
    )
)]
#[post("/wechat/pay/notify")]
pub async fn transfer_finished(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    use actix_web::http::StatusCode;
    let Some(pay) = &state.settings.wechat.pay else {
        return fail(StatusCode::NOT_FOUND, "not configured");
    };
    let Ok(body) = web::Bytes::from_request(&req, &mut payload.into_inner()).await else {
        return fail(StatusCode::BAD_REQUEST, "unreadable body");
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return fail(StatusCode::BAD_REQUEST, "not UTF-8");
    };
    let by = SignedBy {
        timestamp: header(&req, "Wechatpay-Timestamp"),
        nonce: header(&req, "Wechatpay-Nonce"),
        signature: header(&req, "Wechatpay-Signature"),
        serial: header(&req, "Wechatpay-Serial"),
    };
    let now = chrono::Utc::now();
    if let Err(e) = certificates::verify(&state.wechat, pay, &by, text, now.timestamp()).await {
        tracing::warn!(error = %e, "a WeChat Pay callback was refused");
        return fail(StatusCode::UNAUTHORIZED, "signature");
    }
    let bill = serde_json::from_str::<Notification>(text)
        .map_err(|e| e.to_string())
        .and_then(|n| aead::decrypt(&pay.api_v3_key.0, &n.resource).map_err(|e| e.to_string()))
        .and_then(|plain| serde_json::from_slice::<Bill>(&plain).map_err(|e| e.to_string()));
    let bill = match bill {
        Ok(bill) => bill,
        Err(why) => {
            tracing::warn!(why, "an unreadable WeChat Pay callback");
            return fail(StatusCode::BAD_REQUEST, "unreadable");
        }
    };
    match store::record(&state.db, bill, crate::db::time::to_ms(now)).await {
        Ok(_) => HttpResponse::NoContent().finish(),
        Err(e) => {
            tracing::error!(error = ?e, "recording a WeChat Pay callback failed");
            fail(StatusCode::INTERNAL_SERVER_ERROR, "retry")
        }
    }
}

//! `POST /hooks/v1/group-events`: signed batches of joins and leaves. The signature is
//! HMAC-SHA256 over "{timestamp}.{raw body}", compared in constant time against the
//! current secret and, during rotation, the previous one; a timestamp more than five
//! minutes off is refused. Nothing is stored unless the whole request is authentic and
//! well formed.

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use utoipa::ToSchema;

use super::model::{EventKind, GroupEvent};
use super::service;
use super::views::WebhookReport;
use crate::config::Secret;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::AppState;

const TOLERANCE_SECS: i64 = 300;
const MAX_BODY: usize = 1 << 20;
const MAX_EVENTS: usize = 1000;

/// Checks the signature headers against the raw body; the error says what failed.
pub fn verify(
    secrets: &[Secret],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), &'static str> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err("X-Fission-Timestamp and X-Fission-Signature are required");
    };
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| "X-Fission-Timestamp must be unix seconds")?;
    if (now.timestamp() - ts).abs() > TOLERANCE_SECS {
        return Err("the timestamp is more than five minutes off");
    }
    let signature = signature
        .trim()
        .strip_prefix("sha256=")
        .ok_or("the signature must look like sha256=<hex>")?;
    let signature = hex::decode(signature).map_err(|_| "the signature is not hex")?;
    let valid = secrets.iter().any(|secret| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&secret.0) else {
            return false;
        };
        mac.update(timestamp.trim().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(&signature).is_ok()
    });
    if valid {
        Ok(())
    } else {
        Err("the signature does not match")
    }
}

/// A batch of joins and leaves, signed over the raw body.
#[derive(Deserialize, ToSchema)]
pub struct WebhookBatch {
    /// 1 to 1000 events, applied in order.
    events: Vec<EventBody>,
}

/// One join or leave. Who it is about: `participant_code`, else `phone`, else a
/// `member_ref` learnt from an earlier event.
#[derive(Deserialize, ToSchema)]
struct EventBody {
    /// Unique per event (1-128 characters): a replay is a duplicate.
    id: String,
    #[serde(rename = "type")]
    kind: EventKind,
    group_id: String,
    participant_code: Option<String>,
    phone: Option<String>,
    /// The tooling's stable id for the member.
    member_ref: Option<String>,
    /// When it happened: a leave is judged by this time, however late it arrives.
    at: DateTime<Utc>,
}

/// The events of a well-formed batch; anything malformed refuses the whole batch.
fn parse(body: &[u8]) -> Result<Vec<GroupEvent>, ApiError> {
    let batch: WebhookBatch = serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            ApiError::invalid(ErrorCode::InvalidEvent, e.to_string())
        } else {
            ApiError::bad_request(ErrorCode::InvalidJson, e.to_string())
        }
    })?;
    if batch.events.is_empty() || batch.events.len() > MAX_EVENTS {
        return Err(ApiError::invalid(
            ErrorCode::InvalidBatch,
            format!("send 1 to {MAX_EVENTS} events"),
        ));
    }
    batch
        .events
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let bounded = |s: &str, max| !s.is_empty() && s.len() <= max;
            if !bounded(&e.id, 128) || !bounded(&e.group_id, 64) {
                return Err(ApiError::invalid(
                    ErrorCode::InvalidEvent,
                    format!("events[{i}]: id and group_id are 1-128 and 1-64 characters"),
                ));
            }
            let too_long = |v: &Option<String>| v.as_ref().is_some_and(|s| s.len() > 128);
            if too_long(&e.participant_code) || too_long(&e.phone) || too_long(&e.member_ref) {
                return Err(ApiError::invalid(
                    ErrorCode::InvalidEvent,
                    format!("events[{i}]: fields are at most 128 characters"),
                ));
            }
            Ok(GroupEvent {
                id: e.id,
                kind: e.kind,
                group_id: e.group_id,
                participant_code: e.participant_code,
                phone: e.phone,
                member_ref: e.member_ref,
                at: e.at,
            })
        })
        .collect()
}

/// Reads the raw body, refusing more than `MAX_BODY` bytes without buffering them.
async fn read_body(mut payload: web::Payload) -> Result<web::BytesMut, ApiError> {
    let too_large = || ApiError::too_large(format!("at most {MAX_BODY} bytes per request"));
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(ErrorCode::InvalidBody, e.to_string()))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Receive joins and leaves from the group tooling
///
/// Signed: `X-Fission-Timestamp` (unix seconds, at most five minutes off) and
/// `X-Fission-Signature: sha256=<hex>`, HMAC-SHA256 with `FISSION_WEBHOOK_SECRET` over
/// `"{timestamp}.{raw body}"`. Nothing is stored unless the whole request is authentic
/// and well formed. Events are stored once by id; late ones are judged by their own time.
#[utoipa::path(
    operation_id = "receiveGroupEvents",
    tag = "groups",
    request_body = WebhookBatch,
    params(
        ("X-Fission-Timestamp" = String, Header, description = "Unix seconds"),
        ("X-Fission-Signature" = String, Header, description = "`sha256=<hex>`"),
    ),
    responses(
        (status = 200, description = "What was done with the batch", body = WebhookReport),
        (status = 400, description = "The body is not JSON (`invalid_json`) or could not be read (`invalid_body`)", body = ErrorBody),
        (status = 401, description = "Missing, stale or wrong signature (`invalid_signature`)", body = ErrorBody),
        (status = 413, description = "More than 1 MiB (`payload_too_large`)", body = ErrorBody),
        (status = 422, description = "No events or more than 1000 (`invalid_batch`), or an event is \
            malformed (`invalid_event`)", body = ErrorBody),
    )
)]
#[post("/hooks/v1/group-events")]
pub async fn receive(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // The signature covers the raw bytes: read them before parsing anything.
    let body = read_body(payload).await?;
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    verify(
        &state.settings.webhook_secrets,
        header("x-fission-timestamp"),
        header("x-fission-signature"),
        &body,
        Utc::now(),
    )
    .map_err(|why| ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidSignature, why))?;
    let events = parse(&body)?;
    let report: WebhookReport = service::receive(&state, &events).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, ts: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{ts}.").as_bytes());
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn current_and_previous_secrets_verify_and_others_do_not() {
        let now = Utc::now();
        let ts = now.timestamp().to_string();
        let secrets = [Secret(b"new".to_vec()), Secret(b"old".to_vec())];
        assert!(verify(
            &secrets,
            Some(&ts),
            Some(&sign("new", &ts, b"{}")),
            b"{}",
            now
        )
        .is_ok());
        assert!(verify(
            &secrets,
            Some(&ts),
            Some(&sign("old", &ts, b"{}")),
            b"{}",
            now
        )
        .is_ok());
        assert!(verify(
            &secrets,
            Some(&ts),
            Some(&sign("other", &ts, b"{}")),
            b"{}",
            now
        )
        .is_err());
        assert!(
            verify(
                &secrets,
                Some(&ts),
                Some(&sign("new", &ts, b"{}")),
                b"{ }",
                now
            )
            .is_err(),
            "the raw body is signed"
        );
        assert!(verify(&[], Some(&ts), Some(&sign("new", &ts, b"{}")), b"{}", now).is_err());
    }

    #[test]
    fn stale_missing_and_malformed_headers_fail() {
        let now = Utc::now();
        let old = (now.timestamp() - 301).to_string();
        let secrets = [Secret(b"s".to_vec())];
        assert!(verify(
            &secrets,
            Some(&old),
            Some(&sign("s", &old, b"x")),
            b"x",
            now
        )
        .is_err());
        assert!(verify(&secrets, None, Some("sha256=00"), b"x", now).is_err());
        let ts = now.timestamp().to_string();
        assert!(verify(&secrets, Some(&ts), Some("md5=00"), b"x", now).is_err());
        assert!(verify(&secrets, Some(&ts), Some("sha256=zz"), b"x", now).is_err());
    }
}

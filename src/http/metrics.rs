//! Prometheus metrics: request counts and latency by route pattern (never the raw path,
//! which would make one series per participant), plus the counters the domains emit.

use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use std::net::IpAddr;

use actix_web::{get, web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::client::{bearer, client_ip};
use super::error::{ApiError, ErrorBody, ErrorCode};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// How often the recorder folds recorded latencies into its buckets.
const UPKEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// Installs the process-wide recorder once (tests start many apps in one process).
///
/// The recorder keeps every latency recorded until it is folded into the histogram's
/// buckets, which happens when `/metrics` is read or at its upkeep; nothing else does it
/// (only the exporter's own HTTP listener runs upkeep by itself), so without the thread
/// started here a server nobody scrapes would keep eight bytes per request forever.
pub fn install() {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ])
            .ok()?
            .build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder).ok()?;
        let upkept = handle.clone();
        let upkeep = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(UPKEEP);
                upkept.run_upkeep();
            });
        if let Err(e) = upkeep {
            tracing::warn!(error = %e, "no metrics upkeep thread: latencies fold only when /metrics is read");
        }
        Some(handle)
    });
}

/// Who may read `/metrics`: holders of `FISSION_METRICS_TOKEN` when it is set, otherwise
/// loopback clients only (the client as seen through trusted proxies).
pub struct MetricsAccess {
    token_digest: Option<[u8; 32]>,
    trusted_proxies: Vec<IpAddr>,
}

impl MetricsAccess {
    pub fn new(token: Option<&[u8]>, trusted_proxies: Vec<IpAddr>) -> Self {
        MetricsAccess {
            token_digest: token.map(|t| Sha256::digest(t).into()),
            trusted_proxies,
        }
    }

    fn check(&self, req: &HttpRequest) -> Result<(), ApiError> {
        if let Some(expected) = &self.token_digest {
            // Digests compared, so the time taken says nothing about the token.
            let given = bearer(req).map(|t| <[u8; 32]>::from(Sha256::digest(t.as_bytes())));
            return match given {
                Some(given) if &given == expected => Ok(()),
                _ => Err(ApiError::unauthorized()),
            };
        }
        match client_ip(req, &self.trusted_proxies) {
            Some(ip) if ip.is_loopback() => Ok(()),
            _ => Err(ApiError::new(
                actix_web::http::StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                "metrics answer loopback clients only unless FISSION_METRICS_TOKEN is set",
            )),
        }
    }
}

/// Prometheus metrics, labelled by route pattern
///
/// Without `FISSION_METRICS_TOKEN` only loopback clients are answered; with it, every
/// client sends it as `Authorization: Bearer <token>`.
#[utoipa::path(
    operation_id = "metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
        (status = 401, description = "FISSION_METRICS_TOKEN is set and was not sent (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "Not a loopback client and no metrics token configured (`forbidden`)", body = ErrorBody),
    )
)]
#[get("/metrics")]
pub async fn render(
    req: HttpRequest,
    access: web::Data<MetricsAccess>,
) -> Result<HttpResponse, ApiError> {
    access.check(&req)?;
    let body = HANDLE
        .get()
        .and_then(|h| h.as_ref())
        .map(|h| h.render())
        .unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body))
}

pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let response = next.call(req).await?;
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    // Static label values where possible: this runs on every request.
    let method: &'static str = match method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "HEAD" => "HEAD",
        "PATCH" => "PATCH",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        _ => "OTHER",
    };
    let status = response.status();
    let status: &'static str = status
        .canonical_reason()
        .map_or("other", |_| status_str(status.as_u16()));
    metrics::counter!("fission_http_requests_total", "method" => method, "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("fission_http_request_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(response)
}

fn status_str(code: u16) -> &'static str {
    match code {
        200 => "200",
        201 => "201",
        303 => "303",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        409 => "409",
        413 => "413",
        422 => "422",
        429 => "429",
        500 => "500",
        503 => "503",
        c if c < 300 => "2xx",
        c if c < 400 => "3xx",
        c if c < 500 => "4xx",
        _ => "5xx",
    }
}

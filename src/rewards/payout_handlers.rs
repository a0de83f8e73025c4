//! Payout batches, their files and results, and reconciliation.

use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use super::views::{download, PayoutView, ReconciliationView, ResultLine, ResultsView};
use super::{payouts, reconcile};
use crate::auth::{Access, Auth, FinanceAccess};
use crate::campaigns::service::load;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::json_config;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create).service(reconciliation).service(
        // A provider's result file can be long: up to 100,000 lines.
        scope("/api/v1/payouts")
            .app_data(json_config(16 << 20))
            .service(file)
            .service(results),
    );
}

/// Create a payout batch
///
/// Takes every granted, unpaid cash grant of the campaign into a new batch (possibly
/// empty). Each grant is in exactly one batch; a failed line returns to the next one.
#[utoipa::path(
    operation_id = "createPayout",
    tag = "rewards",
    responses(
        (status = 201, description = "The batch", body = PayoutView),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[post("/api/v1/campaigns/{slug}/payouts")]
pub async fn create(
    auth: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let view = payouts::create(&state.db, &campaign, &auth.actor()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The batch file for the payment provider
///
/// CSV, UTF-8 with a BOM: `out_batch_no, out_detail_no, grant_id, participant_code,
/// phone_masked, amount, currency, status, note`; `note` names amounts outside WeChat
/// red-envelope limits.
#[utoipa::path(
    operation_id = "payoutFile",
    tag = "rewards",
    responses(
        (status = 200, description = "The batch file", content_type = "text/csv", body = String),
        (status = 404, description = "No such batch (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/{id}.csv")]
pub async fn file(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let body = payouts::file(&state.db, &id).await?;
    Ok(download("text/csv; charset=utf-8", &format!("{id}.csv")).body(body))
}

/// Record the provider's results
///
/// One line per grant (1 to 100,000 lines, up to 16 MB). Replays change nothing; a
/// result that contradicts an earlier one is kept as a mismatch.
#[utoipa::path(
    operation_id = "payoutResults",
    tag = "rewards",
    request_body = Vec<ResultLine>,
    responses(
        (status = 200, description = "What the results changed", body = ResultsView),
        (status = 404, description = "No such batch (`not_found`)", body = ErrorBody),
        (status = 413, description = "The body is over 16 MB (`payload_too_large`)", body = ErrorBody),
        (status = 422, description = "No lines, too many, or a status other than `paid`/`failed` \
            (`invalid_results`), or a field has the wrong type (`invalid_field`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[post("/{id}/results")]
pub async fn results(
    auth: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<Vec<ResultLine>>,
) -> Result<HttpResponse, ApiError> {
    let view = payouts::results(&state.db, &path, &auth.actor(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Reconciliation
///
/// Cash granted, paid, unpaid and revoked, in total, per rule and per reporting day, with
/// the payout results that contradicted each other and the grants flagged for finance.
#[utoipa::path(
    operation_id = "reconciliation",
    tag = "rewards",
    responses(
        (status = 200, description = "The reconciliation", body = ReconciliationView),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/reconciliation")]
pub async fn reconciliation(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let offset = state.settings.report_utc_offset_minutes;
    let view = reconcile::reconcile(&state.db, &campaign, offset).await?;
    Ok(HttpResponse::Ok().json(view))
}

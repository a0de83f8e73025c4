//! Payout batches, their files and results, and reconciliation.

use actix_web::{get, post, web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use super::payout_file::{self, PayoutFormat};
use super::views::{download, PayoutView, ReconciliationView, ResultLine, ResultsView};
use super::{payout_results, payouts, provider_results, reconcile};
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
            .app_data(web::PayloadConfig::default().limit(16 << 20))
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PayoutFileQuery {
    /// `standard` (default) or `alipay` (Alipay's batch transfer template).
    format: Option<String>,
}

/// The batch file to pay from
///
/// CSV, UTF-8 with a BOM. It names the payees, so only the finance and admin roles get
/// it (others: 403), and every download is written to the audit log. `standard`:
/// `out_batch_no, out_detail_no, grant_id, participant_code, phone_masked, amount,
/// currency, status, note, payee_phone, payee_name, wechat_openid, amount_yuan` (`note`
/// names amounts outside WeChat red-envelope limits; `wechat_openid` is empty until
/// openids are known). `alipay`: Alipay's batch transfer template (批量付款到支付宝账户):
/// the batch row (批次号, 付款日期, 付款人email, 账户名称, 总金额（元）, 总笔数), then
/// 商户流水号 (`out_detail_no`), 收款人email (the phone number), 收款人姓名, 付款金额（元）,
/// 付款理由 for each line still pending.
#[utoipa::path(
    operation_id = "payoutFile",
    tag = "rewards",
    params(PayoutFileQuery),
    responses(
        (status = 200, description = "The batch file", content_type = "text/csv", body = String),
        (status = 400, description = "An unknown `format` (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No such batch (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/{id}.csv")]
pub async fn file(
    auth: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PayoutFileQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let format = PayoutFormat::parse(query.format.as_deref())?;
    let body = payout_file::file(&state.db, &id, format, &auth.actor()).await?;
    Ok(download("text/csv; charset=utf-8", &format!("{id}.csv")).body(body))
}

/// Record the provider's results
///
/// Either the contract's JSON, one line per grant, or (`text/csv`) the provider's own
/// result file as downloaded (Alipay's batch result, WeChat Pay's detail list; UTF-8 or
/// GBK): its header row names the merchant detail id (`out_detail_no`, 商户流水号) and
/// the status (`status`, 状态: 成功/SUCCESS or 失败/FAIL), optionally `provider_ref`
/// (支付宝流水号) and `fail_reason` (失败原因). 1 to 100,000 lines, up to 16 MB. Replays
/// change nothing; unknown lines, lines not final yet and results that contradict an
/// earlier one are listed in `mismatches`.
#[utoipa::path(
    operation_id = "payoutResults",
    tag = "rewards",
    request_body(content(
        (Vec<ResultLine> = "application/json"),
        (String = "text/csv"),
    )),
    responses(
        (status = 200, description = "What the results changed", body = ResultsView),
        (status = 404, description = "No such batch (`not_found`)", body = ErrorBody),
        (status = 413, description = "The body is over 16 MB (`payload_too_large`)", body = ErrorBody),
        (status = 415, description = "Neither JSON nor CSV (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "No lines, too many, a status other than `paid`/`failed`, or a \
            file without the columns (`invalid_results`), or a field has the wrong type (`invalid_field`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[post("/{id}/results")]
pub async fn results(
    auth: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let mut payload = payload.into_inner();
    let content_type = req.content_type().to_ascii_lowercase();
    let csv = ["text/", "application/csv", "application/vnd.ms-excel"];
    let (lines, view) = match csv.iter().any(|t| content_type.starts_with(t)) {
        true => {
            let body = web::Bytes::from_request(&req, &mut payload)
                .await
                .map_err(|e| ApiError::too_large(e.to_string()))?;
            provider_results::parse(&body)?
        }
        false => {
            let body = web::Json::<Vec<ResultLine>>::from_request(&req, &mut payload).await?;
            (
                payout_results::from_json(body.into_inner())?,
                ResultsView::default(),
            )
        }
    };
    let view = payout_results::record(&state.db, &path, &auth.actor(), lines, view).await?;
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

//! The leaderboard, coupon-pool imports and the finance exports (ledger and journal).

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::views::{download, CouponImportView, LeaderboardEntryView};
use super::{ledger, service};
use crate::auth::{Access, Auth, CampaignWrite, FinanceAccess, ReadAccess};
use crate::campaigns::service::load;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(leaderboard)
        .service(import_codes)
        .service(ledger_csv)
        .service(ledger_xlsx)
        .service(journal_csv)
        .configure(super::payout_handlers::configure);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardQuery {
    /// 1..=1000, default 10.
    limit: Option<i64>,
}

/// The leaderboard
///
/// Inviters ranked by qualified invites; ties go to whoever got there first.
#[utoipa::path(
    operation_id = "leaderboard",
    tag = "rewards",
    params(LeaderboardQuery),
    responses(
        (status = 200, description = "The top inviters", body = Vec<LeaderboardEntryView>),
        (status = 400, description = "`limit` outside 1..=1000 (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/leaderboard")]
pub async fn leaderboard(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<LeaderboardQuery>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let limit = query.limit.unwrap_or(10);
    let entries = service::leaderboard(&state.db, &campaign, limit).await?;
    Ok(HttpResponse::Ok().json(entries))
}

/// Import coupon codes into a pool
///
/// Plain text, one code per line (at most 128 printable characters each, up to 200,000
/// codes); blank lines are skipped and codes the pool has are counted as duplicates.
#[utoipa::path(
    operation_id = "importCouponCodes",
    tag = "rewards",
    request_body(content = String, content_type = "text/plain"),
    responses(
        (status = 200, description = "What the import did", body = CouponImportView),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
        (status = 413, description = "The body is over 8 MB (`payload_too_large`)", body = ErrorBody),
        (status = 422, description = "A bad pool name (`invalid_pool`) or codes (`invalid_codes`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[post("/api/v1/campaigns/{slug}/coupon-pools/{pool}/codes")]
pub async fn import_codes(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (slug, pool) = path.into_inner();
    let campaign = load(&state.db, &slug).await?;
    let view = service::import_codes(&state.db, &campaign, &pool, &body, &auth.actor()).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The ledger as CSV
///
/// Every grant with its current state: `grant_id, participant_code, phone_masked, rule_id,
/// reward_type, amount, currency, status, granted_at, paid_at, payout_id`. UTF-8 with a
/// BOM; phones masked; cells that a spreadsheet would run as formulas start with `'`.
#[utoipa::path(
    operation_id = "ledgerCsv",
    tag = "rewards",
    responses(
        (status = 200, description = "The ledger", content_type = "text/csv", body = String),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/ledger.csv")]
pub async fn ledger_csv(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let body = ledger::ledger_csv(state.db.clone(), campaign.id);
    Ok(download("text/csv; charset=utf-8", &format!("ledger-{slug}.csv")).streaming(body))
}

/// The ledger as XLSX
///
/// The same columns as the CSV, `amount` as a number.
#[utoipa::path(
    operation_id = "ledgerXlsx",
    tag = "rewards",
    responses(
        (status = 200, description = "The ledger",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/ledger.xlsx")]
pub async fn ledger_xlsx(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let dir = state.settings.data_dir.join("exports");
    let body = ledger::ledger_xlsx(&state.db, &campaign.id, dir).await?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("ledger-{slug}.xlsx"),
    )
    .streaming(body))
}

/// The journal as CSV
///
/// Every ledger entry as it was written, oldest first: `at, grant_id, participant_code,
/// phone_masked, kind, amount, actor, note`. `kind` is `granted`, `revoked`, `batched`,
/// `paid`, `failed`, `flagged` (or `address_given` for physical rewards). UTF-8 with a BOM;
/// phones masked; cells that a spreadsheet would run as formulas start with `'`.
#[utoipa::path(
    operation_id = "journalCsv",
    tag = "rewards",
    responses(
        (status = 200, description = "The journal", content_type = "text/csv", body = String),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/journal.csv")]
pub async fn journal_csv(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let body = ledger::journal_csv(state.db.clone(), campaign.id);
    Ok(download("text/csv; charset=utf-8", &format!("journal-{slug}.csv")).streaming(body))
}

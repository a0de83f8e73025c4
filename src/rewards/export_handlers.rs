//! The finance exports over HTTP: the ledger and the journal of one campaign, or of
//! every campaign, as CSV or XLSX. The query options are [`ExportQuery`].

use actix_web::{get, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::export_store::Scope;
use super::exports::{self, Body, FileType};
use super::finance_format::ExportQuery;
use super::views::download;
use crate::auth::{Access, Auth, FinanceAccess};
use crate::campaigns::service::load;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(ledger_csv)
        .service(ledger_xlsx)
        .service(journal_csv)
        .service(journal_xlsx)
        .service(all_ledger_csv)
        .service(all_ledger_xlsx)
        .service(all_journal_csv)
        .service(all_journal_xlsx);
}

fn send(file: FileType, name: &str, body: Body) -> HttpResponse {
    let filename = format!("{name}.{}", file.extension());
    download(file.content_type(), &filename).streaming(body)
}

async fn export(
    state: &AppState,
    scope: Scope,
    journal: bool,
    (file, suffix): (FileType, &str),
    query: &ExportQuery,
) -> Result<HttpResponse, ApiError> {
    let (name, body) = if journal {
        (
            "journal",
            exports::journal(state, scope, file, query).await?,
        )
    } else {
        ("ledger", exports::ledger(state, scope, file, query).await?)
    };
    Ok(send(file, &format!("{name}{suffix}"), body))
}

/// One campaign's export.
async fn campaign_export(
    state: &AppState,
    slug: &str,
    journal: bool,
    file: FileType,
    query: &ExportQuery,
) -> Result<HttpResponse, ApiError> {
    let scope = Scope::Campaign(load(&state.db, slug).await?.id);
    export(state, scope, journal, (file, &format!("-{slug}")), query).await
}

/// Every campaign's export, or the one named by `campaign` (the console's downloads too).
pub async fn finance_export(
    state: &AppState,
    journal: bool,
    file: FileType,
    query: &ExportQuery,
) -> Result<HttpResponse, ApiError> {
    let scope = match query.campaign.as_deref() {
        Some(slug) => Scope::Campaign(load(&state.db, slug).await?.id),
        None => Scope::All,
    };
    export(state, scope, journal, (file, ""), query).await
}

/// The ledger as CSV
///
/// Every grant with its current state. Without `lang`, the contract's columns:
/// `grant_id, participant_code, phone_masked, rule_id, reward_type, amount, currency,
/// status, granted_at, paid_at, payout_id` (amounts in fen, times RFC 3339 UTC). With
/// `lang=zh` or `lang=en`, finance's layout: headers in that language, the campaign,
/// amounts in yuan with two decimals (`5.00`, cash only; points in their own column),
/// times in Beijing time (`2026-12-03 21:25:13`), statuses named, and a last total row.
/// `from`/`to` (Beijing days, by grant time) and `status` filter the rows. UTF-8 with a
/// BOM; phones masked; cells a spreadsheet would run as formulas start with `'`.
#[utoipa::path(
    operation_id = "ledgerCsv",
    tag = "rewards",
    params(ExportQuery),
    responses(
        (status = 200, description = "The ledger", content_type = "text/csv", body = String),
        (status = 400, description = "A bad `lang`, day or status (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/ledger.csv")]
pub async fn ledger_csv(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    campaign_export(&state, &slug, false, FileType::Csv, &query).await
}

/// The ledger as XLSX
///
/// Finance's layout in Chinese unless `lang=en`: amounts in yuan as numbers (format
/// `0.00`), Beijing times as Excel dates, a frozen header row, column widths and a total
/// row. `from`/`to` and `status` as for the CSV. Written in constant memory.
#[utoipa::path(
    operation_id = "ledgerXlsx",
    tag = "rewards",
    params(ExportQuery),
    responses(
        (status = 200, description = "The ledger",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, description = "A bad `lang`, day or status (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/ledger.xlsx")]
pub async fn ledger_xlsx(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    campaign_export(&state, &slug, false, FileType::Xlsx, &query).await
}

/// The journal as CSV
///
/// Every ledger entry as it was written, oldest first. Without `lang`: `at, grant_id,
/// participant_code, phone_masked, kind, amount, actor, note`; `kind` is `granted`,
/// `revoked`, `batched`, `paid`, `failed`, `flagged` (or `address_given` for physical
/// rewards). With `lang`, finance's layout as for the ledger. `from`/`to` (Beijing days,
/// by entry time) and `status` (entry kinds) filter the rows. UTF-8 with a BOM; phones
/// masked; cells a spreadsheet would run as formulas start with `'`.
#[utoipa::path(
    operation_id = "journalCsv",
    tag = "rewards",
    params(ExportQuery),
    responses(
        (status = 200, description = "The journal", content_type = "text/csv", body = String),
        (status = 400, description = "A bad `lang`, day or kind (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/journal.csv")]
pub async fn journal_csv(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    campaign_export(&state, &slug, true, FileType::Csv, &query).await
}

/// The journal as XLSX
///
/// As the ledger's XLSX: Chinese unless `lang=en`, yuan, Excel dates, a total row.
#[utoipa::path(
    operation_id = "journalXlsx",
    tag = "rewards",
    params(ExportQuery),
    responses(
        (status = 200, description = "The journal",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, description = "A bad `lang`, day or kind (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/journal.xlsx")]
pub async fn journal_xlsx(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    campaign_export(&state, &slug, true, FileType::Xlsx, &query).await
}

/// The finance ledger as CSV, across campaigns
///
/// The ledger of every campaign (or of `campaign`), with the same options as one
/// campaign's ledger; the finance layout names each row's campaign.
#[utoipa::path(
    operation_id = "financeLedgerCsv",
    tag = "rewards",
    params(ExportQuery),
    responses(
        (status = 200, description = "The ledger", content_type = "text/csv", body = String),
        (status = 400, description = "A bad `lang`, day or status (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with the slug `campaign` (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/api/v1/ledger.csv")]
pub async fn all_ledger_csv(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    finance_export(&state, false, FileType::Csv, &query).await
}

/// The finance ledger as XLSX, across campaigns
#[utoipa::path(
    operation_id = "financeLedgerXlsx",
    tag = "rewards",
    params(ExportQuery),
    responses(
        (status = 200, description = "The ledger",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, description = "A bad `lang`, day or status (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with the slug `campaign` (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/api/v1/ledger.xlsx")]
pub async fn all_ledger_xlsx(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    finance_export(&state, false, FileType::Xlsx, &query).await
}

/// The finance journal as CSV, across campaigns
#[utoipa::path(
    operation_id = "financeJournalCsv",
    tag = "rewards",
    params(ExportQuery),
    responses(
        (status = 200, description = "The journal", content_type = "text/csv", body = String),
        (status = 400, description = "A bad `lang`, day or kind (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with the slug `campaign` (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/api/v1/journal.csv")]
pub async fn all_journal_csv(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    finance_export(&state, true, FileType::Csv, &query).await
}

/// The finance journal as XLSX, across campaigns
#[utoipa::path(
    operation_id = "financeJournalXlsx",
    tag = "rewards",
    params(ExportQuery),
    responses(
        (status = 200, description = "The journal",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, description = "A bad `lang`, day or kind (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with the slug `campaign` (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(FinanceAccess::ROLES)))
)]
#[get("/api/v1/journal.xlsx")]
pub async fn all_journal_xlsx(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    finance_export(&state, true, FileType::Xlsx, &query).await
}

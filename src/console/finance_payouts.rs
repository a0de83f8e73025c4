//! Payout batches in the console (`/admin/finance/payouts`): create one per campaign,
//! list them with their results so far, download the file to pay from (it names the
//! payees, so it is audited as the API's is) and upload the provider's result file.
//! Through rewards::{payouts, payout_file, provider_results, payout_results}, like the API.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::error::ConsoleError;
use super::finance::campaign_choices;
use super::format::yuan;
use super::render::page_with_status;
use super::session::Console;
use crate::auth::FinanceAccess;
use crate::campaigns::service::load;
use crate::http::error::ErrorCode;
use crate::http::multipart;
use crate::participants::phone::mask;
use crate::rewards::finance_format::beijing_text;
use crate::rewards::payout_file::{self, PayoutFormat};
use crate::rewards::payout_list::{self as batches, BatchSummary};
use crate::rewards::payout_store as store;
use crate::rewards::views::{download, ResultMismatch, ResultsView};
use crate::rewards::{payout_results, payouts, provider_results};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    // The file before the batch page, so `{id}` never takes "PB….csv".
    cfg.service(list)
        .service(create)
        .service(file)
        .service(show)
        .service(upload_results)
}

/// Batches listed on the page.
const LISTED: i64 = 100;
/// A provider's result file, as the API takes it: up to 16 MB.
const RESULTS_BYTES: usize = 16 << 20;

#[derive(Deserialize, Default, Serialize)]
#[serde(default)]
struct ListQuery {
    campaign: String,
}

#[derive(Serialize)]
struct BatchRow {
    id: String,
    campaign_slug: String,
    campaign_title: String,
    count: i64,
    total: String,
    paid_amount: String,
    pending: i64,
    paid: i64,
    failed: i64,
    /// `empty`, `pending`, `partial` or `settled`.
    state: &'static str,
    created_at: String,
    created_by: String,
}

impl From<BatchSummary> for BatchRow {
    fn from(b: BatchSummary) -> Self {
        let state = match (b.count, b.pending) {
            (0, _) => "empty",
            (count, pending) if pending == count => "pending",
            (_, 0) => "settled",
            _ => "partial",
        };
        BatchRow {
            id: b.id,
            campaign_slug: b.campaign_slug,
            campaign_title: b.campaign_title,
            count: b.count,
            total: yuan(b.total),
            paid_amount: yuan(b.paid_amount),
            pending: b.pending,
            paid: b.paid,
            failed: b.failed,
            state,
            created_at: beijing_text(b.created_at),
            created_by: b.created_by,
        }
    }
}

#[get("/admin/finance/payouts")]
async fn list(
    console: Console<FinanceAccess>,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let campaign = match query.campaign.trim() {
        "" => None,
        slug => Some(load(&state.db, slug).await?.id),
    };
    let batches = batches::summaries(&state.db, campaign.as_deref(), LISTED).await?;
    let rows: Vec<BatchRow> = batches.into_iter().map(BatchRow::from).collect();
    let mut ctx = tera::Context::new();
    ctx.insert("batches", &rows);
    ctx.insert("campaigns", &campaign_choices(&state).await?);
    ctx.insert("q", &query.into_inner());
    ctx.insert("section", "payouts");
    Ok(page_with_status(
        &state,
        &console,
        StatusCode::OK,
        "console/finance_payouts.html",
        ctx,
    ))
}

#[derive(Deserialize)]
struct CreateForm {
    campaign: String,
    _csrf: String,
}

#[post("/admin/finance/payouts")]
async fn create(
    req: HttpRequest,
    console: Console<FinanceAccess>,
    state: web::Data<AppState>,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form._csrf)?;
    let campaign = load(&state.db, form.campaign.trim()).await?;
    let batch = payouts::create(&state.db, &campaign, &console.actor()).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!("/admin/finance/payouts/{}?created=1", batch.id),
        ))
        .finish())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FileQuery {
    format: Option<String>,
}

/// The file to pay from, with the payees: audited with the console user as the one who
/// downloaded it.
#[get("/admin/finance/payouts/{id:[A-Za-z0-9]+}.csv")]
async fn file(
    console: Console<FinanceAccess>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<FileQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let format = PayoutFormat::parse(query.format.as_deref())?;
    let body = payout_file::file(&state.db, &id, format, &console.actor()).await?;
    let name = match format {
        PayoutFormat::Standard => format!("{id}.csv"),
        PayoutFormat::Alipay => format!("{id}-alipay.csv"),
    };
    Ok(download("text/csv; charset=utf-8", &name).body(body))
}

#[derive(Serialize)]
struct LineRow {
    line_no: i64,
    out_detail_no: String,
    code: String,
    phone: String,
    amount: String,
    status: &'static str,
}

/// What an upload did: the counts and each line that could not be applied, with the
/// string key of why.
#[derive(Serialize)]
struct Outcome {
    paid: u64,
    failed: u64,
    unchanged: u64,
    problems: Vec<Problem>,
}

#[derive(Serialize)]
struct Problem {
    line: String,
    /// A key of `[finance]`: unknown line, not final yet, contradicts an earlier result.
    kind: &'static str,
    detail: String,
}

impl From<ResultMismatch> for Problem {
    fn from(m: ResultMismatch) -> Self {
        let kind = match m.problem.as_str() {
            "not in this batch" => "problem_unknown",
            p if p.starts_with("not final") => "problem_not_final",
            _ => "problem_conflict",
        };
        Problem {
            line: m.out_detail_no.or(m.grant_id).unwrap_or_default(),
            kind,
            detail: m.problem,
        }
    }
}

impl From<ResultsView> for Outcome {
    fn from(v: ResultsView) -> Self {
        Outcome {
            paid: v.paid,
            failed: v.failed,
            unchanged: v.unchanged,
            problems: v.mismatches.into_iter().map(Problem::from).collect(),
        }
    }
}

/// The batch page, with an upload's outcome or its error (a key of `[finance]`).
async fn render(
    state: &AppState,
    console: &Console<FinanceAccess>,
    id: &str,
    created: bool,
    upload: Option<Result<Outcome, &'static str>>,
) -> Result<HttpResponse, ConsoleError> {
    let summary = batches::summary(&state.db, id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let lines: Vec<LineRow> = store::lines(&state.db, id)
        .await?
        .into_iter()
        .map(|l| LineRow {
            line_no: l.line_no,
            out_detail_no: l.out_detail_no,
            code: l.code,
            phone: l.phone.as_deref().map(mask).unwrap_or_default(),
            amount: yuan(l.amount),
            status: l.status.as_str(),
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("batch", &BatchRow::from(summary));
    ctx.insert("lines", &lines);
    ctx.insert("created", &created);
    let status = match &upload {
        Some(Err(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    match upload {
        Some(Ok(outcome)) => ctx.insert("outcome", &outcome),
        Some(Err(key)) => ctx.insert("error", key),
        None => {}
    }
    ctx.insert("section", "payouts");
    Ok(page_with_status(
        state,
        console,
        status,
        "console/finance_payout.html",
        ctx,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ShowQuery {
    created: Option<String>,
}

#[get("/admin/finance/payouts/{id:[A-Za-z0-9]+}")]
async fn show(
    console: Console<FinanceAccess>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, ConsoleError> {
    render(&state, &console, &id, query.created.is_some(), None).await
}

/// The provider's result file (field `file`), applied as the API applies it.
#[post("/admin/finance/payouts/{id:[A-Za-z0-9]+}/results")]
async fn upload_results(
    req: HttpRequest,
    console: Console<FinanceAccess>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Multipart,
) -> Result<HttpResponse, ConsoleError> {
    let fields = multipart::fields(form, RESULTS_BYTES).await?;
    console.check_csrf(&req, fields.text("_csrf"))?;
    let Some(bytes) = fields.file("file") else {
        return render(&state, &console, &id, false, Some(Err("error_no_file"))).await;
    };
    let recorded = match provider_results::parse(bytes) {
        Ok((lines, view)) => {
            payout_results::record(&state.db, &id, &console.actor(), lines, view).await
        }
        Err(e) => Err(e),
    };
    let upload = match recorded {
        Ok(view) => Ok(Outcome::from(view)),
        Err(e) if matches!(e.code(), ErrorCode::InvalidResults) => Err("error_results_file"),
        Err(e) => return Err(e.into()),
    };
    render(&state, &console, &id, false, Some(upload)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(count: i64, pending: i64, failed: i64) -> BatchSummary {
        BatchSummary {
            id: "PB1".into(),
            campaign_slug: "tea".into(),
            campaign_title: "春茶".into(),
            count,
            total: 300,
            currency: "CNY".into(),
            created_by: "finance".into(),
            created_at: 0,
            pending,
            paid: count - pending - failed,
            failed,
            paid_amount: 150,
        }
    }

    #[test]
    fn a_batch_state_follows_its_lines_results() {
        let state = |count, pending, failed| BatchRow::from(batch(count, pending, failed)).state;
        assert_eq!(state(0, 0, 0), "empty");
        assert_eq!(state(2, 2, 0), "pending");
        assert_eq!(state(2, 1, 0), "partial");
        assert_eq!(state(2, 0, 1), "settled");
        let row = BatchRow::from(batch(2, 2, 0));
        assert_eq!(
            (row.total.as_str(), row.paid_amount.as_str()),
            ("3.00", "1.50")
        );
    }

    #[test]
    fn unmatched_result_lines_are_named_by_why() {
        let kind = |problem: &str| {
            Problem::from(ResultMismatch {
                grant_id: None,
                out_detail_no: Some("X1".into()),
                problem: problem.into(),
            })
            .kind
        };
        assert_eq!(kind("not in this batch"), "problem_unknown");
        assert_eq!(kind("not final: 处理中"), "problem_not_final");
        assert_eq!(
            kind("already paid, now reported failed"),
            "problem_conflict"
        );
    }
}

//! The ledger for finance: every grant with its current state, exported as CSV (UTF-8
//! with BOM, for Excel) or XLSX. Rows are read in pages and written as they come, so a
//! million grants never sit in memory; phone numbers are masked.

use std::io::Read;

use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use futures_util::stream;

use crate::auth::{Auth, FinanceAccess};
use crate::campaigns::service::load;
use crate::db::time::from_ms;
use crate::db::Db;
use crate::http::error::ApiError;
use crate::participants::phone::mask;
use crate::state::AppState;
use crate::with_db;

const PAGE: i64 = 5000;
pub const COLUMNS: [&str; 11] = [
    "grant_id",
    "participant_code",
    "phone_masked",
    "rule_id",
    "reward_type",
    "amount",
    "currency",
    "status",
    "granted_at",
    "paid_at",
    "payout_id",
];

#[derive(sqlx::FromRow)]
pub struct LedgerRow {
    id: String,
    code: String,
    phone: Option<String>,
    rule_id: String,
    reward_type: String,
    amount: i64,
    currency: String,
    status: String,
    granted_at: i64,
    paid_at: Option<i64>,
    payout_id: Option<String>,
}

impl LedgerRow {
    fn cells(&self) -> [String; 11] {
        [
            self.id.clone(),
            self.code.clone(),
            self.phone.as_deref().map(mask).unwrap_or_default(),
            self.rule_id.clone(),
            self.reward_type.clone(),
            self.amount.to_string(),
            self.currency.clone(),
            self.status.clone(),
            from_ms(self.granted_at).to_rfc3339(),
            self.paid_at
                .map(|t| from_ms(t).to_rfc3339())
                .unwrap_or_default(),
            self.payout_id.clone().unwrap_or_default(),
        ]
    }
}

/// Cells a spreadsheet would run as formulas are prefixed with a quote.
fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// One page after the cursor (granted_at, id).
async fn page(
    db: &Db,
    campaign_id: &str,
    after: &(i64, String),
) -> Result<Vec<LedgerRow>, sqlx::Error> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT g.id, p.code, p.phone, g.rule_id, g.reward_type, g.amount, g.currency, g.status, g.granted_at, g.paid_at, g.payout_id \
             FROM grants g JOIN participants p ON p.id = g.participant_id \
             WHERE g.campaign_id = $1 AND (g.granted_at, g.id) > ($2, $3) \
             ORDER BY g.granted_at, g.id LIMIT $4",
        )
        .bind(campaign_id)
        .bind(after.0)
        .bind(&after.1)
        .bind(PAGE)
        .fetch_all(pool)
        .await
    })
}

fn csv_chunk(rows: &[LedgerRow], header: bool) -> Result<Bytes, csv::Error> {
    let mut out = Vec::with_capacity(rows.len() * 160 + 200);
    if header {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        if header {
            writer.write_record(COLUMNS)?;
        }
        for row in rows {
            writer.write_record(row.cells().iter().map(|c| neutralise(c).into_owned()))?;
        }
        writer.flush()?;
    }
    Ok(Bytes::from(out))
}

fn download(content_type: &str, filename: String) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("Cache-Control", "no-store"));
    response
}

/// `GET /api/v1/campaigns/{slug}/ledger.csv`
pub async fn csv(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let db = state.db.clone();
    let start = (Some((i64::MIN, String::new())), true);
    let body = stream::unfold(start, move |(cursor, first)| {
        let db = db.clone();
        let campaign_id = campaign.id.clone();
        async move {
            let after = cursor?;
            let rows = match page(&db, &campaign_id, &after).await {
                Ok(rows) => rows,
                Err(e) => {
                    return Some((
                        Err(actix_web::error::ErrorInternalServerError(e)),
                        (None, false),
                    ))
                }
            };
            let next = if rows.len() < PAGE as usize {
                None
            } else {
                rows.last().map(|r| (r.granted_at, r.id.clone()))
            };
            if rows.is_empty() && !first {
                return None;
            }
            let chunk = csv_chunk(&rows, first).map_err(actix_web::error::ErrorInternalServerError);
            Some((chunk, (next, false)))
        }
    });
    Ok(download("text/csv; charset=utf-8", format!("ledger-{slug}.csv")).streaming(body))
}

/// `GET /api/v1/campaigns/{slug}/ledger.xlsx`: written row by row to a temporary file in
/// constant memory on a blocking thread, then streamed.
pub async fn xlsx(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let dir = state.settings.data_dir.join("exports");
    std::fs::create_dir_all(&dir).map_err(ApiError::internal)?;
    let path = dir.join(format!("{}.xlsx", uuid::Uuid::now_v7().simple()));
    let (pages, mut receive) = tokio::sync::mpsc::channel::<Vec<LedgerRow>>(2);
    let out = path.clone();
    let writer = tokio::task::spawn_blocking(move || -> Result<(), rust_xlsxwriter::XlsxError> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name("ledger")?;
        for (col, name) in COLUMNS.iter().enumerate() {
            sheet.write_string(0, col as u16, *name)?;
        }
        let mut row_no = 1u32;
        while let Some(rows) = receive.blocking_recv() {
            for row in rows {
                for (col, cell) in row.cells().iter().enumerate() {
                    if col == 5 {
                        sheet.write_number(row_no, col as u16, row.amount as f64)?;
                    } else {
                        sheet.write_string(row_no, col as u16, cell)?;
                    }
                }
                row_no += 1;
            }
        }
        workbook.save(&out)
    });
    let mut cursor = (i64::MIN, String::new());
    loop {
        let rows = page(&state.db, &campaign.id, &cursor).await?;
        let full = rows.len() == PAGE as usize;
        if let Some(last) = rows.last() {
            cursor = (last.granted_at, last.id.clone());
        }
        if pages.send(rows).await.is_err() || !full {
            break;
        }
    }
    drop(pages);
    writer
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let file = std::fs::File::open(&path).map_err(ApiError::internal)?;
    // The open handle keeps the data; the name goes now.
    let _ = std::fs::remove_file(&path);
    let body = stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let (file, chunk) = web::block(move || {
            let mut buf = vec![0u8; 256 << 10];
            let n = file.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((file, buf))
        })
        .await
        .ok()?
        .ok()?;
        if chunk.is_empty() {
            None
        } else {
            Some((Ok::<_, actix_web::Error>(Bytes::from(chunk)), Some(file)))
        }
    });
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("ledger-{slug}.xlsx"),
    )
    .streaming(body))
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_are_neutralised_and_plain_text_kept() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("138****8000"), "138****8000");
    }
}

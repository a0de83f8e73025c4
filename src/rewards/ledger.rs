//! Exports for finance: the ledger (every grant with its current state) as CSV or XLSX,
//! and the journal (every ledger entry as written) as CSV. CSV is UTF-8 with BOM, for
//! Excel, with formula-like cells neutralised. Rows are read in pages and written as
//! they come, so a million grants never sit in memory; phone numbers are masked.

use std::io::Read;
use std::sync::Arc;

use actix_web::web::{self, Bytes};
use futures_util::future::BoxFuture;
use futures_util::{stream, Stream};

use super::model::{JournalRow, LedgerRow};
use super::store::{self, EXPORT_PAGE};
use crate::db::time::from_ms;
use crate::db::Db;
use crate::http::error::ApiError;
use crate::participants::phone::mask;

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

pub const JOURNAL_COLUMNS: [&str; 8] = [
    "at",
    "grant_id",
    "participant_code",
    "phone_masked",
    "kind",
    "amount",
    "actor",
    "note",
];

/// A row of an export, and where the next page starts after it.
pub trait ExportRow: Send + 'static {
    type Cursor: Clone + Send + 'static;
    fn cells(&self) -> Vec<String>;
    fn cursor(&self) -> Self::Cursor;
}

fn masked(phone: &Option<String>) -> String {
    phone.as_deref().map(mask).unwrap_or_default()
}

impl ExportRow for LedgerRow {
    type Cursor = (i64, String);
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.code.clone(),
            masked(&self.phone),
            self.rule_id.clone(),
            self.reward_type.as_str().to_owned(),
            self.amount.to_string(),
            self.currency.clone(),
            self.status.as_str().to_owned(),
            from_ms(self.granted_at).to_rfc3339(),
            self.paid_at
                .map(|t| from_ms(t).to_rfc3339())
                .unwrap_or_default(),
            self.payout_id.clone().unwrap_or_default(),
        ]
    }
    fn cursor(&self) -> Self::Cursor {
        (self.granted_at, self.id.clone())
    }
}

impl ExportRow for JournalRow {
    type Cursor = i64;
    fn cells(&self) -> Vec<String> {
        vec![
            from_ms(self.at).to_rfc3339(),
            self.grant_id.clone(),
            self.code.clone(),
            masked(&self.phone),
            self.event.as_str().to_owned(),
            self.amount.to_string(),
            self.actor.clone(),
            self.note.clone().unwrap_or_default(),
        ]
    }
    fn cursor(&self) -> i64 {
        self.id
    }
}

/// Cells a spreadsheet would run as formulas are prefixed with a quote.
fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

fn csv_chunk<R: ExportRow>(
    columns: &[&str],
    rows: &[R],
    header: bool,
) -> Result<Bytes, csv::Error> {
    let mut out = Vec::with_capacity(rows.len() * 160 + 200);
    if header {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        if header {
            writer.write_record(columns)?;
        }
        for row in rows {
            writer.write_record(row.cells().iter().map(|c| neutralise(c).into_owned()))?;
        }
        writer.flush()?;
    }
    Ok(Bytes::from(out))
}

type Fetch<R> = Box<dyn Fn(<R as ExportRow>::Cursor) -> BoxFuture<'static, anyhow::Result<Vec<R>>>>;

/// A CSV body read page by page from `start`.
fn csv_stream<R: ExportRow>(
    columns: &'static [&'static str],
    start: R::Cursor,
    fetch: Fetch<R>,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> {
    stream::unfold(
        (Some(start), true, fetch),
        move |(cursor, first, fetch)| async move {
            let after = cursor?;
            let rows = match fetch(after).await {
                Ok(rows) => rows,
                Err(e) => {
                    let e = actix_web::error::ErrorInternalServerError(e.to_string());
                    return Some((Err(e), (None, false, fetch)));
                }
            };
            if rows.is_empty() && !first {
                return None;
            }
            let next = match rows.last() {
                Some(last) if rows.len() == EXPORT_PAGE as usize => Some(last.cursor()),
                _ => None,
            };
            let chunk = csv_chunk(columns, &rows, first)
                .map_err(actix_web::error::ErrorInternalServerError);
            Some((chunk, (next, false, fetch)))
        },
    )
}

/// The ledger as CSV.
pub fn ledger_csv(
    db: Arc<Db>,
    campaign_id: String,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> {
    let fetch: Fetch<LedgerRow> = Box::new(move |after| {
        let (db, campaign_id) = (db.clone(), campaign_id.clone());
        Box::pin(async move { store::ledger_page(&db, &campaign_id, &after).await })
    });
    csv_stream(&COLUMNS, (i64::MIN, String::new()), fetch)
}

/// The journal as CSV, in the order entries were written.
pub fn journal_csv(
    db: Arc<Db>,
    campaign_id: String,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> {
    let fetch: Fetch<JournalRow> = Box::new(move |after| {
        let (db, campaign_id) = (db.clone(), campaign_id.clone());
        Box::pin(async move { store::journal_page(&db, &campaign_id, after).await })
    });
    csv_stream(&JOURNAL_COLUMNS, 0, fetch)
}

/// The ledger as XLSX: written row by row to a temporary file in `dir` in constant
/// memory on a blocking thread, then streamed.
pub async fn ledger_xlsx(
    db: &Db,
    campaign_id: &str,
    dir: std::path::PathBuf,
) -> Result<impl Stream<Item = Result<Bytes, actix_web::Error>>, ApiError> {
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
        let rows = store::ledger_page(db, campaign_id, &cursor).await?;
        let full = rows.len() == EXPORT_PAGE as usize;
        if let Some(last) = rows.last() {
            cursor = last.cursor();
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
    Ok(stream::unfold(Some(file), |file| async move {
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
    }))
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

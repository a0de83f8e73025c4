//! Exports as CSV, streamed: UTF-8 with a BOM (for Excel), pages read by keyset and
//! written as they come, so a million rows never sit in memory. Cells a spreadsheet
//! would run as formulas are neutralised. The finance layout ends with a total row.

use std::fmt::Write;

use actix_web::web::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{stream, Stream};

use super::export_store::EXPORT_PAGE;
use super::finance_format::{push_beijing, yuan, Cell, Lang, Layout};
use super::ledger::ExportRow;

/// Reads the page after a cursor.
pub type Fetch<R> = Box<
    dyn Fn(<R as ExportRow>::Cursor) -> BoxFuture<'static, anyhow::Result<Vec<R>>> + Send + Sync,
>;

/// Cells a spreadsheet would run as formulas are prefixed with a quote.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The last row of the finance layout: the label and the sum of the amount column.
pub fn total_row(columns: usize, amount: usize, lang: Lang, total: i64) -> Vec<Cell> {
    let mut row = vec![Cell::Empty; columns];
    row[0] = Cell::text(match lang {
        Lang::Zh => "合计",
        Lang::En => "Total",
    });
    row[amount] = Cell::Yuan(total);
    row
}

fn headers<R: ExportRow>(layout: Layout) -> &'static [&'static str] {
    match layout {
        Layout::Contract => R::COLUMNS.contract,
        Layout::Finance(lang) => R::COLUMNS.finance(lang),
    }
}

/// A chunk of the CSV body: records written straight into one buffer, cells formatted
/// in one reused string rather than a string each.
struct Chunk {
    writer: csv::Writer<Vec<u8>>,
    scratch: String,
}

impl Chunk {
    /// A chunk for about `rows` rows; the first starts with a BOM and the header.
    fn new(rows: usize, header: Option<&[&str]>) -> Result<Chunk, csv::Error> {
        let mut out = Vec::with_capacity(rows * 128 + 256);
        if header.is_some() {
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        let mut writer = csv::Writer::from_writer(out);
        if let Some(header) = header {
            writer.write_record(header)?;
        }
        Ok(Chunk {
            writer,
            scratch: String::new(),
        })
    }

    fn row<R: ExportRow>(&mut self, layout: Layout, row: &R) -> Result<(), csv::Error> {
        match layout {
            Layout::Contract => {
                for cell in row.cells() {
                    self.writer.write_field(neutralise(&cell).as_bytes())?;
                }
                self.writer.write_record(None::<&[u8]>)
            }
            Layout::Finance(lang) => self.cells(&row.finance(lang)),
        }
    }

    /// A record of the finance layout: text neutralised, numbers and times as people read them.
    fn cells(&mut self, cells: &[Cell]) -> Result<(), csv::Error> {
        for cell in cells {
            self.scratch.clear();
            match cell {
                Cell::Text(s) => self.writer.write_field(neutralise(s).as_bytes())?,
                Cell::Yuan(fen) => self.writer.write_field(yuan(*fen))?,
                Cell::Int(n) => {
                    let _ = write!(self.scratch, "{n}");
                    self.writer.write_field(self.scratch.as_bytes())?;
                }
                Cell::Time(ms) => {
                    push_beijing(&mut self.scratch, *ms);
                    self.writer.write_field(self.scratch.as_bytes())?;
                }
                Cell::Empty => self.writer.write_field(b"")?,
            }
        }
        self.writer.write_record(None::<&[u8]>)
    }

    fn bytes(self) -> Result<Bytes, csv::Error> {
        let out = self.writer.into_inner().map_err(|e| e.into_error())?;
        Ok(Bytes::from(out))
    }
}

fn chunk<R: ExportRow>(
    layout: Layout,
    header: Option<&[&str]>,
    rows: &[R],
) -> Result<Bytes, csv::Error> {
    let mut chunk = Chunk::new(rows.len(), header)?;
    for row in rows {
        chunk.row(layout, row)?;
    }
    chunk.bytes()
}

/// The finance layout's last row, alone in the last chunk.
fn total_chunk(cells: &[Cell]) -> Result<Bytes, csv::Error> {
    let mut chunk = Chunk::new(1, None)?;
    chunk.cells(cells)?;
    chunk.bytes()
}

struct Progress<R: ExportRow> {
    next: Option<R::Cursor>,
    first: bool,
    total: i64,
    fetch: Fetch<R>,
}

/// A CSV body read page by page from `start`.
pub fn stream<R: ExportRow>(
    layout: Layout,
    start: R::Cursor,
    fetch: Fetch<R>,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> {
    let progress = Progress {
        next: Some(start),
        first: true,
        total: 0,
        fetch,
    };
    stream::unfold(Some(progress), move |progress| async move {
        let mut p = progress?;
        let Some(after) = p.next.take() else {
            // Every page is out: the total row, then the end.
            let Layout::Finance(lang) = layout else {
                return None;
            };
            if !R::TOTAL_ROW {
                return None;
            }
            let cols = R::COLUMNS;
            let row = total_row(cols.zh.len(), cols.amount, lang, p.total);
            let chunk = total_chunk(&row);
            return Some((
                chunk.map_err(actix_web::error::ErrorInternalServerError),
                None,
            ));
        };
        let rows = match (p.fetch)(after).await {
            Ok(rows) => rows,
            Err(e) => {
                let e = actix_web::error::ErrorInternalServerError(e.to_string());
                return Some((Err(e), None));
            }
        };
        p.next = match rows.last() {
            Some(last) if rows.len() == EXPORT_PAGE as usize => Some(last.cursor()),
            _ => None,
        };
        p.total += rows.iter().map(R::cash).sum::<i64>();
        let header = p.first.then(|| headers::<R>(layout));
        p.first = false;
        let chunk =
            chunk(layout, header, &rows).map_err(actix_web::error::ErrorInternalServerError);
        Some((chunk, Some(p)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewards::model::{GrantStatus, LedgerRow, RewardType};

    fn grant(code: &str, rule_id: &str, amount: i64, paid_at: Option<i64>) -> LedgerRow {
        LedgerRow {
            campaign: "tea".into(),
            id: "g1".into(),
            code: code.into(),
            phone: Some("13800138000".into()),
            rule_id: rule_id.into(),
            reward_type: RewardType::Cash,
            amount,
            currency: "CNY".into(),
            status: GrantStatus::Paid,
            granted_at: 1_764_768_313_120,
            paid_at,
            payout_id: paid_at.map(|_| "b1".into()),
        }
    }

    #[test]
    fn records_are_quoted_neutralised_and_formatted_cell_by_cell() {
        let rows = [
            grant("=cmd", "say \"hi\", twice", -150, Some(1_764_768_314_000)),
            grant("ab12", "line\nbreak", 500, None),
        ];
        let header = crate::rewards::ledger::COLUMNS;
        let contract = chunk(Layout::Contract, Some(&header[..]), &rows).unwrap();
        assert_eq!(
            std::str::from_utf8(&contract).unwrap(),
            "\u{feff}grant_id,participant_code,phone_masked,rule_id,reward_type,amount,currency,status,granted_at,paid_at,payout_id\n\
             g1,'=cmd,138****8000,\"say \"\"hi\"\", twice\",cash,'-150,CNY,paid,2025-12-03T13:25:13.120+00:00,2025-12-03T13:25:14+00:00,b1\n\
             g1,ab12,138****8000,\"line\nbreak\",cash,500,CNY,paid,2025-12-03T13:25:13.120+00:00,,\n"
        );
        let finance = chunk(Layout::Finance(Lang::Zh), None, &rows[..1]).unwrap();
        assert_eq!(
            std::str::from_utf8(&finance).unwrap(),
            "tea,g1,'=cmd,138****8000,\"say \"\"hi\"\", twice\",现金,-1.50,,CNY,已支付,2025-12-03 21:25:13,2025-12-03 21:25:14,b1\n"
        );
        let total = total_chunk(&total_row(4, 2, Lang::En, 12_345)).unwrap();
        assert_eq!(&total[..], b"Total,,123.45,\n");
    }

    #[test]
    fn formulas_are_neutralised_and_plain_text_kept() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("138****8000"), "138****8000");
    }
}

//! Exports as CSV, streamed: UTF-8 with a BOM (for Excel), pages read by keyset and
//! written as they come, so a million rows never sit in memory. Cells a spreadsheet
//! would run as formulas are neutralised. The finance layout ends with a total row.

use actix_web::web::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{stream, Stream};

use super::export_store::EXPORT_PAGE;
use super::finance_format::{beijing_text, yuan, Cell, Lang, Layout};
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

fn text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => neutralise(s).into_owned(),
        Cell::Yuan(fen) => yuan(*fen),
        Cell::Int(n) => n.to_string(),
        Cell::Time(ms) => beijing_text(*ms),
        Cell::Empty => String::new(),
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

fn chunk(header: Option<&[&str]>, rows: Vec<Vec<String>>) -> Result<Bytes, csv::Error> {
    let mut out = Vec::with_capacity(rows.len() * 160 + 200);
    if header.is_some() {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        if let Some(header) = header {
            writer.write_record(header)?;
        }
        for row in rows {
            writer.write_record(row)?;
        }
        writer.flush()?;
    }
    Ok(Bytes::from(out))
}

fn render<R: ExportRow>(layout: Layout, row: &R) -> Vec<String> {
    match layout {
        Layout::Contract => row
            .cells()
            .iter()
            .map(|c| neutralise(c).into_owned())
            .collect(),
        Layout::Finance(lang) => row.finance(lang).iter().map(text).collect(),
    }
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
            let chunk = chunk(None, vec![row.iter().map(text).collect()]);
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
        let cells = rows.iter().map(|r| render(layout, r)).collect();
        let chunk = chunk(header, cells).map_err(actix_web::error::ErrorInternalServerError);
        Some((chunk, Some(p)))
    })
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

//! Exports as XLSX: written row by row in constant memory on a blocking thread to a
//! temporary file, then streamed. The finance layout has real numbers in yuan (format
//! `0.00`), Beijing times as Excel dates, a frozen bold header, column widths and a
//! total row; the contract layout keeps the CSV's columns with `amount` as a number.

use std::io::Read;
use std::path::PathBuf;

use actix_web::web::{self, Bytes};
use futures_util::{stream, Stream};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::export_csv::{total_row, Fetch};
use super::export_store::EXPORT_PAGE;
use super::finance_format::{excel_serial, Cell, Layout};
use super::ledger::ExportRow;
use crate::http::error::ApiError;

struct Formats {
    header: Format,
    money: Format,
    time: Format,
    total: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new().set_bold(),
            money: Format::new().set_num_format("0.00"),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            total: Format::new().set_bold().set_num_format("0.00"),
        }
    }
}

fn write_cell(
    sheet: &mut Worksheet,
    f: &Formats,
    (row, col): (u32, u16),
    cell: &Cell,
    bold: bool,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(s) if bold => sheet.write_string_with_format(row, col, s, &f.header)?,
        Cell::Text(s) => sheet.write_string(row, col, s)?,
        Cell::Yuan(fen) if bold => {
            sheet.write_number_with_format(row, col, *fen as f64 / 100.0, &f.total)?
        }
        Cell::Yuan(fen) => {
            sheet.write_number_with_format(row, col, *fen as f64 / 100.0, &f.money)?
        }
        Cell::Int(n) => sheet.write_number(row, col, *n as f64)?,
        Cell::Time(ms) => sheet.write_number_with_format(row, col, excel_serial(*ms), &f.time)?,
        Cell::Empty => sheet,
    };
    Ok(())
}

/// Writes the sheet from pages arriving on `pages`.
fn write<R: ExportRow>(
    layout: Layout,
    mut pages: tokio::sync::mpsc::Receiver<Vec<R>>,
    out: PathBuf,
) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    let f = Formats::new();
    let cols = R::COLUMNS;
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name(cols.sheet)?;
    let headers = match layout {
        Layout::Contract => cols.contract,
        Layout::Finance(lang) => {
            sheet.set_freeze_panes(1, 0)?;
            for (col, width) in cols.widths.iter().enumerate() {
                sheet.set_column_width(col as u16, *width)?;
            }
            cols.finance(lang)
        }
    };
    for (col, name) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, &f.header)?;
    }
    let (mut row_no, mut total) = (1u32, 0i64);
    while let Some(rows) = pages.blocking_recv() {
        for row in rows {
            total += row.cash();
            match layout {
                Layout::Contract => {
                    for (col, text) in row.cells().iter().enumerate() {
                        let cell = match col {
                            5 => Cell::Int(text.parse().unwrap_or_default()),
                            _ => Cell::Text(text.clone()),
                        };
                        write_cell(sheet, &f, (row_no, col as u16), &cell, false)?;
                    }
                }
                Layout::Finance(lang) => {
                    for (col, cell) in row.finance(lang).iter().enumerate() {
                        write_cell(sheet, &f, (row_no, col as u16), cell, false)?;
                    }
                }
            }
            row_no += 1;
        }
    }
    if let Layout::Finance(lang) = layout {
        let row = total_row(headers.len(), cols.amount, lang, total);
        for (col, cell) in row.iter().enumerate() {
            write_cell(sheet, &f, (row_no, col as u16), cell, true)?;
        }
    }
    workbook.save(&out)
}

/// The export as XLSX, in `dir` while it is written.
pub async fn stream<R: ExportRow>(
    layout: Layout,
    start: R::Cursor,
    fetch: Fetch<R>,
    dir: PathBuf,
) -> Result<impl Stream<Item = Result<Bytes, actix_web::Error>>, ApiError> {
    std::fs::create_dir_all(&dir).map_err(ApiError::internal)?;
    let path = dir.join(format!("{}.xlsx", uuid::Uuid::now_v7().simple()));
    let (pages, receive) = tokio::sync::mpsc::channel::<Vec<R>>(2);
    let out = path.clone();
    let writer = tokio::task::spawn_blocking(move || write(layout, receive, out));
    let mut cursor = start;
    loop {
        let rows = fetch(cursor.clone()).await?;
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

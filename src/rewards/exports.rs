//! The finance exports as use cases: which export, of what, in which file type and
//! layout; each gives a streamed body.

use std::sync::Arc;

use actix_web::web::Bytes;
use futures_util::stream::{LocalBoxStream, StreamExt};

use super::export_csv::{self, Fetch};
use super::export_store::{self as store, Scope, ENTRY_KINDS, EXPORT_PAGE, GRANT_STATUSES};
use super::export_xlsx;
use super::finance_format::{ExportQuery, Lang, Layout};
use super::ledger::ExportRow;
use super::model::{JournalRow, LedgerRow};
use crate::http::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Csv,
    Xlsx,
}

impl FileType {
    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Csv => "text/csv; charset=utf-8",
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Csv => "csv",
            FileType::Xlsx => "xlsx",
        }
    }

    /// CSV keeps the contract's columns for API clients; a spreadsheet is for people.
    fn default_layout(self) -> Layout {
        match self {
            FileType::Csv => Layout::Contract,
            FileType::Xlsx => Layout::Finance(Lang::Zh),
        }
    }
}

pub type Body = LocalBoxStream<'static, Result<Bytes, actix_web::Error>>;

async fn body<R: ExportRow>(
    state: &AppState,
    file: FileType,
    layout: Layout,
    start: R::Cursor,
    fetch: Fetch<R>,
) -> Result<Body, ApiError> {
    Ok(match file {
        FileType::Csv => export_csv::stream(layout, start, fetch).boxed_local(),
        FileType::Xlsx => {
            let dir = state.settings.data_dir.join("exports");
            export_xlsx::stream(layout, start, fetch, dir)
                .await?
                .boxed_local()
        }
    })
}

/// The ledger: every grant as it stands, granted in the range, among the statuses.
pub async fn ledger(
    state: &AppState,
    scope: Scope,
    file: FileType,
    query: &ExportQuery,
) -> Result<Body, ApiError> {
    let layout = query.layout(file.default_layout())?;
    let filter = Arc::new(query.filter(&GRANT_STATUSES)?);
    let start = (filter.from_ms, String::new());
    let db = state.db.clone();
    let fetch: Fetch<LedgerRow> = Box::new(move |after| {
        let (db, scope, filter) = (db.clone(), scope.clone(), filter.clone());
        Box::pin(async move { store::ledger_page(&db, &scope, &filter, &after, EXPORT_PAGE).await })
    });
    body(state, file, layout, start, fetch).await
}

/// The journal: every ledger entry written in the range, among the kinds, oldest first.
pub async fn journal(
    state: &AppState,
    scope: Scope,
    file: FileType,
    query: &ExportQuery,
) -> Result<Body, ApiError> {
    let layout = query.layout(file.default_layout())?;
    let filter = Arc::new(query.filter(&ENTRY_KINDS)?);
    let db = state.db.clone();
    let fetch: Fetch<JournalRow> = Box::new(move |after| {
        let (db, scope, filter) = (db.clone(), scope.clone(), filter.clone());
        Box::pin(async move { store::journal_page(&db, &scope, &filter, after, EXPORT_PAGE).await })
    });
    body(state, file, layout, 0, fetch).await
}

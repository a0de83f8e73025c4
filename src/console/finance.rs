//! Finance's books in the console (`/admin/finance`): the ledger (one row per grant as it
//! stands) and the journal (every entry as written), filtered by campaign and Beijing
//! days, 50 rows a page, in the same columns as the downloads beside them. The downloads
//! are the API's exports under /admin, so the console's session cookie reaches them.
//! Finance and admin only; the payout batches and reconciliation are `finance_payouts`
//! and `finance_reconcile`.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use super::error::ConsoleError;
use super::render::page_with_status;
use super::session::{Console, Lang};
use crate::auth::FinanceAccess;
use crate::campaigns::service::{list, load};
use crate::http::cursor;
use crate::rewards::export_store::{self as store, Scope, ENTRY_KINDS, GRANT_STATUSES};
use crate::rewards::exports::FileType;
use crate::rewards::finance_format::{self as fmt, beijing_text, Cell, ExportQuery, RowFilter};
use crate::rewards::ledger::ExportRow;
use crate::rewards::model::{JournalRow, LedgerRow};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    cfg.service(show).service(download)
}

const PAGE: i64 = 50;

/// The filters as typed (kept when one is wrong) and the page's cursor.
#[derive(Debug, Default, Deserialize, Serialize, Clone)]
#[serde(default)]
pub(super) struct BooksQuery {
    /// `ledger` (default) or `journal`.
    pub book: String,
    /// A campaign's slug; empty for every campaign.
    pub campaign: String,
    /// Beijing days, "2026-12-03", inclusive.
    pub from: String,
    pub to: String,
    pub cursor: String,
}

fn given(raw: &str) -> Option<String> {
    Some(raw.trim().to_owned()).filter(|s| !s.is_empty())
}

impl BooksQuery {
    fn journal(&self) -> bool {
        self.book == "journal"
    }

    /// The export's options for these filters, in `lang` (`zh` or `en`).
    fn export(&self, lang: Option<&str>) -> ExportQuery {
        ExportQuery {
            campaign: given(&self.campaign),
            lang: lang.map(str::to_owned),
            from: given(&self.from),
            to: given(&self.to),
            status: None,
        }
    }

    /// This page's address (or a download's) with the same filters.
    fn href(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let mut pairs = vec![
            ("campaign", self.campaign.as_str()),
            ("from", &self.from),
            ("to", &self.to),
        ];
        pairs.extend_from_slice(extra);
        let query: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v.trim(), NON_ALPHANUMERIC)))
            .collect();
        format!("{path}?{}", query.join("&"))
    }
}

/// A cell as the page shows it: its text and how it aligns.
#[derive(Serialize)]
struct Shown {
    text: String,
    /// `num`, `time` or `text`.
    kind: &'static str,
}

fn shown(cell: Cell) -> Shown {
    let (text, kind) = match cell {
        Cell::Text(t) => (t, "text"),
        Cell::Yuan(fen) => (fmt::yuan(fen), "num"),
        Cell::Int(n) => (n.to_string(), "num"),
        Cell::Time(ms) => (beijing_text(ms), "time"),
        Cell::Empty => (String::new(), "text"),
    };
    Shown { text, kind }
}

/// How a page's cursor is written in a link.
trait Cursor: Sized {
    fn write(&self) -> String;
    fn read(raw: &str) -> Option<Self>;
}

impl Cursor for (i64, String) {
    fn write(&self) -> String {
        cursor::encode(self.0, &self.1)
    }
    fn read(raw: &str) -> Option<Self> {
        cursor::parse(raw)
    }
}

impl Cursor for i64 {
    fn write(&self) -> String {
        self.to_string()
    }
    fn read(raw: &str) -> Option<Self> {
        raw.parse().ok()
    }
}

/// One page of a book as the template shows it.
#[derive(Serialize)]
struct Book {
    headers: &'static [&'static str],
    rows: Vec<Vec<Shown>>,
    /// Cash on this page, in yuan.
    page_cash: String,
    amount_column: usize,
    /// Columns after the amount, for the total row.
    after_amount: usize,
    next_cursor: Option<String>,
}

fn book<R: ExportRow>(mut rows: Vec<R>, lang: fmt::Lang) -> Book
where
    R::Cursor: Cursor,
{
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    Book {
        headers: R::COLUMNS.finance(lang),
        page_cash: fmt::yuan(rows.iter().map(ExportRow::cash).sum()),
        amount_column: R::COLUMNS.amount,
        after_amount: R::COLUMNS.zh.len() - R::COLUMNS.amount - 1,
        next_cursor: more
            .then(|| rows.last().map(|r| r.cursor().write()))
            .flatten(),
        rows: rows
            .iter()
            .map(|r| r.finance(lang).into_iter().map(shown).collect())
            .collect(),
    }
}

/// The page of the book the query asks for; `Err` names a filter's mistake.
async fn read_book(
    state: &AppState,
    q: &BooksQuery,
    lang: fmt::Lang,
) -> Result<Result<Book, &'static str>, ConsoleError> {
    let export = q.export(None);
    let known: &[&'static str] = if q.journal() {
        &ENTRY_KINDS
    } else {
        &GRANT_STATUSES
    };
    let Ok(filter): Result<RowFilter, _> = export.filter(known) else {
        return Ok(Err("error_days"));
    };
    let scope = match &export.campaign {
        Some(slug) => Scope::Campaign(load(&state.db, slug).await?.id),
        None => Scope::All,
    };
    let cursor = given(&q.cursor);
    Ok(Ok(if q.journal() {
        let after = cursor.as_deref().and_then(i64::read).unwrap_or(0);
        let rows: Vec<JournalRow> =
            store::journal_page(&state.db, &scope, &filter, after, PAGE + 1).await?;
        book(rows, lang)
    } else {
        let start = (filter.from_ms, String::new());
        let after = cursor.as_deref().and_then(<(i64, String)>::read);
        let rows: Vec<LedgerRow> = store::ledger_page(
            &state.db,
            &scope,
            &filter,
            &after.unwrap_or(start),
            PAGE + 1,
        )
        .await?;
        book(rows, lang)
    }))
}

/// The campaigns to choose from: (slug, title), newest first.
pub(super) async fn campaign_choices(
    state: &AppState,
) -> Result<Vec<(String, String)>, ConsoleError> {
    let campaigns = list(&state.db, None, 500, 0).await?;
    Ok(campaigns
        .into_iter()
        .map(|c| (c.slug.as_str().to_owned(), c.title))
        .collect())
}

pub(super) fn finance_lang(lang: Lang) -> fmt::Lang {
    match lang {
        Lang::Zh => fmt::Lang::Zh,
        Lang::En => fmt::Lang::En,
    }
}

#[get("/admin/finance")]
async fn show(
    console: Console<FinanceAccess>,
    state: web::Data<AppState>,
    query: web::Query<BooksQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let mut q = query.into_inner();
    if !q.journal() {
        q.book = "ledger".into();
    }
    let mut ctx = tera::Context::new();
    let status = match read_book(&state, &q, finance_lang(console.lang)).await? {
        Ok(book) => {
            let next = book.next_cursor.as_deref().map(|c| {
                q.href(
                    "/admin/finance",
                    &[("book", q.book.as_str()), ("cursor", c)],
                )
            });
            ctx.insert("next", &next);
            ctx.insert("book", &book);
            StatusCode::OK
        }
        Err(key) => {
            ctx.insert("error", key);
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let file = |ext: &str, lang: &str| {
        q.href(
            &format!("/admin/finance/{}.{ext}", q.book),
            &[("lang", lang)],
        )
    };
    ctx.insert(
        "downloads",
        &[
            ("xlsx_zh", file("xlsx", "zh")),
            ("xlsx_en", file("xlsx", "en")),
            ("csv_zh", file("csv", "zh")),
            ("csv_en", file("csv", "en")),
        ],
    );
    ctx.insert(
        "tabs",
        &[
            ("ledger", q.href("/admin/finance", &[("book", "ledger")])),
            ("journal", q.href("/admin/finance", &[("book", "journal")])),
        ],
    );
    ctx.insert(
        "first_page",
        &given(&q.cursor).map(|_| q.href("/admin/finance", &[("book", q.book.as_str())])),
    );
    ctx.insert("campaigns", &campaign_choices(&state).await?);
    ctx.insert("q", &q);
    ctx.insert("section", "books");
    Ok(page_with_status(
        &state,
        &console,
        status,
        "console/finance.html",
        ctx,
    ))
}

/// A download of a book with the page's filters: the API's export, finance's layout.
#[get("/admin/finance/{book:ledger|journal}.{ext:csv|xlsx}")]
async fn download(
    _: Console<FinanceAccess>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<BooksQuery>,
    lang: web::Query<LangQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let (book, ext) = path.into_inner();
    let file = if ext == "xlsx" {
        FileType::Xlsx
    } else {
        FileType::Csv
    };
    // A person downloads: always finance's layout, in Chinese unless asked otherwise.
    let lang = if lang.lang == "en" { "en" } else { "zh" };
    let export = query.export(Some(lang));
    Ok(crate::rewards::finance_export(&state, book == "journal", file, &export).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LangQuery {
    lang: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_filters_and_drop_the_empty_ones() {
        let q = BooksQuery {
            book: "journal".into(),
            campaign: "spring tea".into(),
            from: "2026-12-01".into(),
            ..BooksQuery::default()
        };
        assert_eq!(
            q.href("/admin/finance/journal.xlsx", &[("lang", "en")]),
            "/admin/finance/journal.xlsx?campaign=spring%20tea&from=2026%2D12%2D01&lang=en"
        );
        let export = q.export(Some("zh"));
        assert_eq!(export.to, None);
        assert_eq!(export.campaign.as_deref(), Some("spring tea"));
    }
}

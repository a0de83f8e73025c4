//! A campaign's participants (`/admin/campaigns/{slug}/participants`): search by the last
//! four digits of a phone, a code or a nickname, a state filter, pages of 50 newest
//! first, and the CSV of the current filter. Through participants::search, like the API;
//! every role may look, phones are full only for admins.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use super::error::ConsoleError;
use super::format::{beijing, yuan};
use super::participants_detail;
use super::render::page_with_status;
use super::session::{Console, Lang};
use crate::auth::{ReadAccess, Role};
use crate::campaigns::service::load;
use crate::http::error::ErrorCode;
use crate::participants::export::Reader;
use crate::participants::search::{self, ListQuery, ParticipantSummary, StateFilter};
use crate::participants::search_handlers::{send_csv, CsvQuery};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    // The CSV before `{code}`, so it is not taken for a participant.
    cfg.service(download).service(show);
    participants_detail::configure(cfg)
}

/// The filters as typed, and the page's cursor.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct Query {
    q: String,
    state: String,
    cursor: String,
}

impl Query {
    fn given(s: &str) -> Option<String> {
        Some(s.trim().to_owned()).filter(|s| !s.is_empty())
    }

    fn list(&self) -> ListQuery {
        ListQuery {
            q: Self::given(&self.q),
            state: Self::given(&self.state),
            cursor: Self::given(&self.cursor),
            limit: None,
        }
    }

    /// `q=..&state=..` for links that keep the filter.
    fn filter_params(&self) -> String {
        let enc = |s: &str| utf8_percent_encode(s.trim(), NON_ALPHANUMERIC).to_string();
        format!("q={}&state={}", enc(&self.q), enc(&self.state))
    }
}

#[derive(Serialize)]
struct Row {
    code: String,
    name: String,
    phone: String,
    channel: String,
    status: String,
    inviter: Option<String>,
    referral_state: Option<String>,
    qualified_invites: i64,
    fraud_flags: i64,
    cash_granted: Option<String>,
    created_at: String,
}

impl From<ParticipantSummary> for Row {
    fn from(p: ParticipantSummary) -> Self {
        Row {
            phone: p.phone.or(p.phone_masked).unwrap_or_default(),
            code: p.code,
            name: p.name.unwrap_or_default(),
            channel: p.channel,
            status: p.status.as_str().to_owned(),
            inviter: p.inviter,
            referral_state: p.referral_state.map(|s| s.as_str().to_owned()),
            qualified_invites: p.qualified_invites,
            fraud_flags: p.fraud_flags,
            cash_granted: (p.cash_granted != 0).then(|| yuan(p.cash_granted)),
            created_at: beijing(p.created_at),
        }
    }
}

#[get("/admin/campaigns/{slug}/participants")]
async fn show(
    console: Console<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ConsoleError> {
    let campaign = load(&state.db, &slug).await?;
    let admin = console.user.role == Role::Admin;
    let (rows, next, error) = match search::list(&state, &slug, &query.list(), admin).await {
        Ok(page) => {
            let rows: Vec<Row> = page.items.into_iter().map(Row::from).collect();
            (rows, page.next_cursor, None)
        }
        Err(e) if matches!(e.code(), ErrorCode::InvalidQuery) => {
            (Vec::new(), None, Some(e.message().to_owned()))
        }
        Err(e) => return Err(e.into()),
    };
    let filter = query.filter_params();
    let mut ctx = tera::Context::new();
    ctx.insert(
        "campaign",
        &serde_json::json!({"slug": campaign.slug.as_str(), "title": campaign.title}),
    );
    ctx.insert("q", &*query);
    ctx.insert("states", &StateFilter::ALL.map(StateFilter::as_str));
    ctx.insert("items", &rows);
    ctx.insert("searched", &!query.q.trim().is_empty());
    ctx.insert("next", &next.map(|c| format!("?{filter}&cursor={c}")));
    let first = (!query.cursor.is_empty()).then(|| format!("?{filter}"));
    ctx.insert("first", &first);
    ctx.insert("csv", &format!("participants.csv?{filter}"));
    ctx.insert("full_phones", &admin);
    ctx.insert("error", &error);
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(page_with_status(
        &state,
        &console,
        status,
        "console/participants.html",
        ctx,
    ))
}

/// The CSV of the current filter, as the API gives it (phones full only for admins).
#[get("/admin/campaigns/{slug}/participants.csv")]
async fn download(
    console: Console<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ConsoleError> {
    let query = query.into_inner();
    let csv = CsvQuery {
        q: Query::given(&query.q),
        state: Query::given(&query.state),
        // The file in the console's language.
        lang: (console.lang == Lang::En).then(|| "en".to_owned()),
    };
    let reader = Reader {
        full_phones: console.user.role == Role::Admin,
        actor: console.actor(),
    };
    Ok(send_csv(&state, &slug, csv, reader).await?)
}

//! The audit log for admins (`/admin/audit`): filters, pages of 50 newest first, and for
//! each entry the fields it changed, before and after. Through audit::list, like the API.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use super::error::ConsoleError;
use super::format::beijing;
use super::render::page_with_status;
use super::session::Console;
use crate::audit::diff::{changes, FieldChange};
use crate::audit::views::AuditEntry;
use crate::audit::{self, Filter};
use crate::auth::AdminAccess;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    cfg.service(show)
}

const PAGE: i64 = 50;

/// The filters as typed (kept when one is wrong), and the page's cursor.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct Query {
    campaign: String,
    actor: String,
    action: String,
    /// Beijing days, "2026-12-03".
    since: String,
    until: String,
    cursor: String,
}

#[derive(Serialize)]
struct Row {
    at: String,
    actor: String,
    actor_kind: &'static str,
    action: String,
    campaign: Option<String>,
    /// This page filtered to the entry's campaign.
    campaign_href: Option<String>,
    subject: String,
    changes: Vec<FieldChange>,
}

impl From<AuditEntry> for Row {
    fn from(e: AuditEntry) -> Self {
        Row {
            changes: changes(e.before.as_ref(), e.after.as_ref()),
            at: beijing(e.at),
            actor: e.actor.name,
            actor_kind: e.actor.kind.as_str(),
            action: e.action,
            campaign_href: e.campaign.as_ref().map(|c| {
                let q = Query {
                    campaign: c.clone(),
                    ..Query::default()
                };
                page_href(&q, "")
            }),
            campaign: e.campaign,
            subject: e.subject,
        }
    }
}

/// The start of a Beijing day typed as "2026-12-03" (empty: no bound).
fn beijing_day(raw: &str) -> Result<Option<DateTime<Utc>>, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let day =
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| "请输入日期，如 2026-12-03")?;
    let start = day
        .and_hms_opt(0, 0, 0)
        .ok_or("请输入日期，如 2026-12-03")?;
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).ok_or("时区错误")?;
    Ok(beijing
        .from_local_datetime(&start)
        .single()
        .map(|t| t.with_timezone(&Utc)))
}

fn text(raw: &str) -> Option<String> {
    Some(raw.trim().to_owned()).filter(|s| !s.is_empty())
}

/// This page's address with the same filters and another cursor.
fn page_href(q: &Query, cursor: &str) -> String {
    let pairs = [
        ("campaign", q.campaign.as_str()),
        ("actor", &q.actor),
        ("action", &q.action),
        ("since", &q.since),
        ("until", &q.until),
        ("cursor", cursor),
    ];
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        .collect();
    format!("/admin/audit?{}", query.join("&"))
}

#[get("/admin/audit")]
async fn show(
    console: Console<AdminAccess>,
    state: web::Data<AppState>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ConsoleError> {
    let q = query.into_inner();
    let mut errors = HashMap::new();
    let since = beijing_day(&q.since).unwrap_or_else(|m| {
        errors.insert("since", m);
        None
    });
    // Until the end of the day typed.
    let until = beijing_day(&q.until).unwrap_or_else(|m| {
        errors.insert("until", m);
        None
    });
    let mut ctx = tera::Context::new();
    let mut status = StatusCode::OK;
    if errors.is_empty() {
        let filter = Filter {
            campaign: text(&q.campaign),
            actor: text(&q.actor),
            action: text(&q.action),
            since_ms: since.map(|t| t.timestamp_millis()),
            until_ms: until.map(|t| (t + Duration::days(1)).timestamp_millis()),
            before: None,
        };
        let page = audit::list(&state.db, filter, text(&q.cursor).as_deref(), PAGE).await?;
        let rows: Vec<Row> = page.entries.into_iter().map(Row::from).collect();
        ctx.insert("entries", &rows);
        ctx.insert("older", &page.next_cursor.map(|c| page_href(&q, &c)));
    } else {
        status = StatusCode::UNPROCESSABLE_ENTITY;
        ctx.insert("entries", &Vec::<Row>::new());
        ctx.insert("older", &None::<String>);
    }
    ctx.insert(
        "first_page",
        &(!q.cursor.is_empty()).then(|| page_href(&q, "")),
    );
    ctx.insert("q", &q);
    ctx.insert("errors", &errors);
    Ok(page_with_status(
        &state,
        &console,
        status,
        "console/audit.html",
        ctx,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_beijing_days() {
        let start = beijing_day("2026-12-03").unwrap().unwrap();
        assert_eq!(start.to_rfc3339(), "2026-12-02T16:00:00+00:00");
        assert_eq!(beijing_day(" ").unwrap(), None);
        assert!(beijing_day("12/03").is_err());
    }

    #[test]
    fn the_next_page_keeps_the_filters() {
        let q = Query {
            action: "campaign.changed".into(),
            campaign: "春茶".into(),
            ..Query::default()
        };
        assert_eq!(
            page_href(&q, "1.a"),
            "/admin/audit?campaign=%E6%98%A5%E8%8C%B6&action=campaign%2Echanged&cursor=1%2Ea"
        );
    }
}

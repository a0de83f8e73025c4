//! `/admin/campaigns/{slug}/groups`: the group pool. Every group with members, capacity,
//! held seats, QR code, expiry and coloured warnings; a new group, a new QR code, up and
//! down the fill order, close and reopen; the unmatched events with matching by hand;
//! a member-list import shown as who joins and who leaves before it is applied. The
//! forms are in [`super::groups_forms`]; everything goes through the groups service.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use chrono::Utc;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use super::error::ConsoleError;
use super::format::{beijing, beijing_input};
use super::render::page_with_status;
use super::session::Console;
use crate::auth::{Access, ReadAccess};
use crate::db::time::{from_ms, to_ms};
use crate::groups::model::{EventStatus, Warning};
use crate::groups::service;
use crate::groups::views::{GroupView, ImportReport};
use crate::participants::phone::mask;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    super::groups_forms::configure(cfg.service(show))
}

/// A group as the pool table shows it.
#[derive(Serialize)]
struct GroupRow {
    #[serde(flatten)]
    group: GroupView,
    expires: Option<String>,
    /// `danger` (full, expired), `warn` (nearly full, expiring) or `ok`.
    level: &'static str,
    first: bool,
    last: bool,
}

#[derive(Serialize)]
struct EventRow {
    id: String,
    match_path: String,
    group_name: String,
    kind: String,
    phone_masked: Option<String>,
    member_ref: Option<String>,
    at: String,
}

/// What a form sent, shown back when it was refused, and its field errors.
#[derive(Default, Serialize)]
pub struct FormState {
    /// Which form: `new`, `qr:{group}`, `match:{event}`, `import:{group}`.
    pub form: String,
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
}

/// A member-list import waiting to be applied: its diff and the list itself.
#[derive(Serialize)]
pub struct PendingImport {
    pub group_id: String,
    pub group_name: String,
    pub report: ImportReport,
    pub csv: String,
}

#[derive(Serialize)]
struct GroupsPage {
    slug: String,
    title: String,
    groups: Vec<GroupRow>,
    events: Vec<EventRow>,
    kinds: [&'static str; 4],
    default_expiry: String,
    state: FormState,
    pending: Option<PendingImport>,
    notice: Option<String>,
}

fn level(warnings: &[Warning], closed: bool) -> &'static str {
    if closed {
        return "closed";
    }
    match warnings {
        w if w
            .iter()
            .any(|w| matches!(w, Warning::Full | Warning::QrExpired)) =>
        {
            "danger"
        }
        [] => "ok",
        _ => "warn",
    }
}

/// The pool page, with a refused form's values and errors or an import to confirm.
pub async fn render_pool<A: Access>(
    state: &AppState,
    console: &Console<A>,
    slug: &str,
    status: StatusCode,
    form: FormState,
    pending: Option<PendingImport>,
    notice: Option<String>,
) -> Result<HttpResponse, ConsoleError> {
    let campaign = crate::campaigns::service::load(&state.db, slug).await?;
    let now = to_ms(Utc::now());
    let (groups, _) = service::list(state, slug, now).await?;
    let names: BTreeMap<String, String> = groups
        .iter()
        .map(|g| (g.id.clone(), g.name.clone()))
        .collect();
    let count = groups.len();
    let rows = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let view = GroupView::new(g, now);
            GroupRow {
                level: level(&view.warnings, view.closed),
                expires: view.expires_at.map(beijing),
                group: view,
                first: i == 0,
                last: i + 1 == count,
            }
        })
        .collect();
    let events = service::events(state, slug, EventStatus::Unmatched, None, 200)
        .await?
        .events
        .into_iter()
        .map(|e| EventRow {
            group_name: names.get(&e.group_id).cloned().unwrap_or_default(),
            kind: e.kind.as_str().to_owned(),
            phone_masked: e.phone.as_deref().map(mask),
            member_ref: e.member_ref,
            at: beijing(from_ms(e.occurred_at)),
            match_path: format!(
                "/admin/campaigns/{slug}/group-events/{}/match",
                utf8_percent_encode(&e.id, NON_ALPHANUMERIC)
            ),
            id: e.id,
        })
        .collect();
    let view = GroupsPage {
        slug: campaign.slug.as_str().to_owned(),
        title: campaign.title.clone(),
        groups: rows,
        events,
        kinds: ["general", "regional", "category", "vip"],
        default_expiry: beijing_input(Utc::now() + chrono::Duration::days(7)),
        state: form,
        pending,
        notice,
    };
    let ctx = tera::Context::from_serialize(&view).map_err(anyhow::Error::from)?;
    Ok(page_with_status(
        state,
        console,
        status,
        "console/groups.html",
        ctx,
    ))
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

#[get("/admin/campaigns/{slug}/groups")]
async fn show(
    console: Console<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<Done>,
) -> Result<HttpResponse, ConsoleError> {
    const NOTICES: [&str; 6] = ["created", "qr", "moved", "closed", "matched", "imported"];
    let notice = query
        .done
        .as_deref()
        .filter(|d| NOTICES.contains(d))
        .map(str::to_owned);
    let form = FormState::default();
    render_pool(&state, &console, &slug, StatusCode::OK, form, None, notice).await
}

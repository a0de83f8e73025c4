//! A campaign's dashboard (`/admin/campaigns/{slug}/dashboard`): the funnel, channels,
//! days, generations, retention, budget and top inviters, each as a chart with its numbers
//! in a table. The page's script (static/console/dashboard.js) fetches
//! `dashboard.json` every 30 s while the page is open. Every role may look.

use actix_web::{get, web, HttpResponse};

use super::dashboard_view::DashboardView;
use super::error::ConsoleError;
use super::render::page;
use super::session::Console;
use crate::auth::ReadAccess;
use crate::campaigns::service::load;
use crate::campaigns::Campaign;
use crate::state::AppState;
use crate::stats::service::{stats, AsOf};

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    cfg.service(show).service(figures)
}

/// The campaign and its figures in the reader's language.
async fn view(
    state: &AppState,
    console: &Console<ReadAccess>,
    slug: &str,
) -> Result<(Campaign, DashboardView), ConsoleError> {
    let campaign = load(&state.db, slug).await?;
    let as_of = AsOf {
        now: chrono::Utc::now(),
        offset_minutes: state.settings.report_utc_offset_minutes,
    };
    let stats_view = stats(&state.db, &campaign, as_of).await?;
    let words = &state.console.strings(console.lang)["dashboard"];
    Ok((campaign, DashboardView::new(&stats_view, words)))
}

#[get("/admin/campaigns/{slug}/dashboard")]
async fn show(
    console: Console<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let (campaign, dashboard) = view(&state, &console, &slug).await?;
    let mut ctx = tera::Context::new();
    ctx.insert(
        "campaign",
        &serde_json::json!({"slug": campaign.slug.as_str(), "title": campaign.title}),
    );
    ctx.insert("dash", &dashboard);
    Ok(page(&state, &console, "console/dashboard.html", ctx))
}

/// The same view as JSON, for the page's refresh; never cached.
#[get("/admin/campaigns/{slug}/dashboard.json")]
async fn figures(
    console: Console<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let (_, dashboard) = view(&state, &console, &slug).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(dashboard))
}

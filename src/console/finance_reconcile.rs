//! Reconciliation in the console (`/admin/finance/reconciliation?campaign=SLUG`): a
//! campaign's cash, granted = paid + unpaid + revoked, in total and for each Beijing day
//! of the grants, beside what the journal and the payout results say. Days that disagree
//! are listed in red with what disagrees; balanced days are marked. Through
//! rewards::reconcile, like the API.

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::error::ConsoleError;
use super::finance::campaign_choices;
use super::format::yuan;
use super::render::page;
use super::session::Console;
use crate::auth::FinanceAccess;
use crate::campaigns::service::load;
use crate::rewards::reconcile::reconcile;
use crate::rewards::views::{DaySplit, JournalSums, Split};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    cfg.service(show)
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct Query {
    campaign: String,
}

/// Money split by status, in yuan.
#[derive(Serialize)]
struct Amounts {
    granted: String,
    paid: String,
    unpaid: String,
    revoked: String,
}

impl From<&Split> for Amounts {
    fn from(s: &Split) -> Self {
        Amounts {
            granted: yuan(s.granted),
            paid: yuan(s.paid),
            unpaid: yuan(s.unpaid),
            revoked: yuan(s.revoked),
        }
    }
}

/// The journal's side, in yuan, and which of its sums disagree with the grants.
#[derive(Serialize)]
struct Journal {
    granted: String,
    revoked: String,
    paid: String,
    failed: String,
    granted_off: bool,
    revoked_off: bool,
    paid_off: bool,
}

fn journal(j: &JournalSums, grants: &Split) -> Journal {
    Journal {
        granted: yuan(j.granted),
        revoked: yuan(j.revoked),
        paid: yuan(j.paid),
        failed: yuan(j.failed),
        granted_off: j.granted != grants.granted,
        revoked_off: j.revoked != grants.revoked,
        paid_off: j.paid != grants.paid,
    }
}

#[derive(Serialize)]
struct Day {
    day: String,
    grants: Amounts,
    journal: Journal,
    balanced: bool,
    imbalances: Vec<String>,
}

impl From<DaySplit> for Day {
    fn from(d: DaySplit) -> Self {
        Day {
            grants: Amounts::from(&d.split),
            journal: journal(&d.journal, &d.split),
            day: d.day,
            balanced: d.balanced,
            imbalances: d.imbalances,
        }
    }
}

#[get("/admin/finance/reconciliation")]
async fn show(
    console: Console<FinanceAccess>,
    state: web::Data<AppState>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ConsoleError> {
    let campaigns = campaign_choices(&state).await?;
    let slug = match query.campaign.trim() {
        "" => campaigns.first().map(|c| c.0.clone()),
        slug => Some(slug.to_owned()),
    };
    let mut ctx = tera::Context::new();
    if let Some(slug) = &slug {
        let campaign = load(&state.db, slug).await?;
        let offset = state.settings.report_utc_offset_minutes;
        let view = reconcile(&state.db, &campaign, offset).await?;
        ctx.insert("title", &campaign.title);
        ctx.insert("balanced", &view.balanced);
        ctx.insert("totals", &Amounts::from(&view.totals));
        ctx.insert("journal", &journal(&view.journal, &view.totals));
        ctx.insert(
            "results",
            &[
                yuan(view.payout_results.pending),
                yuan(view.payout_results.paid),
                yuan(view.payout_results.failed),
            ],
        );
        ctx.insert("imbalances", &view.imbalances);
        ctx.insert("unbalanced_days", &view.unbalanced_days);
        let days: Vec<Day> = view.by_day.into_iter().rev().map(Day::from).collect();
        ctx.insert("days", &days);
        ctx.insert("mismatches", &view.mismatches);
        ctx.insert("flagged", &view.flagged_grants);
    }
    ctx.insert("slug", &slug);
    ctx.insert("campaigns", &campaigns);
    ctx.insert("section", "reconcile");
    Ok(page(
        &state,
        &console,
        "console/finance_reconcile.html",
        ctx,
    ))
}

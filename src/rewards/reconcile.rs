//! Reconciliation for finance: cash granted = paid + unpaid + revoked, in total, per rule
//! and per day, checked against the journal (the append-only ledger entries) and the
//! payout results, with the results that contradicted each other.

use std::collections::BTreeMap;

use super::model::{GrantStatus, LedgerEvent, LineStatus};
use super::views::{
    BudgetUse, DaySplit, JournalSums, LineMismatch, ReconciliationView, ResultSums, RuleSplit,
    Split,
};
use super::{payout_store, store};
use crate::campaigns::Campaign;
use crate::db::time::{day, from_ms};
use crate::db::Db;
use crate::http::error::ApiError;

impl Split {
    fn add(&mut self, status: GrantStatus, amount: i64) {
        self.granted += amount;
        match status {
            GrantStatus::Paid => self.paid += amount,
            GrantStatus::Revoked => self.revoked += amount,
            GrantStatus::Granted | GrantStatus::Paying => self.unpaid += amount,
        }
    }
}

impl JournalSums {
    fn add(&mut self, event: LedgerEvent, amount: i64) {
        match event {
            LedgerEvent::Granted => self.granted += amount,
            LedgerEvent::Revoked => self.revoked += amount,
            LedgerEvent::Paid => self.paid += amount,
            LedgerEvent::Failed => self.failed += amount,
            LedgerEvent::Batched | LedgerEvent::Flagged | LedgerEvent::AddressGiven => {}
        }
    }
}

async fn journal(db: &Db, campaign_id: &str) -> anyhow::Result<JournalSums> {
    let mut sums = JournalSums::default();
    for (event, amount) in store::journal_sums(db, campaign_id).await? {
        sums.add(event, amount);
    }
    Ok(sums)
}

/// The journal per reporting day of the grants it is about.
async fn journal_by_day(
    db: &Db,
    campaign_id: &str,
    offset_minutes: i32,
) -> anyhow::Result<BTreeMap<String, JournalSums>> {
    let offset_ms = i64::from(offset_minutes) * 60_000;
    let mut days = BTreeMap::<String, JournalSums>::new();
    for (day_no, event, amount) in store::journal_sums_by_day(db, campaign_id, offset_ms).await? {
        let day = day(from_ms(day_no * 86_400_000), 0);
        days.entry(day).or_default().add(event, amount);
    }
    Ok(days)
}

/// What disagrees between one day's grants and the journal about them.
fn day_imbalances(grants: &Split, journal: &JournalSums) -> Vec<String> {
    [
        (grants.granted, journal.granted, "granted"),
        (grants.revoked, journal.revoked, "revoked"),
        (grants.paid, journal.paid, "paid"),
    ]
    .into_iter()
    .filter(|(a, b, _)| a != b)
    .map(|(a, b, what)| format!("{what}: grants vs journal: {a} != {b}"))
    .collect()
}

/// Each day's split beside its journal; a day only one side knows is listed too.
fn days(
    by_day: BTreeMap<String, Split>,
    mut journal: BTreeMap<String, JournalSums>,
) -> Vec<DaySplit> {
    let mut names: Vec<String> = by_day.keys().chain(journal.keys()).cloned().collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|day| {
            let split = by_day.get(&day).copied().unwrap_or_default();
            let journal = journal.remove(&day).unwrap_or_default();
            let imbalances = day_imbalances(&split, &journal);
            DaySplit {
                day,
                split,
                journal,
                balanced: imbalances.is_empty(),
                imbalances,
            }
        })
        .collect()
}

async fn results(db: &Db, campaign_id: &str) -> anyhow::Result<ResultSums> {
    let mut sums = ResultSums::default();
    for (status, amount) in store::result_sums(db, campaign_id).await? {
        match status {
            LineStatus::Pending => sums.pending += amount,
            LineStatus::Paid => sums.paid += amount,
            LineStatus::Failed => sums.failed += amount,
        }
    }
    Ok(sums)
}

/// What disagrees between the grants, the journal and the payout results.
/// `in_batch` is the cash of grants in a payout batch (`paying`).
fn imbalances(
    grants: &Split,
    in_batch: i64,
    journal: &JournalSums,
    results: &ResultSums,
) -> Vec<String> {
    let checks = [
        (
            grants.granted,
            journal.granted,
            "granted: grants vs journal",
        ),
        (
            grants.revoked,
            journal.revoked,
            "revoked: grants vs journal",
        ),
        (grants.paid, journal.paid, "paid: grants vs journal"),
        (grants.paid, results.paid, "paid: grants vs payout results"),
        (
            journal.failed,
            results.failed,
            "failed: journal vs payout results",
        ),
        (
            in_batch,
            results.pending,
            "in a batch: grants vs pending payout lines",
        ),
    ];
    checks
        .into_iter()
        .filter(|(a, b, _)| a != b)
        .map(|(a, b, what)| format!("{what}: {a} != {b}"))
        .collect()
}

pub async fn reconcile(
    db: &Db,
    campaign: &Campaign,
    day_offset_minutes: i32,
) -> Result<ReconciliationView, ApiError> {
    let mut totals = Split::default();
    let mut by_rule = BTreeMap::<String, Split>::new();
    let mut by_day = BTreeMap::<String, Split>::new();
    let mut in_batch = 0;
    for (rule, status, at, amount) in store::cash_grants(db, &campaign.id).await? {
        if status == GrantStatus::Paying {
            in_batch += amount;
        }
        totals.add(status, amount);
        by_rule.entry(rule).or_default().add(status, amount);
        by_day
            .entry(day(from_ms(at), day_offset_minutes))
            .or_default()
            .add(status, amount);
    }
    let mismatches = payout_store::conflicts(db, &campaign.id).await?;
    let journal = journal(db, &campaign.id).await?;
    let payout_results = results(db, &campaign.id).await?;
    let imbalances = imbalances(&totals, in_batch, &journal, &payout_results);
    let journal_days = journal_by_day(db, &campaign.id, day_offset_minutes).await?;
    let by_day = days(by_day, journal_days);
    let unbalanced_days: Vec<String> = by_day
        .iter()
        .filter(|d| !d.balanced)
        .map(|d| d.day.clone())
        .collect();
    Ok(ReconciliationView {
        currency: campaign.currency().as_str().to_owned(),
        balanced: imbalances.is_empty() && unbalanced_days.is_empty(),
        imbalances,
        journal,
        payout_results,
        totals,
        budget: campaign.budget.map(|b| BudgetUse {
            amount: b.amount,
            granted: campaign.budget_granted,
        }),
        by_rule: by_rule
            .into_iter()
            .map(|(rule_id, split)| RuleSplit { rule_id, split })
            .collect(),
        by_day,
        unbalanced_days,
        mismatches: mismatches
            .into_iter()
            .map(|(payout_id, grant_id, problem)| LineMismatch {
                payout_id,
                grant_id,
                problem,
            })
            .collect(),
        flagged_grants: store::flagged(db, &campaign.id).await?,
    })
}

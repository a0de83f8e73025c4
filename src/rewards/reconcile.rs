//! Reconciliation for finance: cash granted = paid + unpaid + revoked, in total, per rule
//! and per day, with the payout results that contradicted each other.

use std::collections::BTreeMap;

use super::model::GrantStatus;
use super::views::{BudgetUse, DaySplit, LineMismatch, ReconciliationView, RuleSplit, Split};
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

pub async fn reconcile(
    db: &Db,
    campaign: &Campaign,
    day_offset_minutes: i32,
) -> Result<ReconciliationView, ApiError> {
    let mut totals = Split::default();
    let mut by_rule = BTreeMap::<String, Split>::new();
    let mut by_day = BTreeMap::<String, Split>::new();
    for (rule, status, at, amount) in store::cash_grants(db, &campaign.id).await? {
        totals.add(status, amount);
        by_rule.entry(rule).or_default().add(status, amount);
        by_day
            .entry(day(from_ms(at), day_offset_minutes))
            .or_default()
            .add(status, amount);
    }
    let mismatches = payout_store::conflicts(db, &campaign.id).await?;
    Ok(ReconciliationView {
        currency: campaign.currency().as_str().to_owned(),
        balanced: totals.granted == totals.paid + totals.unpaid + totals.revoked,
        totals,
        budget: campaign.budget.map(|b| BudgetUse {
            amount: b.amount,
            granted: campaign.budget_granted,
        }),
        by_rule: by_rule
            .into_iter()
            .map(|(rule_id, split)| RuleSplit { rule_id, split })
            .collect(),
        by_day: by_day
            .into_iter()
            .map(|(day, split)| DaySplit { day, split })
            .collect(),
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

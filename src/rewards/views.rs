//! Rewards as the API shows them.

use actix_web::{HttpResponse, HttpResponseBuilder};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{Grant, GrantFlag, GrantStatus, RewardType};
use crate::db::time::from_ms;

/// A grant in a participant's detail.
#[derive(Serialize, ToSchema)]
pub struct GrantView {
    pub grant_id: String,
    pub rule_id: String,
    /// The grant's identity within its rule: `invite:{id}`, `milestone:{n}:{step}`, `bonus`, `rank:{n}`.
    pub reason: String,
    pub reward_type: RewardType,
    /// Minor units for cash, points for points, 0 otherwise.
    pub amount: i64,
    pub currency: String,
    pub coupon_code: Option<String>,
    pub sku: Option<String>,
    pub status: GrantStatus,
    pub flag: Option<GrantFlag>,
    /// A shipping address was given (physical rewards).
    pub shipping_given: bool,
    pub granted_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<Grant> for GrantView {
    fn from(g: Grant) -> Self {
        GrantView {
            grant_id: g.id,
            rule_id: g.rule_id,
            reason: g.reason,
            reward_type: g.reward_type,
            amount: g.amount,
            currency: g.currency,
            coupon_code: g.coupon_code,
            sku: g.sku,
            status: g.status,
            flag: g.flag,
            shipping_given: g.shipping.is_some(),
            granted_at: from_ms(g.granted_at),
            paid_at: g.paid_at.map(from_ms),
            revoked_at: g.revoked_at.map(from_ms),
        }
    }
}

/// A place on the leaderboard.
#[derive(Serialize, ToSchema)]
pub struct LeaderboardEntryView {
    /// 1-based; ties go to whoever reached the count first.
    pub rank: i64,
    pub code: String,
    pub qualified_invites: i64,
    /// The first character of the name and `**`, or the masked phone.
    pub name_masked: String,
}

/// What a coupon-code import did.
#[derive(Serialize, ToSchema)]
pub struct CouponImportView {
    pub pool: String,
    /// New codes stored.
    pub imported: u64,
    /// Codes sent that the pool already had (or sent twice).
    pub duplicates: u64,
    /// Codes of the pool not yet given out.
    pub available: i64,
}

/// A new payout batch.
#[derive(Serialize, ToSchema)]
pub struct PayoutView {
    /// The merchant batch id (`out_batch_no`).
    pub id: String,
    pub count: i64,
    /// Minor units.
    pub total: i64,
    pub currency: String,
    /// Lines outside WeChat red-envelope limits (1 to 200 yuan), noted in the file.
    pub warnings: usize,
}

/// What the provider reports for one line.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportedStatus {
    Paid,
    Failed,
}

/// One line of the provider's result file.
#[derive(Deserialize, ToSchema)]
pub struct ResultLine {
    pub grant_id: String,
    /// `paid` or `failed` (anything else is refused with `invalid_results`).
    #[schema(value_type = ReportedStatus)]
    pub status: String,
    pub provider_ref: Option<String>,
}

/// What a result file changed.
#[derive(Serialize, ToSchema, Default)]
pub struct ResultsView {
    pub paid: u64,
    pub failed: u64,
    /// Lines that repeated what was already known.
    pub unchanged: u64,
    pub mismatches: Vec<ResultMismatch>,
}

/// A result line that could not be applied: named by `grant_id` (JSON results) or by
/// `out_detail_no` (a provider's result file).
#[derive(Serialize, ToSchema)]
pub struct ResultMismatch {
    pub grant_id: Option<String>,
    pub out_detail_no: Option<String>,
    pub problem: String,
}

/// Money by status (minor units); `granted` is the sum of the other three.
#[derive(Serialize, ToSchema, Default, Clone, Copy)]
pub struct Split {
    pub granted: i64,
    pub paid: i64,
    pub unpaid: i64,
    pub revoked: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RuleSplit {
    pub rule_id: String,
    #[serde(flatten)]
    pub split: Split,
}

/// One reporting day: the cash of the grants made that day by status, and what the
/// journal wrote about those grants; they must agree.
#[derive(Serialize, ToSchema)]
pub struct DaySplit {
    /// The reporting day (`FISSION_REPORT_UTC_OFFSET`, Beijing time by default).
    pub day: String,
    #[serde(flatten)]
    pub split: Split,
    pub journal: JournalSums,
    pub balanced: bool,
    /// What disagrees that day, one sentence each.
    pub imbalances: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BudgetUse {
    pub amount: i64,
    pub granted: i64,
}

/// A payout line whose result contradicted an earlier one.
#[derive(Serialize, ToSchema)]
pub struct LineMismatch {
    pub payout_id: String,
    pub grant_id: String,
    pub problem: Option<String>,
}

/// One reward rule in the stats.
#[derive(Serialize, ToSchema)]
pub struct RuleStats {
    pub rule_id: String,
    pub reward_type: RewardType,
    /// Grants that stand (not revoked).
    pub granted: i64,
    /// Stock or coupon codes left; null for cash and points.
    pub remaining: Option<i64>,
    /// The budget, stock or pool can no longer pay this rule.
    pub exhausted: bool,
}

/// The money side of the stats.
#[derive(Serialize, ToSchema)]
pub struct MoneyStats {
    pub rewards: Vec<RuleStats>,
    /// Grants that stand.
    pub grants: i64,
    /// Cash granted and standing (minor units).
    pub granted_amount: i64,
    pub paid_amount: i64,
    pub currency: String,
    pub budget_remaining: Option<i64>,
}

/// Cash granted, paid, unpaid and revoked, in total, per rule and per day.
#[derive(Serialize, ToSchema)]
pub struct ReconciliationView {
    pub currency: String,
    #[serde(flatten)]
    pub totals: Split,
    /// The grants' statuses, the journal and the payout results agree: the journal
    /// granted, revoked and paid what the grants say (in total and for each day's
    /// grants); the payout results paid what the grants say and failed what the journal
    /// says, and their pending lines carry the grants that are in a batch.
    pub balanced: bool,
    /// What disagrees, one sentence each (empty when balanced).
    pub imbalances: Vec<String>,
    pub journal: JournalSums,
    pub payout_results: ResultSums,
    pub budget: Option<BudgetUse>,
    pub by_rule: Vec<RuleSplit>,
    pub by_day: Vec<DaySplit>,
    /// The days whose grants and journal disagree.
    pub unbalanced_days: Vec<String>,
    pub mismatches: Vec<LineMismatch>,
    /// Grants revoked after they were paid.
    pub flagged_grants: Vec<String>,
}

/// The journal's entries on cash grants, summed by kind (minor units).
#[derive(Serialize, ToSchema, Default, Clone, Copy)]
pub struct JournalSums {
    pub granted: i64,
    pub revoked: i64,
    pub paid: i64,
    pub failed: i64,
}

/// Payout lines summed by result (minor units).
#[derive(Serialize, ToSchema, Default)]
pub struct ResultSums {
    pub pending: i64,
    pub paid: i64,
    pub failed: i64,
}

/// A download that no cache keeps.
pub fn download(content_type: &str, filename: &str) -> HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("Cache-Control", "no-store"));
    response
}

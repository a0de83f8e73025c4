//! Rewards: the rule engine, grants within budget and stock, the append-only ledger,
//! coupon pools, payouts and reconciliation. The leaderboard is here because it pays.

pub mod coupons;
pub mod engine;
pub mod grants;
pub mod leaderboard;
pub mod ledger;
pub mod payouts;

use serde_json::{json, Value};

use crate::db::time::from_ms;
use crate::http::error::ApiError;
use crate::participants::Participant;
use crate::state::AppState;
use crate::with_db;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub id: String,
    pub rule_id: String,
    pub reason: String,
    pub reward_type: String,
    pub amount: i64,
    pub currency: String,
    pub coupon_code: Option<String>,
    pub sku: Option<String>,
    pub status: String,
    pub flag: Option<String>,
    pub shipping: Option<String>,
    pub granted_at: i64,
    pub paid_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub async fn grants_of(
    state: &AppState,
    participant_id: &str,
) -> Result<Vec<GrantRow>, sqlx::Error> {
    with_db!(&*state.db, read, |pool| {
        sqlx::query_as(
            "SELECT id, rule_id, reason, reward_type, amount, currency, coupon_code, sku, status, flag, shipping, granted_at, paid_at, revoked_at \
             FROM grants WHERE participant_id = $1 ORDER BY granted_at, id",
        )
        .bind(participant_id)
        .fetch_all(pool)
        .await
    })
}

/// A participant's grants for the admin detail view.
pub async fn grants_json(state: &AppState, p: &Participant) -> Result<Value, ApiError> {
    let grants = grants_of(state, &p.id).await?;
    Ok(json!(grants
        .iter()
        .map(|g| json!({
            "grant_id": g.id, "rule_id": g.rule_id, "reason": g.reason, "reward_type": g.reward_type,
            "amount": g.amount, "currency": g.currency, "coupon_code": g.coupon_code, "sku": g.sku,
            "status": g.status, "flag": g.flag, "shipping_given": g.shipping.is_some(),
            "granted_at": from_ms(g.granted_at), "paid_at": g.paid_at.map(from_ms), "revoked_at": g.revoked_at.map(from_ms),
        }))
        .collect::<Vec<_>>()))
}

/// The money side of the stats: grants that stand, cash granted and paid.
pub async fn money_stats(
    state: &AppState,
    campaign: &crate::campaigns::Campaign,
) -> Result<Value, ApiError> {
    let (grants, granted, paid): (i64, i64, i64) = with_db!(&*state.db, read, |pool| {
        sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN reward_type = 'cash' THEN amount ELSE 0 END), 0) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN reward_type = 'cash' AND status = 'paid' THEN amount ELSE 0 END), 0) AS BIGINT) \
             FROM grants WHERE campaign_id = $1 AND status <> 'revoked'",
        )
        .bind(&campaign.id)
        .fetch_one(pool)
        .await?
    });
    let mut rules = Vec::new();
    for rule in &campaign.spec.rules {
        let given: i64 = with_db!(&*state.db, read, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM grants WHERE campaign_id = $1 AND rule_id = $2 AND status <> 'revoked'")
                .bind(&campaign.id)
                .bind(&rule.id)
                .fetch_one(pool)
                .await?
        });
        let left: Option<i64> = match &rule.reward {
            crate::campaigns::rules::Reward::Physical { stock, .. } => {
                let used: Option<i64> = with_db!(&*state.db, read, |pool| {
                    sqlx::query_scalar(
                        "SELECT used FROM reward_stock WHERE campaign_id = $1 AND rule_id = $2",
                    )
                    .bind(&campaign.id)
                    .bind(&rule.id)
                    .fetch_optional(pool)
                    .await?
                });
                Some(stock - used.unwrap_or(0))
            }
            crate::campaigns::rules::Reward::Coupon { pool: coupon_pool } => {
                Some(with_db!(&*state.db, read, |pool| {
                    sqlx::query_scalar("SELECT COUNT(*) FROM coupon_codes WHERE campaign_id = $1 AND pool = $2 AND grant_id IS NULL")
                    .bind(&campaign.id)
                    .bind(coupon_pool)
                    .fetch_one(pool)
                    .await?
                }))
            }
            _ => None,
        };
        let budget_left = campaign.budget.map(|b| b.amount - campaign.budget_granted);
        let exhausted = match &rule.reward {
            crate::campaigns::rules::Reward::Cash { amount } => {
                budget_left.is_none_or(|l| l < *amount)
            }
            _ => left.is_some_and(|l| l <= 0),
        };
        rules.push(json!({"rule_id": rule.id, "reward_type": rule.reward.kind(), "granted": given, "remaining": left, "exhausted": exhausted}));
    }
    Ok(json!({
        "rewards": rules,
        "grants": grants,
        "granted_amount": granted,
        "paid_amount": paid,
        "currency": campaign.currency().as_str(),
        "budget_remaining": campaign.budget.map(|b| b.amount - campaign.budget_granted),
    }))
}

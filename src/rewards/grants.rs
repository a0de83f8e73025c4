//! Granting and revoking, inside the caller's transaction. A grant's identity is its
//! reason (campaign, rule, beneficiary, step): a UNIQUE constraint makes replays and
//! races harmless. Money, stock and coupon codes are taken with conditional updates in
//! the same transaction, so nothing is granted past the budget or the stock, on any
//! number of servers.

use crate::campaigns::rules::{Reward, Rule};
use crate::campaigns::Campaign;

pub struct NewGrant<'a> {
    pub campaign: &'a Campaign,
    pub rule: &'a Rule,
    pub participant_id: &'a str,
    pub reason: String,
    pub referral_id: Option<&'a str>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Granted {
    Granted(String),
    /// This reason was granted before.
    Duplicate,
    /// The budget, stock or coupon pool ran out; nothing was granted.
    Exhausted(&'static str),
}

/// Grants and revocations on one transaction; implemented for both backends.
pub(crate) trait GrantTx {
    async fn grant(&mut self, g: &NewGrant<'_>) -> Result<Granted, sqlx::Error>;
    /// Revokes an unpaid grant (budget and stock go back); a paid one is kept and flagged
    /// for finance. Returns true when something changed.
    async fn revoke(
        &mut self,
        grant_id: &str,
        actor: &str,
        note: &str,
        at: i64,
    ) -> Result<bool, sqlx::Error>;
}

const LEDGER: &str = "INSERT INTO ledger_entries (grant_id, campaign_id, event, amount, actor, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7)";

macro_rules! grant_tx_impl {
    ($conn:ty, $take_coupon:expr) => {
        impl GrantTx for $conn {
            async fn grant(&mut self, g: &NewGrant<'_>) -> Result<Granted, sqlx::Error> {
                let tx = self;
                let id = uuid::Uuid::now_v7().to_string();
                let (amount, sku) = match &g.rule.reward {
                    Reward::Cash { amount } => (*amount, None),
                    Reward::Points { points } => (*points, None),
                    Reward::Physical { sku, .. } => (0, Some(sku.as_str())),
                    Reward::Coupon { .. } => (0, None),
                };
                let inserted: Option<String> = sqlx::query_scalar(
                    "INSERT INTO grants (id, campaign_id, participant_id, rule_id, reason, referral_id, reward_type, amount, currency, sku, status, granted_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'granted', $11) \
                     ON CONFLICT (campaign_id, rule_id, participant_id, reason) DO NOTHING RETURNING id",
                )
                .bind(&id)
                .bind(&g.campaign.id)
                .bind(g.participant_id)
                .bind(&g.rule.id)
                .bind(&g.reason)
                .bind(g.referral_id)
                .bind(g.rule.reward.kind())
                .bind(amount)
                .bind(g.campaign.currency().as_str())
                .bind(sku)
                .bind(g.at)
                .fetch_optional(&mut *tx)
                .await?;
                if inserted.is_none() {
                    return Ok(Granted::Duplicate);
                }
                let exhausted = match &g.rule.reward {
                    Reward::Cash { amount } => {
                        let took = sqlx::query(
                            "UPDATE campaigns SET budget_granted = budget_granted + $1 \
                             WHERE id = $2 AND budget_amount IS NOT NULL AND budget_granted + $1 <= budget_amount",
                        )
                        .bind(*amount)
                        .bind(&g.campaign.id)
                        .execute(&mut *tx)
                        .await?;
                        (took.rows_affected() == 0).then_some("budget")
                    }
                    Reward::Physical { stock, .. } => {
                        sqlx::query("INSERT INTO reward_stock (campaign_id, rule_id, used) VALUES ($1, $2, 0) ON CONFLICT (campaign_id, rule_id) DO NOTHING")
                            .bind(&g.campaign.id)
                            .bind(&g.rule.id)
                            .execute(&mut *tx)
                            .await?;
                        let took = sqlx::query("UPDATE reward_stock SET used = used + 1 WHERE campaign_id = $1 AND rule_id = $2 AND used < $3")
                            .bind(&g.campaign.id)
                            .bind(&g.rule.id)
                            .bind(*stock)
                            .execute(&mut *tx)
                            .await?;
                        (took.rows_affected() == 0).then_some("stock")
                    }
                    Reward::Coupon { pool } => {
                        let code: Option<String> = sqlx::query_scalar($take_coupon)
                            .bind(&id)
                            .bind(&g.campaign.id)
                            .bind(pool)
                            .fetch_optional(&mut *tx)
                            .await?;
                        match code {
                            Some(code) => {
                                sqlx::query("UPDATE grants SET coupon_code = $1 WHERE id = $2").bind(code).bind(&id).execute(&mut *tx).await?;
                                None
                            }
                            None => Some("coupon_pool"),
                        }
                    }
                    Reward::Points { .. } => None,
                };
                if let Some(what) = exhausted {
                    // Never committed, so the ledger never saw it.
                    sqlx::query("DELETE FROM grants WHERE id = $1").bind(&id).execute(&mut *tx).await?;
                    return Ok(Granted::Exhausted(what));
                }
                sqlx::query(LEDGER)
                    .bind(&id)
                    .bind(&g.campaign.id)
                    .bind("granted")
                    .bind(amount)
                    .bind("system")
                    .bind(&g.reason)
                    .bind(g.at)
                    .execute(&mut *tx)
                    .await?;
                Ok(Granted::Granted(id))
            }

            async fn revoke(&mut self, grant_id: &str, actor: &str, note: &str, at: i64) -> Result<bool, sqlx::Error> {
                let tx = self;
                let revoked: Option<(String, String, String, i64)> = sqlx::query_as(
                    "UPDATE grants SET status = 'revoked', revoked_at = $1 WHERE id = $2 AND status = 'granted' \
                     RETURNING campaign_id, rule_id, reward_type, amount",
                )
                .bind(at)
                .bind(grant_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((campaign_id, rule_id, reward_type, amount)) = revoked else {
                    // Paid, or in a payout batch: kept, and flagged for finance.
                    let flagged: Option<String> = sqlx::query_scalar(
                        "UPDATE grants SET flag = 'revoked_after_payment' WHERE id = $1 AND status IN ('paid', 'paying') AND flag IS NULL \
                         RETURNING campaign_id",
                    )
                    .bind(grant_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(campaign_id) = flagged {
                        sqlx::query(LEDGER).bind(grant_id).bind(&campaign_id).bind("flagged").bind(0i64).bind(actor).bind(note).bind(at).execute(&mut *tx).await?;
                        return Ok(true);
                    }
                    return Ok(false);
                };
                match reward_type.as_str() {
                    "cash" => {
                        sqlx::query("UPDATE campaigns SET budget_granted = budget_granted - $1 WHERE id = $2")
                            .bind(amount)
                            .bind(&campaign_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    "physical" => {
                        sqlx::query("UPDATE reward_stock SET used = used - 1 WHERE campaign_id = $1 AND rule_id = $2 AND used > 0")
                            .bind(&campaign_id)
                            .bind(&rule_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    _ => {}
                }
                sqlx::query(LEDGER).bind(grant_id).bind(&campaign_id).bind("revoked").bind(amount).bind(actor).bind(note).bind(at).execute(&mut *tx).await?;
                Ok(true)
            }
        }
    };
}

grant_tx_impl!(
    sqlx::SqliteConnection,
    "UPDATE coupon_codes SET grant_id = $1 WHERE id = (SELECT id FROM coupon_codes WHERE campaign_id = $2 AND pool = $3 \
     AND grant_id IS NULL ORDER BY id LIMIT 1) RETURNING code"
);
// Concurrent grants on PostgreSQL each skip codes another transaction is taking.
grant_tx_impl!(
    sqlx::PgConnection,
    "UPDATE coupon_codes SET grant_id = $1 WHERE id = (SELECT id FROM coupon_codes WHERE campaign_id = $2 AND pool = $3 \
     AND grant_id IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING code"
);

//! Reward use cases outside payouts: a participant's grants, the leaderboard, coupon
//! imports and the money side of the stats.

use super::leaderboard;
use super::store;
use super::views::{CouponImportView, GrantView, LeaderboardEntryView, MoneyStats, RuleStats};
use crate::audit::{self, Actor};
use crate::campaigns::rules::Reward;
use crate::campaigns::Campaign;
use crate::db::time::to_ms;
use crate::db::Db;
use crate::http::error::{ApiError, ErrorCode};

pub async fn grants(db: &Db, participant_id: &str) -> Result<Vec<GrantView>, ApiError> {
    let grants = store::grants_of(db, participant_id).await?;
    Ok(grants.into_iter().map(GrantView::from).collect())
}

/// The top `limit` inviters (1..=1000).
pub async fn leaderboard(
    db: &Db,
    campaign: &Campaign,
    limit: i64,
) -> Result<Vec<LeaderboardEntryView>, ApiError> {
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            "limit must be 1..=1000",
        ));
    }
    let entries = leaderboard::top(db, &campaign.id, limit).await?;
    Ok(entries
        .iter()
        .enumerate()
        .map(|(i, e)| LeaderboardEntryView {
            rank: i as i64 + 1,
            code: e.code.clone(),
            qualified_invites: e.qualified_invites,
            name_masked: e.masked_name(),
        })
        .collect())
}

const MAX_CODES: usize = 200_000;

fn valid_pool(pool: &str) -> bool {
    (1..=64).contains(&pool.len())
        && pool
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The codes of a text body, one per line; blank lines are skipped.
fn parse_codes(body: &[u8]) -> Result<Vec<String>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::invalid(ErrorCode::InvalidCodes, "codes must be UTF-8 text"))?;
    let mut codes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.trim().trim_start_matches('\u{feff}');
        if code.is_empty() {
            continue;
        }
        if code.chars().count() > 128 || code.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                ErrorCode::InvalidCodes,
                format!("line {}: a code is at most 128 printable characters", i + 1),
            ));
        }
        codes.push(code.to_owned());
    }
    if codes.is_empty() || codes.len() > MAX_CODES {
        return Err(ApiError::invalid(
            ErrorCode::InvalidCodes,
            format!("send 1 to {MAX_CODES} codes, one per line"),
        ));
    }
    Ok(codes)
}

/// Adds codes to a pool; codes it has are counted as duplicates. Audited with the counts
/// (the codes are the coupons' value and stay out of the log).
pub async fn import_codes(
    db: &Db,
    campaign: &Campaign,
    pool: &str,
    body: &[u8],
    actor: &Actor,
) -> Result<CouponImportView, ApiError> {
    if !valid_pool(pool) {
        return Err(ApiError::invalid(
            ErrorCode::InvalidPool,
            "pool names are 1-64 of a-z, 0-9, - and _",
        ));
    }
    let codes = parse_codes(body)?;
    let sent = codes.len() as u64;
    let now = to_ms(chrono::Utc::now());
    let (campaign_id, pool_name, actor) = (campaign.id.clone(), pool.to_owned(), actor.clone());
    let imported = db
        .write_tx(move |tx| {
            Box::pin(async move {
                let n = store::import_codes(tx, &campaign_id, &pool_name, &codes, now).await?;
                let after = serde_json::json!({"pool": pool_name, "sent": sent, "imported": n});
                let c = Some(campaign_id.as_str());
                audit::record(
                    tx,
                    &actor,
                    "coupons.imported",
                    c,
                    &pool_name,
                    None,
                    Some(after),
                )
                .await?;
                Ok::<_, anyhow::Error>(n)
            })
        })
        .await?;
    Ok(CouponImportView {
        pool: pool.to_owned(),
        imported,
        duplicates: sent - imported,
        available: store::codes_available(db, &campaign.id, pool).await?,
    })
}

/// Grants that stand, cash granted and paid, and what each rule has left.
pub async fn money_stats(db: &Db, campaign: &Campaign) -> Result<MoneyStats, ApiError> {
    let (grants, granted_amount, paid_amount) = store::money_totals(db, &campaign.id).await?;
    let standing = store::standing_by_rule(db, &campaign.id).await?;
    let budget_left = campaign.budget_left();
    let mut rewards = Vec::new();
    for rule in &campaign.spec.rules {
        let remaining = match &rule.reward {
            Reward::Physical { stock, .. } => {
                Some(stock - store::stock_used(db, &campaign.id, &rule.id).await?)
            }
            Reward::Coupon { pool } => Some(store::codes_available(db, &campaign.id, pool).await?),
            _ => None,
        };
        let exhausted = match &rule.reward {
            Reward::Cash { amount } => budget_left.is_none_or(|l| l < *amount),
            _ => remaining.is_some_and(|l| l <= 0),
        };
        rewards.push(RuleStats {
            rule_id: rule.id.clone(),
            reward_type: rule.reward.kind(),
            granted: standing
                .iter()
                .find(|(id, _)| *id == rule.id)
                .map_or(0, |(_, n)| *n),
            remaining,
            exhausted,
        });
    }
    Ok(MoneyStats {
        rewards,
        grants,
        granted_amount,
        paid_amount,
        currency: campaign.currency().as_str().to_owned(),
        budget_remaining: budget_left,
    })
}

//! The finance exports' reads: pages of the ledger and the journal by keyset, for one
//! campaign or all, within a time range and among some statuses.

use anyhow::Context;

use sqlx::postgres::PgRow;

use super::export_sqlite::{self, Columns, Param};
use super::finance_format::RowFilter;
use super::model::{GrantStatus, JournalRow, LedgerEvent, LedgerRow, RewardType};
use crate::db::Db;

pub const EXPORT_PAGE: i64 = 5000;

pub const GRANT_STATUSES: [&str; 4] = ["granted", "paying", "paid", "revoked"];
pub const ENTRY_KINDS: [&str; 7] = [
    "granted",
    "revoked",
    "batched",
    "paid",
    "failed",
    "flagged",
    "address_given",
];

/// One campaign (its id) or every campaign.
#[derive(Clone)]
pub enum Scope {
    Campaign(String),
    All,
}

impl Scope {
    /// The campaign condition and its bound value ('' matches every row with `<>`).
    fn condition(&self, column: &str) -> (String, &str) {
        match self {
            Scope::Campaign(id) => (format!("{column} = $1"), id),
            Scope::All => (format!("{column} <> $1"), ""),
        }
    }
}

/// One page (up to `limit` rows) of the ledger after the cursor (granted_at, id). The `from` bound is in the
/// starting cursor, so the keyset condition stays the only range on the index.
///
/// The pages' joins are CROSS JOINs so that SQLite reads the grants first, in index
/// order, and stops at the limit: left to choose, it scanned the one-row campaigns and
/// participants first and sorted every remaining grant for each page (a million-row
/// export went quadratic). PostgreSQL plans CROSS JOIN with conditions as an inner join.
pub async fn ledger_page(
    db: &Db,
    scope: &Scope,
    filter: &RowFilter,
    after: &(i64, String),
    limit: i64,
) -> anyhow::Result<Vec<LedgerRow>> {
    let (campaign, value) = scope.condition("g.campaign_id");
    let sql = format!(
        "SELECT c.slug AS campaign, g.id, p.code, p.phone, g.rule_id, g.reward_type, g.amount, g.currency, g.status, \
                g.granted_at, g.paid_at, g.payout_id \
         FROM grants g CROSS JOIN participants p CROSS JOIN campaigns c \
         WHERE p.id = g.participant_id AND c.id = g.campaign_id \
           AND {campaign} AND (g.granted_at, g.id) > ($2, $3) AND g.granted_at < $4 \
           AND g.status IN ($5, $6, $7, $8) \
         ORDER BY g.granted_at, g.id LIMIT $9"
    );
    let statuses = filter.padded(&GRANT_STATUSES, 4);
    let mut params = vec![
        Param::Text(value),
        Param::Int(after.0),
        Param::Text(&after.1),
        Param::Int(filter.to_ms),
    ];
    params.extend(statuses.iter().map(|s| Param::Text(s)));
    params.push(Param::Int(limit));
    page(db, &sql, &params, |c| {
        Ok(LedgerRow {
            campaign: c.text(0)?,
            id: c.text(1)?,
            code: c.text(2)?,
            phone: c.opt_text(3)?,
            rule_id: c.text(4)?,
            reward_type: c.parsed(5, RewardType::parse)?,
            amount: c.int(6)?,
            currency: c.text(7)?,
            status: c.parsed(8, GrantStatus::parse)?,
            granted_at: c.int(9)?,
            paid_at: c.opt_int(10)?,
            payout_id: c.opt_text(11)?,
        })
    })
    .await
    .context("reading a page of the ledger")
}

/// One page (up to `limit` rows) of the journal (ledger entries in the order written) after entry `after`.
pub async fn journal_page(
    db: &Db,
    scope: &Scope,
    filter: &RowFilter,
    after: i64,
    limit: i64,
) -> anyhow::Result<Vec<JournalRow>> {
    let (campaign, value) = scope.condition("e.campaign_id");
    let sql = format!(
        "SELECT e.id, e.at, c.slug AS campaign, e.grant_id, g.reward_type, p.code, p.phone, e.event, e.amount, e.actor, e.note \
         FROM ledger_entries e CROSS JOIN grants g CROSS JOIN participants p CROSS JOIN campaigns c \
         WHERE g.id = e.grant_id AND p.id = g.participant_id AND c.id = g.campaign_id \
           AND {campaign} AND e.id > $2 AND e.at >= $3 AND e.at < $4 \
           AND e.event IN ($5, $6, $7, $8, $9, $10, $11) \
         ORDER BY e.id LIMIT $12"
    );
    let kinds = filter.padded(&ENTRY_KINDS, 7);
    let mut params = vec![
        Param::Text(value),
        Param::Int(after),
        Param::Int(filter.from_ms),
        Param::Int(filter.to_ms),
    ];
    params.extend(kinds.iter().map(|k| Param::Text(k)));
    params.push(Param::Int(limit));
    page(db, &sql, &params, |c| {
        Ok(JournalRow {
            id: c.int(0)?,
            at: c.int(1)?,
            campaign: c.text(2)?,
            grant_id: c.text(3)?,
            reward_type: c.parsed(4, RewardType::parse)?,
            code: c.text(5)?,
            phone: c.opt_text(6)?,
            event: c.parsed(7, LedgerEvent::parse)?,
            amount: c.int(8)?,
            actor: c.text(9)?,
            note: c.opt_text(10)?,
        })
    })
    .await
    .context("reading a page of the journal")
}

/// The rows of one page: on SQLite read column by column with `read_sqlite` (in the
/// SELECT's order), on PostgreSQL by sqlx by column name.
async fn page<R>(
    db: &Db,
    sql: &str,
    params: &[Param<'_>],
    read_sqlite: fn(&Columns) -> anyhow::Result<R>,
) -> anyhow::Result<Vec<R>>
where
    R: for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
{
    match db {
        Db::Sqlite { reader, .. } => export_sqlite::rows(reader, sql, params, read_sqlite).await,
        Db::Postgres { pool, .. } => {
            let args = crate::db::statement::arguments::<sqlx::Postgres>(params)
                .map_err(anyhow::Error::msg)?;
            Ok(sqlx::query_as_with(sql, args).fetch_all(pool).await?)
        }
    }
}

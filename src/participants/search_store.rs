//! The reads behind participant lists: one page of a campaign's participants, newest
//! first, after a keyset cursor, narrowed by a search and a state. The SQL is the same
//! on both backends; `substr(phone, 8)` is the last four digits and has its own index.

use anyhow::Context;

use super::model::{ParticipantKind, ParticipantStatus, ReferralState};
use super::search::{ListFilter, Search, StateFilter};
use crate::db::Db;
use crate::with_db;

/// A participant as a list shows them, with their counts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedRow {
    pub id: String,
    pub code: String,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub kind: ParticipantKind,
    pub status: ParticipantStatus,
    pub channel: String,
    pub generation: i64,
    pub created_at: i64,
    pub inviter_code: Option<String>,
    pub referral_state: Option<ReferralState>,
    pub qualified_invites: i64,
    pub fraud_flags: i64,
    /// Cash granted and not revoked, in fen.
    pub cash_granted: i64,
}

const SELECT: &str = "SELECT p.id, p.code, p.phone, p.name, p.kind, p.status, p.channel, p.generation, \
     p.created_at, i.code AS inviter_code, r.state AS referral_state, \
     CAST((SELECT COUNT(*) FROM referrals q WHERE q.inviter_id = p.id AND q.state = 'qualified') AS BIGINT) \
        AS qualified_invites, \
     CAST((SELECT COUNT(*) FROM fraud_flags f WHERE f.participant_id = p.id) AS BIGINT) AS fraud_flags, \
     CAST((SELECT COALESCE(SUM(g.amount), 0) FROM grants g WHERE g.participant_id = p.id \
        AND g.status <> 'revoked' AND g.reward_type = 'cash') AS BIGINT) AS cash_granted \
     FROM participants p LEFT JOIN participants i ON i.id = p.inviter_id \
     LEFT JOIN referrals r ON r.invitee_id = p.id \
     WHERE p.campaign_id = $1 AND (p.created_at < $2 OR (p.created_at = $2 AND p.id < $3))";

fn state_condition(state: StateFilter) -> &'static str {
    match state {
        StateFilter::Lead => " AND p.status = 'lead'",
        StateFilter::Seed => " AND p.kind = 'seed'",
        StateFilter::Joined => " AND p.status = 'joined'",
        StateFilter::Qualified => " AND r.state = 'qualified'",
        StateFilter::Flagged => {
            " AND EXISTS (SELECT 1 FROM fraud_flags f WHERE f.participant_id = p.id)"
        }
        StateFilter::Rewarded => {
            " AND EXISTS (SELECT 1 FROM grants g WHERE g.participant_id = p.id AND g.status <> 'revoked')"
        }
    }
}

/// Up to `limit` participants created before the cursor `(created_at, id)`, newest first.
/// The first page starts at `(i64::MAX, "")`.
pub async fn page(
    db: &Db,
    campaign_id: &str,
    filter: &ListFilter,
    before: &(i64, String),
    limit: i64,
) -> anyhow::Result<Vec<ListedRow>> {
    let mut sql = SELECT.to_owned();
    if let Some(state) = filter.state {
        sql.push_str(state_condition(state));
    }
    // Four digits are the end of a phone (or a code): that search has its own index; a
    // nickname part (LIKE '%..%') can use none.
    match &filter.search {
        Some(search) if search.is_last_four() => {
            sql.push_str(" AND (substr(p.phone, 8) = $4 OR p.code = $5)")
        }
        Some(_) => sql.push_str(" AND (p.code = $4 OR LOWER(p.name) LIKE $5 ESCAPE '\\')"),
        None => {}
    }
    sql.push_str(&format!(
        " ORDER BY p.created_at DESC, p.id DESC LIMIT {}",
        limit.max(0)
    ));
    with_db!(db, read, |pool| {
        let mut q = sqlx::query_as(&sql)
            .bind(campaign_id)
            .bind(before.0)
            .bind(&before.1);
        q = match &filter.search {
            Some(search) if search.is_last_four() => {
                q.bind(search.text.as_str()).bind(search.code())
            }
            Some(search) => q.bind(search.code()).bind(search.name_pattern()),
            None => q,
        };
        q.fetch_all(pool)
            .await
            .context("reading a page of a campaign's participants")
    })
}

impl Search {
    fn code(&self) -> String {
        self.text.to_ascii_lowercase()
    }

    /// `%text%`, lowercased, with LIKE's wildcards taken literally.
    fn name_pattern(&self) -> String {
        let mut pattern = String::from("%");
        for c in self.text.to_lowercase().chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        pattern
    }
}

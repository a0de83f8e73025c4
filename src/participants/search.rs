//! Finding participants: a campaign's people newest first, paged by cursor, searched by
//! the last four digits of a phone, an invite code or a nickname, and narrowed to a
//! state. The API list, its CSV and the console's list all read through [`list`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{ParticipantKind, ParticipantStatus, ReferralState};
use super::phone::mask;
use super::search_store::{self as store, ListedRow};
use crate::campaigns::service::load;
use crate::db::time::from_ms;
use crate::http::cursor;
use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Participants per page unless `limit` says otherwise, and the most one page holds.
pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;
const MAX_SEARCH_CHARS: usize = 64;

/// The list's query string.
#[derive(Debug, Default, Clone, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ListQuery {
    /// The last four digits of a phone (four digits: phones and codes only), an invite
    /// code, or part of a nickname.
    pub q: Option<String>,
    /// `lead` (not in a group), `seed`, `joined` (in a group), `qualified` (their own
    /// referral counts), `flagged` (a fraud rule fired) or `rewarded` (a grant that stands).
    pub state: Option<String>,
    /// `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// 1-500, default 50.
    pub limit: Option<i64>,
}

/// Which participants a list keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StateFilter {
    Lead,
    Seed,
    Joined,
    Qualified,
    Flagged,
    Rewarded,
}

impl StateFilter {
    pub const ALL: [StateFilter; 6] = [
        StateFilter::Lead,
        StateFilter::Seed,
        StateFilter::Joined,
        StateFilter::Qualified,
        StateFilter::Flagged,
        StateFilter::Rewarded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StateFilter::Lead => "lead",
            StateFilter::Seed => "seed",
            StateFilter::Joined => "joined",
            StateFilter::Qualified => "qualified",
            StateFilter::Flagged => "flagged",
            StateFilter::Rewarded => "rewarded",
        }
    }

    fn parse(raw: &str) -> Option<StateFilter> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// What was searched for, trimmed and bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub text: String,
}

impl Search {
    /// Four digits: the end of a phone number (or a code), not part of a nickname.
    pub fn is_last_four(&self) -> bool {
        self.text.len() == 4 && self.text.bytes().all(|b| b.is_ascii_digit())
    }
}

/// The search and state a list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub search: Option<Search>,
    pub state: Option<StateFilter>,
}

fn query_error(message: &str) -> ApiError {
    ApiError::bad_request(ErrorCode::InvalidQuery, message)
}

impl ListQuery {
    pub fn filter(&self) -> Result<ListFilter, ApiError> {
        let search = match self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            None => None,
            Some(q) if q.chars().count() > MAX_SEARCH_CHARS || q.chars().any(char::is_control) => {
                return Err(query_error(
                    "q: at most 64 characters, no control characters",
                ))
            }
            Some(q) => Some(Search { text: q.to_owned() }),
        };
        let state = match self.state.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => Some(StateFilter::parse(raw).ok_or_else(|| {
                query_error("state must be lead, seed, joined, qualified, flagged or rewarded")
            })?),
        };
        Ok(ListFilter { search, state })
    }

    /// Where the page starts: after the cursor's row, or at the newest.
    pub fn start(&self) -> Result<(i64, String), ApiError> {
        match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => Ok((i64::MAX, String::new())),
            Some(raw) => {
                cursor::parse(raw).ok_or_else(|| query_error("cursor is not one this API gave"))
            }
        }
    }

    fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(query_error("limit must be 1-500")),
        }
    }
}

/// A participant in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantSummary {
    pub code: String,
    pub name: Option<String>,
    /// `138****8000`
    pub phone_masked: Option<String>,
    /// The full number: only for the admin role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub kind: ParticipantKind,
    pub status: ParticipantStatus,
    pub channel: String,
    /// The inviter's code.
    pub inviter: Option<String>,
    /// The state of the referral that brought them, when someone invited them.
    pub referral_state: Option<ReferralState>,
    pub generation: i64,
    pub qualified_invites: i64,
    pub fraud_flags: i64,
    /// Cash granted and not revoked, in fen.
    pub cash_granted: i64,
    pub created_at: DateTime<Utc>,
}

impl ParticipantSummary {
    pub fn new(row: ListedRow, full_phone: bool) -> Self {
        ParticipantSummary {
            phone_masked: row.phone.as_deref().map(mask),
            phone: row.phone.filter(|_| full_phone),
            code: row.code,
            name: row.name,
            kind: row.kind,
            status: row.status,
            channel: row.channel,
            inviter: row.inviter_code,
            referral_state: row.referral_state,
            generation: row.generation,
            qualified_invites: row.qualified_invites,
            fraud_flags: row.fraud_flags,
            cash_granted: row.cash_granted,
            created_at: from_ms(row.created_at),
        }
    }
}

/// One page of participants, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantPage {
    pub items: Vec<ParticipantSummary>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// A page of a campaign's participants; full phones only when `full_phones`.
pub async fn list(
    state: &AppState,
    slug: &str,
    query: &ListQuery,
    full_phones: bool,
) -> Result<ParticipantPage, ApiError> {
    let filter = query.filter()?;
    let start = query.start()?;
    let limit = query.limit()?;
    let campaign = load(&state.db, slug).await?;
    let mut rows = store::page(&state.db, &campaign.id, &filter, &start, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = rows
        .last()
        .filter(|_| more)
        .map(|r| cursor::encode(r.created_at, &r.id));
    let items = rows
        .into_iter()
        .map(|r| ParticipantSummary::new(r, full_phones))
        .collect();
    Ok(ParticipantPage { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &str, state: &str) -> ListQuery {
        ListQuery {
            q: Some(q.into()),
            state: Some(state.into()),
            ..Default::default()
        }
    }

    #[test]
    fn searches_and_states_are_parsed_at_the_edge() {
        let f = query(" 8000 ", "flagged").filter().unwrap();
        assert!(f.search.as_ref().is_some_and(Search::is_last_four));
        assert_eq!(f.state, Some(StateFilter::Flagged));
        let f = query("小明", "").filter().unwrap();
        assert!(!f.search.unwrap().is_last_four());
        assert!(query("  ", "").filter().unwrap().search.is_none());
        assert!(query("a\u{0}b", "").filter().is_err());
        assert!(query(&"x".repeat(65), "").filter().is_err());
        assert!(query("", "everyone").filter().is_err());
        let bad_cursor = ListQuery {
            cursor: Some("nope".into()),
            ..Default::default()
        };
        assert!(bad_cursor.start().is_err());
        for bad in [0, 501] {
            let q = ListQuery {
                limit: Some(bad),
                ..Default::default()
            };
            assert!(q.limit().is_err(), "{bad}");
        }
    }
}

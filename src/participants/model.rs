//! What a participant is: kinds, statuses and the referral states, stored as text, and
//! the nickname rule shared by the join form, the public JSON join and seeds.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How the person came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantKind {
    /// Left a phone number on a page or through the public API.
    Lead,
    /// Staff or a KOC created by a marketer to start the chains.
    Seed,
}

crate::text_enum!(ParticipantKind {
    Lead = "lead",
    Seed = "seed",
});

/// Where the person stands in the funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantStatus {
    Lead,
    Seed,
    /// In a group of the campaign.
    Joined,
    /// Left the campaign's groups.
    Left,
}

crate::text_enum!(ParticipantStatus {
    Lead = "lead",
    Seed = "seed",
    Joined = "joined",
    Left = "left",
});

/// A referral from inviter to invitee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferralState {
    /// Waiting for the invitee to join a group.
    Pending,
    /// In the group, waiting out the hold.
    Holding,
    /// Counts for the inviter.
    Qualified,
    /// Held for review (a fraud rule flagged it).
    Held,
    /// Does not count (left during the hold, rejected).
    Cancelled,
}

crate::text_enum!(ReferralState {
    Pending = "pending",
    Holding = "holding",
    Qualified = "qualified",
    Held = "held",
    Cancelled = "cancelled",
});

/// Reads the optional nickname: trimmed, at most 32 characters, no control characters.
pub fn parse_name(raw: Option<&str>) -> Result<Option<String>, &'static str> {
    let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if name.chars().count() > 32 || name.chars().any(char::is_control) {
        return Err("昵称最多32个字符 (name: at most 32 characters, no control characters)");
    }
    Ok(Some(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name(Some("  小明 ")), Ok(Some("小明".into())));
        assert_eq!(parse_name(Some("   ")), Ok(None));
        assert!(parse_name(Some(&"长".repeat(33))).is_err());
        assert!(parse_name(Some("a\u{0}b")).is_err());
    }

    #[test]
    fn serde_names_are_the_stored_ones() {
        for s in ParticipantStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for s in ReferralState::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}

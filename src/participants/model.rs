//! What a participant is: kinds, statuses and the referral states, stored as text, the
//! nickname rule shared by the join form, the public JSON join and seeds, and consent.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::campaigns::Campaign;

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

/// Where a participant gave their consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentChannel {
    /// The form on the campaign's page (`/c/{slug}`).
    Page,
    /// The public JSON API (mini-programs and apps).
    Api,
}

crate::text_enum!(ConsentChannel {
    Page = "page",
    Api = "api",
});

/// What a page shows beside the consent box when the campaign sets no text of its own.
pub const DEFAULT_CONSENT_TEXT: &str = "我同意主办方使用我的手机号联系我参与本活动并发放奖励";

/// The consent text a campaign shows, exactly.
pub fn consent_text(campaign: &Campaign) -> &str {
    campaign
        .spec
        .page
        .consent_text
        .as_deref()
        .unwrap_or(DEFAULT_CONSENT_TEXT)
}

/// Consent as given: when, which text (the sha256 of exactly what was shown), and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub at_ms: i64,
    pub text_sha256: String,
    pub channel: ConsentChannel,
}

impl Consent {
    pub fn given(text: &str, channel: ConsentChannel, at_ms: i64) -> Self {
        Consent {
            at_ms,
            text_sha256: hex::encode(Sha256::digest(text.as_bytes())),
            channel,
        }
    }
}

/// Where a physical prize goes, as the participant's page stores it on their grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShippingAddress {
    pub name: String,
    pub phone: String,
    pub address: String,
}

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
    fn consent_keeps_the_hash_of_the_exact_text() {
        let c = Consent::given("abc", ConsentChannel::Page, 7);
        assert_eq!(
            c.text_sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(Consent::given("abc ", ConsentChannel::Page, 7), c);
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

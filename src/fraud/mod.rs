//! Fraud rules (防刷). Each rule gives a flag with a weight and a reason a marketer can read
//! in Chinese or English; a referral's risk score (0-100) adds its flags' weights, and the
//! campaign's thresholds decide whether it is held for review or rejected. Shared networks
//! are normal (offices, campuses, carrier NAT), so a device, not an address, is the unit,
//! and nothing blocks a person outright. Rules look back: each new piece of evidence (a
//! lead, a quick leave, an import) judges the whole neighbourhood again.

pub mod device;
mod patterns;
pub mod reasons;
pub mod service;
pub mod signals;
pub mod store;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use reasons::{Lang, Rule};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(default)]
pub struct FraudSettings {
    /// Sign-ups from one address within `ip_burst_minutes` that come from at most half as
    /// many devices are flagged past this count (many devices behind one address are not).
    pub ip_burst_leads: u32,
    /// The window of the address and network signals.
    pub ip_burst_minutes: u32,
    /// Leaving the group within this many minutes of joining flags the invitee.
    pub quick_leave_minutes: u32,
    /// A referral whose risk score reaches this is held for review (1-100).
    pub hold_score: u32,
    /// A referral whose risk score reaches this is rejected outright; 0 never rejects.
    pub reject_score: u32,
    /// Patterns over an inviter's invitees (a shared rare phone profile, quick leaves)
    /// are judged from this many invitees on.
    pub pattern_min_invitees: u32,
    /// The share (percent) of an inviter's invitees on one rare phone profile that flags them.
    pub rare_ua_share_percent: u32,
    /// Invitees who have not come back (a page view, a group join) this many hours after
    /// signing up count as gone for the `no_return` pattern.
    pub no_return_hours: u32,
}

impl Default for FraudSettings {
    fn default() -> Self {
        FraudSettings {
            ip_burst_leads: 5,
            ip_burst_minutes: 10,
            quick_leave_minutes: 30,
            hold_score: 50,
            reject_score: 0,
            pattern_min_invitees: 4,
            rare_ua_share_percent: 60,
            no_return_hours: 24,
        }
    }
}

impl FraudSettings {
    /// A message naming the first field out of range.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=100).contains(&self.hold_score) {
            return Err("fraud.hold_score must be 1..=100".into());
        }
        if self.reject_score != 0 && !(self.hold_score..=100).contains(&self.reject_score) {
            return Err("fraud.reject_score must be 0 (never) or hold_score..=100".into());
        }
        if !(1..=100_000).contains(&self.ip_burst_leads)
            || !(1..=1440).contains(&self.ip_burst_minutes)
        {
            return Err(
                "fraud.ip_burst_leads must be 1..=100000 and ip_burst_minutes 1..=1440".into(),
            );
        }
        if !(2..=1000).contains(&self.pattern_min_invitees) {
            return Err("fraud.pattern_min_invitees must be 2..=1000".into());
        }
        if !(1..=720).contains(&self.no_return_hours) {
            return Err("fraud.no_return_hours must be 1..=720".into());
        }
        if !(1..=100).contains(&self.rare_ua_share_percent) {
            return Err("fraud.rare_ua_share_percent must be 1..=100".into());
        }
        Ok(())
    }

    /// What a referral with this risk score becomes.
    pub fn verdict(&self, score: u32) -> Verdict {
        match score {
            s if self.reject_score > 0 && s >= self.reject_score => Verdict::Reject,
            s if s >= self.hold_score => Verdict::Hold,
            _ => Verdict::Pass,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Hold,
    Reject,
}

/// The weight of a flag raised outside the rules' own judgement (a quick leave).
pub const QUICK_LEAVE_WEIGHT: u32 = 50;

/// A referral's risk score, 0-100: its flags' weights added up, at most 100.
pub fn risk_score(weights: impl IntoIterator<Item = u32>) -> u32 {
    weights.into_iter().sum::<u32>().min(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_adds_the_weights_up_to_100() {
        assert_eq!(risk_score([]), 0);
        assert_eq!(risk_score([30, 25]), 55);
        assert_eq!(risk_score([100, 60]), 100);
    }

    #[test]
    fn thresholds_are_validated_and_decide() {
        let s = FraudSettings::default();
        assert!(s.validate().is_ok());
        assert_eq!(
            (s.verdict(49), s.verdict(50), s.verdict(100)),
            (Verdict::Pass, Verdict::Hold, Verdict::Hold)
        );
        let strict = FraudSettings {
            reject_score: 90,
            ..s
        };
        assert_eq!(strict.verdict(95), Verdict::Reject);
        for bad in [
            FraudSettings { hold_score: 0, ..s },
            FraudSettings {
                hold_score: 101,
                ..s
            },
            FraudSettings {
                reject_score: 40,
                ..s
            },
            FraudSettings {
                pattern_min_invitees: 1,
                ..s
            },
            FraudSettings {
                rare_ua_share_percent: 0,
                ..s
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }
}

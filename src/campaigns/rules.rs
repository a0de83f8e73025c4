//! Reward rules as the campaign body states them. Each rule names what earns (kind) and
//! what is given (reward); new activity models (assist, bargain, group-buy) are new kinds.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One way to earn: what earns (`kind`) and what is given (`reward`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct Rule {
    /// 1-32 of a-z, 0-9, - and _; unique in the campaign.
    pub id: String,
    #[serde(flatten)]
    pub kind: RuleKind,
    pub reward: Reward,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    /// N qualified invites earn the reward once.
    Milestone { invites: u32 },
    /// Each qualified invite earns the reward, up to a cap per inviter.
    PerInvite { max_per_inviter: Option<u32> },
    /// The invitee's own reward once qualified (two-sided, 券).
    InviteeBonus,
    /// The top K inviters when the campaign ends (比).
    Leaderboard { top: u32 },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reward {
    Cash {
        amount: i64,
    },
    Coupon {
        pool: String,
    },
    Points {
        points: i64,
    },
    Physical {
        sku: String,
        stock: i64,
        #[serde(default)]
        name: Option<String>,
    },
}

/// What kind of thing a reward is; grants and the ledger carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RewardType {
    Cash,
    Coupon,
    Points,
    Physical,
}

crate::text_enum!(RewardType {
    Cash = "cash",
    Coupon = "coupon",
    Points = "points",
    Physical = "physical",
});

impl Reward {
    /// What the reward costs the budget, in minor units (only cash spends money).
    pub fn cash_amount(&self) -> i64 {
        match self {
            Reward::Cash { amount } => *amount,
            _ => 0,
        }
    }

    pub fn kind(&self) -> RewardType {
        match self {
            Reward::Cash { .. } => RewardType::Cash,
            Reward::Coupon { .. } => RewardType::Coupon,
            Reward::Points { .. } => RewardType::Points,
            Reward::Physical { .. } => RewardType::Physical,
        }
    }

    /// A short label for people ("5.00元红包").
    pub fn label(&self) -> String {
        match self {
            Reward::Cash { amount } => format!("{}元红包", super::money::format_yuan(*amount)),
            Reward::Coupon { pool } => format!("优惠券（{pool}）"),
            Reward::Points { points } => format!("{points}积分"),
            Reward::Physical { sku, name, .. } => name.clone().unwrap_or_else(|| sku.clone()),
        }
    }
}

/// Checks one rule set; returns a message naming the first problem.
pub fn validate(rules: &[Rule]) -> Result<(), String> {
    let mut ids = std::collections::HashSet::new();
    for rule in rules {
        let id_ok = (1..=32).contains(&rule.id.len())
            && rule
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(format!(
                "rule id '{}' must be 1-32 of a-z, 0-9, - and _",
                rule.id
            ));
        }
        if !ids.insert(rule.id.as_str()) {
            return Err(format!("rule id '{}' is used twice", rule.id));
        }
        match rule.kind {
            RuleKind::Milestone { invites } if !(1..=10_000).contains(&invites) => {
                return Err(format!("rule '{}': invites must be 1..=10000", rule.id))
            }
            RuleKind::PerInvite {
                max_per_inviter: Some(0),
            } => {
                return Err(format!(
                    "rule '{}': max_per_inviter must be at least 1",
                    rule.id
                ))
            }
            RuleKind::Leaderboard { top } if !(1..=1000).contains(&top) => {
                return Err(format!("rule '{}': top must be 1..=1000", rule.id))
            }
            _ => {}
        }
        match &rule.reward {
            Reward::Cash { amount } if !(1..=100_000_000).contains(amount) => {
                return Err(format!(
                    "rule '{}': cash amount must be 1..=100000000 (minor units)",
                    rule.id
                ))
            }
            Reward::Points { points } if *points <= 0 => {
                return Err(format!("rule '{}': points must be positive", rule.id))
            }
            Reward::Physical { stock, sku, .. } if *stock < 0 || sku.trim().is_empty() => {
                return Err(format!(
                    "rule '{}': physical rewards need a sku and stock >= 0",
                    rule.id
                ))
            }
            Reward::Coupon { pool } if pool.trim().is_empty() || pool.len() > 64 => {
                return Err(format!(
                    "rule '{}': coupon rewards need a pool name",
                    rule.id
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_example_parses() {
        let rules: Vec<Rule> = serde_json::from_value(serde_json::json!([
            {"id": "m3", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 500}},
            {"id": "pi", "kind": "per_invite", "max_per_inviter": 10, "reward": {"type": "cash", "amount": 100}},
            {"id": "wb", "kind": "invitee_bonus", "reward": {"type": "coupon", "pool": "welcome"}},
            {"id": "lb", "kind": "leaderboard", "top": 3, "reward": {"type": "physical", "sku": "book", "stock": 3}}
        ]))
        .unwrap();
        assert_eq!(rules[0].kind, RuleKind::Milestone { invites: 3 });
        assert_eq!(rules[3].reward.kind(), RewardType::Physical);
        assert!(validate(&rules).is_ok());
    }

    #[test]
    fn duplicate_ids_and_bad_amounts_are_refused() {
        let rule = |id: &str, amount| Rule {
            id: id.into(),
            kind: RuleKind::InviteeBonus,
            reward: Reward::Cash { amount },
        };
        assert!(validate(&[rule("a", 100), rule("a", 100)]).is_err());
        assert!(validate(&[rule("a", 0)]).is_err());
        assert!(validate(&[rule("a b", 10)]).is_err());
    }

    #[test]
    fn labels_read_as_yuan() {
        assert_eq!(Reward::Cash { amount: 505 }.label(), "5.05元红包");
    }
}

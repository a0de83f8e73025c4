//! Fraud rules (防刷). Each rule gives a flag with a reason a marketer can read; a
//! flagged referral is held, not paid, until someone looks at it. Shared IPs are normal
//! (offices, campuses, carrier NAT), so nothing here blocks a person outright.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(default)]
pub struct FraudSettings {
    /// More leads than this from one IP within `ip_burst_minutes` flags the next ones.
    pub ip_burst_leads: u32,
    pub ip_burst_minutes: u32,
    /// Leaving the group within this many minutes of joining flags the invitee.
    pub quick_leave_minutes: u32,
}

impl Default for FraudSettings {
    fn default() -> Self {
        FraudSettings {
            ip_burst_leads: 5,
            ip_burst_minutes: 10,
            quick_leave_minutes: 30,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub rule: &'static str,
    pub reason: String,
}

/// What is known about a new lead when it is captured.
pub struct LeadSignals<'a> {
    pub visitor_hash: Option<&'a str>,
    pub inviter_visitor_hash: Option<&'a str>,
    /// Leads from the same IP in this campaign within the burst window, this one excluded.
    pub recent_from_same_ip: i64,
    /// Another invitee of the same inviter came from this device and network.
    pub sibling_on_same_device: bool,
}

pub fn lead_flags(signals: &LeadSignals, settings: &FraudSettings) -> Vec<Flag> {
    let mut flags = Vec::new();
    if let (Some(mine), Some(theirs)) = (signals.visitor_hash, signals.inviter_visitor_hash) {
        if mine == theirs {
            flags.push(Flag {
                rule: "same_device_as_inviter",
                reason: "同一设备和网络提交了邀请人和被邀请人 (invitee used the inviter's device and network)".into(),
            });
        }
    }
    if signals.sibling_on_same_device {
        flags.push(Flag {
            rule: "shared_device_invitees",
            reason: "同一邀请人的多位好友使用同一设备和网络 (several invitees of one inviter share a device and network)".into(),
        });
    }
    if signals.recent_from_same_ip >= i64::from(settings.ip_burst_leads) {
        flags.push(Flag {
            rule: "ip_burst",
            reason: format!(
                "{}分钟内同一IP已有{}个报名 ({} leads from one IP within {} minutes)",
                settings.ip_burst_minutes,
                signals.recent_from_same_ip,
                signals.recent_from_same_ip,
                settings.ip_burst_minutes
            ),
        });
    }
    flags
}

/// What WeChat says about a new participant (issue 12): the openid they joined from.
pub struct WechatSignals {
    /// Participants of the campaign this openid joined as, this one included.
    pub participants_of_openid: i64,
    /// The inviter is bound to the same openid.
    pub same_as_inviter: bool,
}

pub fn wechat_flags(signals: &WechatSignals) -> Vec<Flag> {
    let mut flags = Vec::new();
    if signals.same_as_inviter {
        flags.push(Flag {
            rule: "same_wechat_as_inviter",
            reason:
                "被邀请人与邀请人是同一个微信号 (the invitee's WeChat account is the inviter's)"
                    .into(),
        });
    }
    if signals.participants_of_openid > 1 {
        flags.push(Flag {
            rule: "wechat_several_phones",
            reason: format!(
                "同一个微信号已用{}个手机号参与 (one WeChat account behind {} phone numbers)",
                signals.participants_of_openid, signals.participants_of_openid
            ),
        });
    }
    flags
}

/// How much one rule's flag says about fraud, out of 100. The inviter's own device is
/// near proof; shared devices and address bursts have innocent causes (families, offices,
/// campus networks); a rule not listed here weighs 25.
pub fn rule_weight(rule: &str) -> u32 {
    match rule {
        "same_device_as_inviter" | "same_wechat_as_inviter" => 60,
        "wechat_several_phones" => 50,
        "shared_device_invitees" => 40,
        "ip_burst" | "quick_leave" => 30,
        _ => 25,
    }
}

/// A referral's risk score, 0-100: the weights of its flags' rules added up, at most 100.
pub fn risk_score<'a>(rules: impl IntoIterator<Item = &'a str>) -> u32 {
    rules.into_iter().map(rule_weight).sum::<u32>().min(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_adds_the_flags_up_to_100() {
        assert_eq!(risk_score([]), 0);
        assert_eq!(risk_score(["ip_burst"]), 30);
        assert_eq!(risk_score(["ip_burst", "quick_leave"]), 60);
        assert_eq!(
            risk_score([
                "same_device_as_inviter",
                "shared_device_invitees",
                "ip_burst"
            ]),
            100
        );
        assert_eq!(risk_score(["something_new"]), 25);
    }

    #[test]
    fn the_inviters_own_device_is_flagged() {
        let s = LeadSignals {
            visitor_hash: Some("a"),
            inviter_visitor_hash: Some("a"),
            recent_from_same_ip: 0,
            sibling_on_same_device: false,
        };
        assert_eq!(
            lead_flags(&s, &FraudSettings::default())[0].rule,
            "same_device_as_inviter"
        );
        let s = LeadSignals {
            visitor_hash: Some("a"),
            inviter_visitor_hash: Some("b"),
            recent_from_same_ip: 0,
            sibling_on_same_device: false,
        };
        assert!(lead_flags(&s, &FraudSettings::default()).is_empty());
    }

    #[test]
    fn one_wechat_account_behind_several_phones_or_the_inviters_is_flagged() {
        let s = |n, same| WechatSignals {
            participants_of_openid: n,
            same_as_inviter: same,
        };
        assert!(wechat_flags(&s(1, false)).is_empty());
        assert_eq!(wechat_flags(&s(2, false))[0].rule, "wechat_several_phones");
        assert_eq!(wechat_flags(&s(1, true))[0].rule, "same_wechat_as_inviter");
        assert_eq!(wechat_flags(&s(3, true)).len(), 2);
    }

    #[test]
    fn bursts_from_one_ip_are_flagged_past_the_threshold() {
        let s = |n| LeadSignals {
            visitor_hash: None,
            inviter_visitor_hash: None,
            recent_from_same_ip: n,
            sibling_on_same_device: false,
        };
        assert!(lead_flags(&s(4), &FraudSettings::default()).is_empty());
        assert_eq!(
            lead_flags(&s(5), &FraudSettings::default())[0].rule,
            "ip_burst"
        );
    }
}

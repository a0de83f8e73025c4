//! WeChat as a fraud signal (issue 12): one openid behind several phone numbers, or an
//! invitee whose openid is their inviter's. Flags carry a reason a marketer can read and
//! a weight toward the referral's risk, like the fraud module's own rules.

use serde_json::{json, Value};

use crate::fraud::reasons;

/// What the openid says about a new participant.
pub struct WechatSignals {
    /// Participants of the campaign this openid joined as, this one included.
    pub participants_of_openid: i64,
    /// The inviter is bound to the same openid.
    pub same_as_inviter: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WechatFlag {
    pub rule: &'static str,
    /// What the reason is rendered from, in either language (`crate::fraud::reasons`).
    pub params: Value,
    pub weight: i64,
}

impl WechatFlag {
    /// Both languages in one line, as every flag's `reason` reads.
    pub fn reason(&self) -> String {
        reasons::bilingual(self.rule, &self.params)
    }
}

pub fn wechat_flags(signals: &WechatSignals) -> Vec<WechatFlag> {
    let mut flags = Vec::new();
    if signals.same_as_inviter {
        flags.push(WechatFlag {
            rule: "same_wechat_as_inviter",
            params: json!({}),
            weight: 60,
        });
    }
    if signals.participants_of_openid > 1 {
        flags.push(WechatFlag {
            rule: "wechat_several_phones",
            params: json!({"count": signals.participants_of_openid}),
            weight: 50,
        });
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            wechat_flags(&s(3, false))[0].reason(),
            "同一个微信号已用3个手机号参与 (one WeChat account behind 3 phone numbers)"
        );
    }
}

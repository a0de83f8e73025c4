//! Every flag is a rule's code with its parameters; the sentence a marketer reads is
//! rendered from them in Chinese or English, so no language is frozen into the database.

use serde_json::Value;

/// The rules, by the code stored with each flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    SameDeviceAsInviter,
    SameNetworkAsInviter,
    SharedDeviceInvitees,
    DeviceReused,
    ManyDevicesOneHint,
    AddressFewDevices,
    RegularIntervals,
    InviterVelocity,
    RareSharedUa,
    ConsecutiveNumbers,
    VirtualOperator,
    QuickLeave,
    SiblingsQuickLeft,
    NoReturn,
    IpBurst,
    SameWechatAsInviter,
    WechatSeveralPhones,
}

crate::text_enum!(Rule {
    SameDeviceAsInviter = "same_device_as_inviter",
    SameNetworkAsInviter = "same_network_as_inviter",
    SharedDeviceInvitees = "shared_device_invitees",
    DeviceReused = "device_reused",
    ManyDevicesOneHint = "many_devices_one_hint",
    AddressFewDevices = "address_few_devices",
    RegularIntervals = "regular_intervals",
    InviterVelocity = "inviter_velocity",
    RareSharedUa = "rare_shared_ua",
    ConsecutiveNumbers = "consecutive_numbers",
    VirtualOperator = "virtual_operator",
    QuickLeave = "quick_leave",
    SiblingsQuickLeft = "siblings_quick_left",
    NoReturn = "no_return",
    IpBurst = "ip_burst",
    SameWechatAsInviter = "same_wechat_as_inviter",
    WechatSeveralPhones = "wechat_several_phones",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

fn n(params: &Value, key: &str) -> i64 {
    params.get(key).and_then(Value::as_i64).unwrap_or_default()
}

/// The reason of a flag in one language. A rule code this build does not know (an older
/// flag) reads as its code.
pub fn render(rule: &str, params: &Value, lang: Lang) -> String {
    let Some(rule) = Rule::parse(rule) else {
        return rule.to_owned();
    };
    let zh = lang == Lang::Zh;
    let (count, minutes, share) = (n(params, "count"), n(params, "minutes"), n(params, "share"));
    match rule {
        Rule::SameDeviceAsInviter => same_device_as_inviter(params, zh).into(),
        Rule::SameNetworkAsInviter if zh => "与邀请人同一网络、同一型号手机和版本".into(),
        Rule::SameNetworkAsInviter => "same network and same phone profile as the inviter".into(),
        Rule::SharedDeviceInvitees if zh => format!("同一邀请人的{count}位好友使用同一设备"),
        Rule::SharedDeviceInvitees => format!("{count} invitees of one inviter share a device"),
        Rule::DeviceReused if zh => format!("同一设备已报名{count}个号码"),
        Rule::DeviceReused => format!("one device signed up {count} numbers"),
        Rule::ManyDevicesOneHint if zh => {
            format!("{minutes}分钟内同一网络、同一手机型号出现{count}个新设备（疑似清除缓存后重复报名）")
        }
        Rule::ManyDevicesOneHint => format!(
            "{count} new devices with one network and phone profile within {minutes} minutes (cookies cleared between sign-ups)"
        ),
        Rule::AddressFewDevices if zh => {
            format!("{minutes}分钟内同一IP有{count}个报名，但只来自少数设备")
        }
        Rule::AddressFewDevices => {
            format!("{count} sign-ups from one address within {minutes} minutes, from few devices")
        }
        Rule::RegularIntervals if zh => format!("{count}位好友报名间隔几乎相同（约{}秒），像脚本", n(params, "seconds")),
        Rule::RegularIntervals => format!(
            "{count} invitees signed up at near-identical intervals (about {} s), like a script",
            n(params, "seconds")
        ),
        Rule::InviterVelocity if zh => {
            format!("邀请人{minutes}分钟内带来{count}位好友，远高于本活动常见水平（{}）", n(params, "normal"))
        }
        Rule::InviterVelocity => format!(
            "the inviter brought {count} invitees within {minutes} minutes, far above this campaign's normal ({})",
            n(params, "normal")
        ),
        Rule::RareSharedUa if zh => {
            format!("邀请人的好友中{share}%使用同一种少见的手机型号和版本")
        }
        Rule::RareSharedUa => {
            format!("{share}% of the inviter's invitees use one rare phone profile")
        }
        Rule::ConsecutiveNumbers if zh => format!("邀请人的{count}位好友手机号连续或几乎连续"),
        Rule::ConsecutiveNumbers => {
            format!("{count} of the inviter's invitees have consecutive or near-consecutive numbers")
        }
        Rule::VirtualOperator if zh => format!("虚拟运营商号段（邀请人的好友中占{share}%）"),
        Rule::VirtualOperator => {
            format!("a virtual-operator number ({share}% of the inviter's invitees)")
        }
        Rule::QuickLeave if zh => format!("入群{minutes}分钟内退群"),
        Rule::QuickLeave => format!("left the group {minutes} minutes after joining"),
        Rule::SiblingsQuickLeft if zh => format!("同一邀请人的{count}位好友入群后很快退群"),
        Rule::SiblingsQuickLeft => {
            format!("{count} invitees of the same inviter left their group soon after joining")
        }
        Rule::NoReturn if zh => {
            format!("邀请人的好友中{share}%报名后再未访问、也未入群")
        }
        Rule::NoReturn => format!(
            "{share}% of the inviter's invitees never came back or joined a group after signing up"
        ),
        Rule::IpBurst if zh => format!("{minutes}分钟内同一IP已有{count}个报名"),
        Rule::IpBurst => format!("{count} leads from one IP within {minutes} minutes"),
        Rule::SameWechatAsInviter if zh => "被邀请人与邀请人是同一个微信号".into(),
        Rule::SameWechatAsInviter => "the invitee's WeChat account is the inviter's".into(),
        Rule::WechatSeveralPhones if zh => format!("同一个微信号已用{count}个手机号参与"),
        Rule::WechatSeveralPhones => format!("one WeChat account behind {count} phone numbers"),
    }
}

fn same_device_as_inviter(params: &Value, zh: bool) -> &'static str {
    match (params.get("via").and_then(Value::as_str), zh) {
        (Some("network"), true) => "同一设备和网络提交了邀请人和被邀请人",
        (Some("network"), false) => "invitee used the inviter's device and network",
        (Some("participant_cookie"), true) => "在邀请人本人报名过的同一设备上报名",
        (Some("participant_cookie"), false) => "signed up in the browser the inviter joined from",
        (_, true) => "与邀请人使用同一设备报名（切换网络也不变）",
        (_, false) => "signed up on the inviter's own device (whatever the network)",
    }
}

/// Both languages in one line, as the `reason` field has always read.
pub fn bilingual(rule: &str, params: &Value) -> String {
    format!(
        "{} ({})",
        render(rule, params, Lang::Zh),
        render(rule, params, Lang::En)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_rule_reads_in_both_languages() {
        let params = json!({"count": 3, "minutes": 10, "share": 80, "seconds": 5, "normal": 2});
        for rule in Rule::ALL {
            let zh = render(rule.as_str(), &params, Lang::Zh);
            let en = render(rule.as_str(), &params, Lang::En);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(en.is_ascii() && en.len() > 10, "{en}");
        }
        assert!(
            bilingual("quick_leave", &json!({"minutes": 4})).starts_with("入群4分钟内退群 (left")
        );
        assert_eq!(render("retired_rule", &params, Lang::En), "retired_rule");
    }
}

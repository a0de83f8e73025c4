//! Which device a request comes from. The visitor cookie (`fx_v`, signed, set on the first
//! page view) survives network changes; a client without one (the JSON API) is known only
//! by its network and browser, a weak hint that families and offices share. The browser
//! profile drops the tokens WeChat changes with the network, so one phone on Wi-Fi and 4G
//! keeps its profile.

use crate::http::signing::Signer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceSource {
    /// The signed visitor cookie: one browser on one phone.
    Cookie,
    /// The participant cookie named a participant whose device is known.
    Participant,
    /// Only the network address and user agent: many phones may share it.
    Network,
}

crate::text_enum!(DeviceSource {
    Cookie = "cookie",
    Participant = "participant",
    Network = "network",
});

impl DeviceSource {
    /// A cookie-backed identity is one phone; a network one may be many.
    pub fn is_strong(self) -> bool {
        self != DeviceSource::Network
    }
}

/// What a lead records about the device it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub source: DeviceSource,
    /// The user agent without network and language tokens, hashed.
    pub ua_profile: String,
    /// The address and profile together, hashed: the weak hint.
    pub net_hint: String,
}

/// What the server sees of a request.
pub struct Seen<'a> {
    pub campaign_id: &'a str,
    /// From the signed visitor cookie.
    pub visitor_id: Option<&'a str>,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

/// The device of a request: the visitor cookie first, else the network hint.
pub fn identify(signer: &Signer, seen: &Seen<'_>) -> Device {
    let profile = profile(seen.user_agent);
    let net_hint = signer.hash("net-hint", &[seen.campaign_id, seen.ip, &profile]);
    let ua_profile = signer.hash("ua-profile", &[&profile]);
    match seen.visitor_id {
        Some(id) => Device {
            id: crate::pages::cookies::visitor_key(signer, seen.campaign_id, Some(id), "", ""),
            source: DeviceSource::Cookie,
            ua_profile,
            net_hint,
        },
        None => Device {
            id: net_hint.clone(),
            source: DeviceSource::Network,
            ua_profile,
            net_hint,
        },
    }
}

/// Tokens that change with the network or the session, not with the phone.
const VOLATILE: [&str; 5] = ["NetType/", "Language/", "Process/", "WindowWidth/", "ABI/"];

/// The user agent as the phone's model, system and app versions: up to the first token
/// WeChat changes between Wi-Fi and 4G (what follows it is volatile too, and a cropped
/// user agent ends there differently on each network).
pub fn profile(user_agent: &str) -> String {
    user_agent
        .split_whitespace()
        .take_while(|t| !VOLATILE.iter().any(|v| t.starts_with(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIFI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2a) NetType/WIFI Language/zh_CN";

    #[test]
    fn switching_networks_keeps_the_profile() {
        let on_4g = WIFI.replace("NetType/WIFI", "NetType/4G");
        assert_eq!(profile(WIFI), profile(&on_4g));
        let cropped = |ua: &str| ua.chars().take(150).collect::<String>();
        assert_eq!(profile(&cropped(WIFI)), profile(&cropped(&on_4g)));
        assert!(!profile(WIFI).contains("NetType"));
        assert_ne!(profile(WIFI), profile(&WIFI.replace("8.0.44", "8.0.47")));
    }

    #[test]
    fn the_cookie_wins_over_the_network() {
        let signer = Signer::new(b"a key that is long enough for the test signer 0123");
        let seen = |visitor, ip| Seen {
            campaign_id: "c",
            visitor_id: visitor,
            ip,
            user_agent: WIFI,
        };
        let home = identify(&signer, &seen(Some("v1"), "10.0.0.1"));
        let away = identify(&signer, &seen(Some("v1"), "10.9.9.9"));
        assert_eq!(
            (home.id.as_str(), home.source),
            (away.id.as_str(), DeviceSource::Cookie)
        );
        assert_ne!(home.net_hint, away.net_hint);
        let api = identify(&signer, &seen(None, "10.0.0.1"));
        assert_eq!(
            (api.id.as_str(), api.source),
            (home.net_hint.as_str(), DeviceSource::Network)
        );
        assert_eq!(api.ua_profile, home.ua_profile);
    }
}

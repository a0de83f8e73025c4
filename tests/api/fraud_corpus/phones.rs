//! The corpus's phones: a cookie jar, an address and a WeChat user agent whose
//! `NetType/` follows the network, drawn deterministically so every run is the same.

use crate::helpers::{Client, TestApp};
use crate::landing::csrf_from;

/// A phone: its cookie jar (a browser), its network address and its phone profile.
pub struct Phone {
    pub browser: Client,
    pub ip: String,
    pub profile: usize,
    pub net: &'static str,
}

fn jar() -> Client {
    Client::new(
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .unwrap(),
    )
}

/// A cheap deterministic mix, so the corpus is the same on every run.
fn mix(n: u64) -> u64 {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5851_F42D_4C95_7F2D;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

const IOS: [&str; 6] = ["16_6", "17_0", "17_1_2", "17_4", "17_6_1", "18_1"];
const WECHAT: [&str; 8] = [
    "8.0.40", "8.0.42", "8.0.43", "8.0.44", "8.0.47", "8.0.48", "8.0.49", "8.0.50",
];
const ANDROID: [(&str, &str); 12] = [
    ("12", "V2203A"),
    ("13", "PHB110"),
    ("13", "22081212C"),
    ("14", "23049RAD8C"),
    ("12", "ALN-AL00"),
    ("14", "PJD110"),
    ("13", "V2309A"),
    ("10", "M2004J7AC"),
    ("11", "RMX3031"),
    ("14", "2311DRK48C"),
    ("13", "NOH-AN00"),
    ("12", "SM-S9080"),
];
/// Profiles in the corpus: every (system, app) pair a phone may have.
pub const PROFILES: usize = IOS.len() * WECHAT.len() + ANDROID.len() * WECHAT.len();
/// The farm's device profile: an old emulator image nobody else in the campaign has.
pub const FARM_PROFILE: usize = usize::MAX;

fn user_agent(profile: usize, net: &str) -> String {
    if profile == FARM_PROFILE {
        return format!("Mozilla/5.0 (Linux; Android 7.1.2; SM-G955N Build/NRD90M; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/68.0.3440.91 Mobile Safari/537.36 MMWEBID/7126 MicroMessenger/8.0.30.2260(0x28001E3B) WeChat/arm64 Weixin NetType/{net} Language/zh_CN ABI/arm64");
    }
    let wx = WECHAT[profile % WECHAT.len()];
    let system = profile / WECHAT.len();
    if system < IOS.len() {
        format!("Mozilla/5.0 (iPhone; CPU iPhone OS {} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/{wx}(0x18002c2a) NetType/{net} Language/zh_CN", IOS[system])
    } else {
        let (android, model) = ANDROID[system - IOS.len()];
        format!("Mozilla/5.0 (Linux; Android {android}; {model} Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/{wx}.2540(0x28003035) WeChat/arm64 Weixin NetType/{net} Language/zh_CN ABI/arm64")
    }
}

impl Phone {
    pub fn new(ip: String, profile: usize, net: &'static str) -> Phone {
        Phone {
            browser: jar(),
            ip,
            profile,
            net,
        }
    }

    /// Opens the invite link and leaves a number; answers the new participant's code.
    pub async fn join(&self, app: &TestApp, inviter: Option<&str>, number: &str) -> String {
        let ua = user_agent(self.profile, self.net);
        let link = match inviter {
            Some(code) => format!("/c/tea?ref={code}"),
            None => "/c/tea".to_owned(),
        };
        let send = |r: crate::client::Request| {
            r.header("x-forwarded-for", &self.ip)
                .header("user-agent", &ua)
        };
        let html = send(self.browser.get(app.url(&link)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let form = [
            ("phone", number),
            ("consent", "yes"),
            ("csrf", &csrf_from(&html)),
        ];
        let joined = send(self.browser.post(app.url("/c/tea/join")).form(&form))
            .send()
            .await
            .unwrap();
        assert_eq!(joined.status(), 303, "joining as {number}");
        let me = send(self.browser.get(app.url("/c/tea/me")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let at = me.find("?ref=").expect("an invite link") + 5;
        me[at..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect()
    }
}

/// A random-looking number on a real operator (or a virtual one).
pub fn number(seed: u64, prefix: &str) -> String {
    format!("{prefix}{:08}", mix(seed) % 100_000_000)
}

pub fn address(seed: u64) -> String {
    let n = mix(seed ^ 0xADD);
    format!(
        "10.{}.{}.{}",
        n % 200 + 20,
        (n >> 8) % 256,
        (n >> 16) % 250 + 1
    )
}

pub fn profile(seed: u64) -> usize {
    (mix(seed ^ 0x9F) % PROFILES as u64) as usize
}

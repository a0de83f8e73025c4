//! Issue 13: an attack corpus sent as phones send it (landing page, then the form, with
//! cookies, forwarded addresses and WeChat user agents whose `NetType` follows the
//! network), beside honest traffic that looks alike on the surface. Asserts that at least
//! 99% of fraud credit is withheld (never granted, or revoked before payment) and at most
//! 1% of honest referrals are held, and prints the per-scenario table (`bench/fraud.sh`).
//! Two scenarios the server cannot tell from honest people are measured and listed, not
//! counted in the targets.

use serde_json::{json, Value};

use crate::groups::{add_group, event, send_events};
use crate::helpers::{Client, TestApp};
use crate::landing::csrf_from;
use crate::rewards::run_jobs;

/// A phone: its cookie jar (a browser), its network address and its phone profile.
struct Phone {
    browser: Client,
    ip: String,
    profile: usize,
    net: &'static str,
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
const PROFILES: usize = IOS.len() * WECHAT.len() + ANDROID.len() * WECHAT.len();
/// The farm's device profile: an old emulator image nobody else in the campaign has.
const FARM_PROFILE: usize = usize::MAX;

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
    fn new(ip: String, profile: usize, net: &'static str) -> Phone {
        Phone {
            browser: jar(),
            ip,
            profile,
            net,
        }
    }

    /// Opens the invite link and leaves a number; answers the new participant's code.
    async fn join(&self, app: &TestApp, inviter: Option<&str>, number: &str) -> String {
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
fn number(seed: u64, prefix: &str) -> String {
    format!("{prefix}{:08}", mix(seed) % 100_000_000)
}

fn address(seed: u64) -> String {
    let n = mix(seed ^ 0xADD);
    format!(
        "10.{}.{}.{}",
        n % 200 + 20,
        (n >> 8) % 256,
        (n >> 16) % 250 + 1
    )
}

fn profile(seed: u64) -> usize {
    (mix(seed ^ 0x9F) % PROFILES as u64) as usize
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Honest,
    Fraud,
    /// Cannot be told from honest people by what the server sees.
    Indistinguishable,
}

/// The referrals one scenario made: (inviter code, invitee codes), and who left the group.
struct Scenario {
    name: &'static str,
    kind: Kind,
    referrals: Vec<(String, String)>,
    quick_leavers: Vec<String>,
}

impl Scenario {
    fn new(name: &'static str, kind: Kind) -> Scenario {
        Scenario {
            name,
            kind,
            referrals: Vec::new(),
            quick_leavers: Vec::new(),
        }
    }
}

/// Someone who joined on their own phone and now shares their poster.
async fn inviter(app: &TestApp, seed: u64, ip: String, net: &'static str) -> (Phone, String) {
    let phone = Phone::new(ip, profile(seed), net);
    let code = phone.join(app, None, &number(seed, "139")).await;
    (phone, code)
}

async fn honest(app: &TestApp, seed: &mut u64) -> Vec<Scenario> {
    let mut next = || {
        *seed += 1;
        *seed
    };
    let mut friends = Scenario::new("friends on their own phones and networks", Kind::Honest);
    for _ in 0..10 {
        let s = next();
        let (_, code) = inviter(app, s, address(s), "WIFI").await;
        for _ in 0..6 {
            let f = next();
            let phone = Phone::new(
                address(f),
                profile(f),
                if f % 2 == 0 { "4G" } else { "WIFI" },
            );
            friends.referrals.push((
                code.clone(),
                phone.join(app, Some(&code), &number(f, "138")).await,
            ));
        }
    }
    let mut office = Scenario::new("an office behind one address", Kind::Honest);
    let mut family = Scenario::new("a family on one home network", Kind::Honest);
    for (scenario, places, people) in [(&mut office, 3, 10), (&mut family, 4, 3)] {
        for place in 0..places {
            let ip = format!("10.250.{}.1", place + 10 * people);
            let s = next();
            // Everyone at one place has a phone of their own (a different profile).
            let first = profile(s);
            let (_, code) = inviter(app, s, ip.clone(), "WIFI").await;
            for i in 1..=people {
                let f = next();
                let phone = Phone::new(ip.clone(), (first + i * 37) % PROFILES, "WIFI");
                scenario.referrals.push((
                    code.clone(),
                    phone.join(app, Some(&code), &number(f, "136")).await,
                ));
            }
        }
    }
    let mut virtual_numbers = Scenario::new("friends on virtual-operator numbers", Kind::Honest);
    for _ in 0..4 {
        let s = next();
        let (_, code) = inviter(app, s, address(s), "WIFI").await;
        for i in 0..5 {
            let f = next();
            let prefix = ["170", "171", "165", "167", "162"][i];
            let phone = Phone::new(address(f), profile(f), "4G");
            virtual_numbers.referrals.push((
                code.clone(),
                phone.join(app, Some(&code), &number(f, prefix)).await,
            ));
        }
    }
    vec![friends, office, family, virtual_numbers]
}

async fn fraud(app: &TestApp, seed: &mut u64) -> Vec<Scenario> {
    let mut next = || {
        *seed += 1;
        *seed
    };
    let mut own = Scenario::new("self-referral from the inviter's phone", Kind::Fraud);
    for _ in 0..4 {
        let s = next();
        let (phone, code) = inviter(app, s, address(s), "WIFI").await;
        for _ in 0..3 {
            own.referrals.push((
                code.clone(),
                phone.join(app, Some(&code), &number(next(), "137")).await,
            ));
        }
    }
    let mut cleared = Scenario::new("one phone, cookies cleared, many numbers", Kind::Fraud);
    for _ in 0..3 {
        let s = next();
        let (phone, code) = inviter(app, s, address(s), "WIFI").await;
        for _ in 0..6 {
            let fresh = Phone::new(phone.ip.clone(), phone.profile, phone.net);
            cleared.referrals.push((
                code.clone(),
                fresh.join(app, Some(&code), &number(next(), "135")).await,
            ));
        }
    }
    let mut quick = Scenario::new("join the group, then leave", Kind::Fraud);
    for _ in 0..2 {
        let s = next();
        let (_, code) = inviter(app, s, address(s), "WIFI").await;
        for _ in 0..6 {
            let f = next();
            let invitee = Phone::new(address(f), profile(f), "4G")
                .join(app, Some(&code), &number(f, "159"))
                .await;
            quick.quick_leavers.push(invitee.clone());
            quick.referrals.push((code.clone(), invitee));
        }
    }
    let mut farm = Scenario::new(
        "a farm rotating addresses and cookies, one device profile",
        Kind::Fraud,
    );
    let s = next();
    let (_, boss) = inviter(app, s, address(s), "WIFI").await;
    let first = 10_000 + next() % 1000;
    for i in 0..20 {
        let phone = Phone::new(
            address(next()),
            FARM_PROFILE,
            if i % 2 == 0 { "WIFI" } else { "4G" },
        );
        // Numbers bought in a block from a virtual operator.
        let number = format!("1710{:07}", first + i * 2);
        farm.referrals
            .push((boss.clone(), phone.join(app, Some(&boss), &number).await));
    }
    let s = next();
    let (_, boss) = inviter(app, s, address(s), "WIFI").await;
    for _ in 0..15 {
        let f = next();
        let phone = Phone::new(address(f), FARM_PROFILE, "4G");
        farm.referrals.push((
            boss.clone(),
            phone.join(app, Some(&boss), &number(f, "188")).await,
        ));
    }
    let mut switched = Scenario::new(
        "the inviter's second number after switching networks",
        Kind::Fraud,
    );
    for _ in 0..4 {
        let s = next();
        let (mut phone, code) = inviter(app, s, address(s), "WIFI").await;
        phone.ip = address(next());
        phone.net = "4G";
        for _ in 0..2 {
            switched.referrals.push((
                code.clone(),
                phone.join(app, Some(&code), &number(next(), "133")).await,
            ));
        }
    }
    let mut twins = Scenario::new(
        "a colleague with the inviter's exact phone and versions, one office",
        Kind::Indistinguishable,
    );
    for place in 0..2 {
        let s = next();
        let ip = format!("10.251.{place}.1");
        let (phone, code) = inviter(app, s, ip.clone(), "WIFI").await;
        let twin = Phone::new(ip, phone.profile, "WIFI");
        twins.referrals.push((
            code.clone(),
            twin.join(app, Some(&code), &number(next(), "150")).await,
        ));
    }
    let mut hired = Scenario::new(
        "hired people on their own phones, who stay in the group",
        Kind::Indistinguishable,
    );
    let s = next();
    let (_, code) = inviter(app, s, address(s), "WIFI").await;
    for _ in 0..5 {
        let f = next();
        let phone = Phone::new(address(f), profile(f), "4G");
        hired.referrals.push((
            code.clone(),
            phone.join(app, Some(&code), &number(f, "152")).await,
        ));
    }
    vec![own, cleared, quick, farm, switched, twins, hired]
}

/// Every invitee joins a group; the quick leavers leave three minutes later.
async fn group_activity(app: &TestApp, scenarios: &[Scenario]) {
    let group = add_group(app, "tea", "一群", 2000).await;
    let joined_at = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    let left_at = (chrono::Utc::now() - chrono::Duration::minutes(2)).to_rfc3339();
    let mut joins = Vec::new();
    let mut leaves = Vec::new();
    for (n, (_, invitee)) in scenarios.iter().flat_map(|s| &s.referrals).enumerate() {
        joins.push(event(
            &format!("j{n}"),
            "member_joined",
            &group,
            json!({"participant_code": invitee}),
            &joined_at,
        ));
    }
    for (n, invitee) in scenarios.iter().flat_map(|s| &s.quick_leavers).enumerate() {
        leaves.push(event(
            &format!("l{n}"),
            "member_left",
            &group,
            json!({"participant_code": invitee}),
            &left_at,
        ));
    }
    for chunk in joins.chunks(100) {
        assert_eq!(send_events(app, json!(chunk)).await.status(), 200);
    }
    run_jobs(app).await; // invitees that passed are paid... before anyone leaves
    assert_eq!(send_events(app, json!(leaves)).await.status(), 200);
    for _ in 0..3 {
        run_jobs(app).await;
    }
}

/// Each invitee's referral state, from their inviters' detail pages.
async fn states(
    app: &TestApp,
    scenarios: &[Scenario],
) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    let mut inviters: Vec<&String> = scenarios
        .iter()
        .flat_map(|s| s.referrals.iter().map(|r| &r.0))
        .collect();
    inviters.sort();
    inviters.dedup();
    for code in inviters {
        let detail: Value = app
            .get_as(
                &format!("/api/v1/campaigns/tea/participants/{code}"),
                &app.admin,
            )
            .await
            .json()
            .await
            .unwrap();
        for i in detail["invitees"].as_array().unwrap() {
            out.insert(
                i["code"].as_str().unwrap().to_owned(),
                i["referral_state"].as_str().unwrap().to_owned(),
            );
        }
    }
    out
}

crate::both_backends! {
    async fn the_attack_corpus_is_withheld_and_honest_people_pass(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "春茶上新", "status": "active",
            "budget": {"amount": 10_000_000},
            "qualification": {"require_group_join": true, "hold_hours": 0},
            "rules": [{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}}]})).await;
        let mut seed = 1;
        let mut scenarios = honest(&app, &mut seed).await;
        scenarios.extend(fraud(&app, &mut seed).await);
        group_activity(&app, &scenarios).await;
        let states = states(&app, &scenarios).await;
        println!("\n| scenario | kind | referrals | credited | held or withheld |\n|---|---|---:|---:|---:|");
        let (mut honest, mut honest_held, mut fraud, mut fraud_credited) = (0, 0, 0, 0);
        for s in &scenarios {
            let credited = s.referrals.iter().filter(|(_, i)| states[i] == "qualified").count();
            let total = s.referrals.len();
            let kind = match s.kind { Kind::Honest => "honest", Kind::Fraud => "fraud", Kind::Indistinguishable => "indistinguishable" };
            println!("| {} | {kind} | {total} | {credited} | {} |", s.name, total - credited);
            match s.kind {
                Kind::Honest => (honest, honest_held) = (honest + total, honest_held + total - credited),
                Kind::Fraud => (fraud, fraud_credited) = (fraud + total, fraud_credited + credited),
                Kind::Indistinguishable => {}
            }
        }
        let withheld = 100.0 * (fraud - fraud_credited) as f64 / fraud as f64;
        let held = 100.0 * honest_held as f64 / honest as f64;
        println!("\nfraud credit withheld: {withheld:.1}% of {fraud}; honest referrals held: {held:.1}% of {honest}");
        // Every credited referral has its grant, and no withheld one kept one.
        let ledger = app.get_as("/api/v1/campaigns/tea/ledger.csv", &app.admin).await.text().await.unwrap();
        let granted = ledger.lines().filter(|l| l.contains(",granted,")).count();
        let credited = states.values().filter(|s| *s == "qualified").count();
        assert_eq!(granted, credited, "one live grant per credited referral");
        assert!(ledger.contains(",revoked,"), "quick leavers' grants were revoked before payment");
        let journal = app.get_as("/api/v1/campaigns/tea/journal.csv", &app.admin).await.text().await.unwrap();
        assert!(journal.contains("the referral was cancelled (fraud:quick_leave)"), "the journal says why");
        assert!(withheld >= 99.0, "fraud credit withheld {withheld:.1}%");
        assert!(held <= 1.0, "honest referrals held {held:.1}%");
    }
}

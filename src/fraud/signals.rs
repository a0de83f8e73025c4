//! The rules as one pure function over a lead's neighbourhood: its inviter, the inviter's
//! other invitees, and whoever shares its device, network hint or address lately. It
//! answers flags for everyone in it, so a pattern that shows at lead 5 flags leads 1-4 too.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{json, Value};

use super::device::DeviceSource;
use super::reasons::Rule;
use super::FraudSettings;

/// One participant as the rules see them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    pub id: String,
    pub inviter_id: Option<String>,
    pub phone: Option<String>,
    pub device_id: Option<String>,
    pub device_source: Option<String>,
    pub ua_profile: Option<String>,
    pub net_hint: Option<String>,
    pub ip_hash: Option<String>,
    pub created_at: i64,
    /// Flagged for leaving their group soon after joining.
    pub quick_left: bool,
    /// Came back after signing up: a later page view from their device, or a group join.
    /// Among an inviter's invitees it is read only for those past the no-return window
    /// (false for the others), the only ones the rule that reads it judges.
    pub returned: bool,
}

impl Member {
    fn strong_device(&self) -> bool {
        self.device_source
            .as_deref()
            .and_then(DeviceSource::parse)
            .is_some_and(DeviceSource::is_strong)
    }
}

/// Everything the rules look at around one participant (the focus).
#[derive(Debug, Default)]
pub struct Neighbourhood {
    pub focus: String,
    pub inviter: Option<Member>,
    /// The inviter's invitees, the focus among them.
    pub siblings: Vec<Member>,
    /// Participants of the campaign on the focus's device.
    pub device_peers: Vec<Member>,
    /// Participants with the focus's network hint, within the window.
    pub hint_peers: Vec<Member>,
    /// Participants from the focus's address, within the window.
    pub address_peers: Vec<Member>,
    /// The campaign's latest leads outside this inviter's invitees (at most 2,000), and
    /// how many of them have the siblings' most common profile.
    pub leads_elsewhere: i64,
    pub profile_elsewhere: i64,
    /// Invitees per active inviter in the campaign within the velocity window.
    pub normal_per_inviter: f64,
    /// The participant the focus's participant cookie names, when it is someone else.
    pub named_by_cookie: Option<String>,
    pub now: i64,
}

/// One rule's finding about one participant.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub participant_id: String,
    pub rule: Rule,
    pub weight: u32,
    pub params: Value,
}

/// How long a velocity window is.
pub const VELOCITY_MINUTES: i64 = 10;

/// The most common browser profile among the invitees, with its count.
pub fn top_profile(siblings: &[Member]) -> Option<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in siblings.iter().filter_map(|m| m.ua_profile.as_deref()) {
        *counts.entry(p).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(p, n)| (p.to_owned(), n))
}

pub(super) struct Findings(HashMap<(String, Rule), Found>);

impl Findings {
    pub(super) fn add(&mut self, m: &Member, rule: Rule, weight: u32, params: Value) {
        let key = (m.id.clone(), rule);
        let keep = self.0.get(&key).is_some_and(|f| f.weight >= weight);
        if !keep {
            let participant_id = m.id.clone();
            let found = Found {
                participant_id,
                rule,
                weight,
                params,
            };
            self.0.insert(key, found);
        }
    }
}

/// Every rule's findings over the neighbourhood.
pub fn judge(n: &Neighbourhood, s: &FraudSettings) -> Vec<Found> {
    let mut f = Findings(HashMap::new());
    inviter_device(n, &mut f);
    shared_devices(n, &mut f);
    many_devices_one_hint(n, s, &mut f);
    address_few_devices(n, s, &mut f);
    super::patterns::invitee_patterns(n, s, &mut f);
    let mut out: Vec<Found> = f.0.into_values().collect();
    out.sort_by(|a, b| (&a.participant_id, a.rule).cmp(&(&b.participant_id, b.rule)));
    out
}

fn same(a: &Option<String>, b: &Option<String>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if x == y)
}

/// The inviter's own device (near proof with a cookie; a hint without), or their network
/// and phone profile with another cookie.
fn inviter_device(n: &Neighbourhood, f: &mut Findings) {
    let Some(inviter) = &n.inviter else { return };
    for s in &n.siblings {
        if same(&s.device_id, &inviter.device_id) {
            let strong = s.strong_device() && inviter.strong_device();
            let (weight, via) = if strong {
                (100, "device")
            } else {
                (60, "network")
            };
            f.add(s, Rule::SameDeviceAsInviter, weight, json!({ "via": via }));
        } else if same(&s.net_hint, &inviter.net_hint) {
            f.add(s, Rule::SameNetworkAsInviter, 40, json!({}));
        }
    }
    if let (Some(named), Some(focus)) = (
        &n.named_by_cookie,
        n.siblings.iter().find(|m| m.id == n.focus),
    ) {
        if *named == inviter.id {
            f.add(
                focus,
                Rule::SameDeviceAsInviter,
                100,
                json!({"via": "participant_cookie"}),
            );
        }
    }
}

/// One device, several sign-ups: among one inviter's invitees, or across inviters.
fn shared_devices(n: &Neighbourhood, f: &mut Findings) {
    let mut by_device: HashMap<&str, Vec<&Member>> = HashMap::new();
    let mut seen = HashSet::new();
    let everyone = n
        .siblings
        .iter()
        .chain(&n.device_peers)
        .chain(n.inviter.iter());
    for m in everyone.filter(|m| seen.insert(m.id.as_str())) {
        if let Some(d) = m.device_id.as_deref() {
            by_device.entry(d).or_default().push(m);
        }
    }
    for members in by_device.values().filter(|v| v.len() > 1) {
        for m in members {
            // The inviter on their own device is judged above; their invitees' devices
            // say nothing about the inviter's own sign-up.
            let others: Vec<&&Member> = members
                .iter()
                .filter(|o| o.id != m.id && Some(&o.id) != m.inviter_id.as_ref())
                .filter(|o| o.inviter_id.as_ref() != Some(&m.id))
                .collect();
            let siblings = others
                .iter()
                .filter(|o| m.inviter_id.is_some() && o.inviter_id == m.inviter_id)
                .count();
            let strong = m.strong_device();
            if siblings > 0 {
                let params = json!({"count": siblings + 1});
                f.add(
                    m,
                    Rule::SharedDeviceInvitees,
                    if strong { 60 } else { 50 },
                    params,
                );
            }
            if others.len() > siblings {
                let params = json!({"count": others.len() + 1});
                f.add(m, Rule::DeviceReused, if strong { 50 } else { 30 }, params);
            }
        }
    }
    if let (Some(named), Some(focus)) = (
        &n.named_by_cookie,
        n.siblings
            .iter()
            .chain(&n.device_peers)
            .find(|m| m.id == n.focus),
    ) {
        if n.inviter.as_ref().map(|i| &i.id) != Some(named) {
            f.add(focus, Rule::DeviceReused, 50, json!({"count": 2}));
        }
    }
}

/// Cookies cleared between sign-ups: new devices, one network and phone profile.
fn many_devices_one_hint(n: &Neighbourhood, s: &FraudSettings, f: &mut Findings) {
    let since = n.now - i64::from(s.ip_burst_minutes) * 60_000;
    let mut by_hint: HashMap<&str, Vec<&Member>> = HashMap::new();
    let mut seen = HashSet::new();
    let recent = n
        .hint_peers
        .iter()
        .chain(&n.siblings)
        .filter(|m| m.created_at >= since);
    for m in recent
        .chain(n.inviter.iter())
        .filter(|m| seen.insert(m.id.as_str()))
    {
        if let (Some(h), true) = (m.net_hint.as_deref(), m.strong_device()) {
            by_hint.entry(h).or_default().push(m);
        }
    }
    for members in by_hint.values() {
        let devices: HashSet<_> = members
            .iter()
            .filter_map(|m| m.device_id.as_deref())
            .collect();
        // Two phones of one model on one network are a family or two colleagues.
        if devices.len() < 3 {
            continue;
        }
        let weight = 60;
        let params = json!({"count": devices.len(), "minutes": s.ip_burst_minutes});
        for m in members {
            f.add(m, Rule::ManyDevicesOneHint, weight, params.clone());
        }
    }
}

/// Many sign-ups from one address are normal when they come from many devices.
fn address_few_devices(n: &Neighbourhood, s: &FraudSettings, f: &mut Findings) {
    let since = n.now - i64::from(s.ip_burst_minutes) * 60_000;
    let recent: Vec<&Member> = n
        .address_peers
        .iter()
        .filter(|m| m.created_at >= since)
        .collect();
    let devices: HashSet<_> = recent
        .iter()
        .filter_map(|m| m.device_id.as_deref())
        .collect();
    if recent.len() < s.ip_burst_leads.max(2) as usize || devices.len() * 2 > recent.len() {
        return;
    }
    let params = json!({"count": recent.len(), "minutes": s.ip_burst_minutes});
    for m in recent {
        f.add(m, Rule::AddressFewDevices, 40, params.clone());
    }
}

#[cfg(test)]
#[path = "signals_tests.rs"]
mod tests;

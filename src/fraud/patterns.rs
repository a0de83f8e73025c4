//! Patterns over one inviter's invitees: a rare phone profile most of them share,
//! consecutive numbers, virtual-operator numbers, quick leaves, people who never come
//! back, velocity against the campaign's normal and script-like regular intervals.

use serde_json::json;

use super::reasons::Rule;
use super::signals::{top_profile, Findings, Member, Neighbourhood, VELOCITY_MINUTES};
use super::FraudSettings;

/// Virtual-operator (MVNO) prefixes: real people use them too, so they only add weight.
const VIRTUAL_PREFIXES: [&str; 5] = ["170", "171", "162", "165", "167"];

/// The shape of one inviter's invitees.
pub(super) fn invitee_patterns(n: &Neighbourhood, s: &FraudSettings, f: &mut Findings) {
    let sib = &n.siblings;
    let count = sib.len();
    let enough = count >= s.pattern_min_invitees.max(2) as usize;
    if enough {
        rare_shared_profile(n, s, f);
        let quick: Vec<&Member> = sib.iter().filter(|m| m.quick_left).collect();
        if quick.len() >= 2 && quick.len() * 2 >= count {
            for m in sib {
                f.add(
                    m,
                    Rule::SiblingsQuickLeft,
                    30,
                    json!({"count": quick.len()}),
                );
            }
        }
    }
    consecutive_numbers(sib, f);
    let virtual_ones: Vec<&Member> = sib
        .iter()
        .filter(|m| is_virtual(m.phone.as_deref()))
        .collect();
    if !virtual_ones.is_empty() {
        let share = virtual_ones.len() * 100 / count;
        let weight = if enough && share >= 50 { 25 } else { 10 };
        for m in virtual_ones {
            f.add(m, Rule::VirtualOperator, weight, json!({"share": share}));
        }
    }
    if enough {
        no_return(n, s, f);
    }
    velocity(n, f);
    regular_intervals(sib, f);
}

/// Invitees who never came back (no later page view from their device, no group join)
/// once they had a day to: a weight only, since many real people never return either.
fn no_return(n: &Neighbourhood, s: &FraudSettings, f: &mut Findings) {
    let settled = n.now - i64::from(s.no_return_hours) * 3_600_000;
    let old: Vec<&Member> = n
        .siblings
        .iter()
        .filter(|m| m.created_at <= settled)
        .collect();
    let gone: Vec<&&Member> = old.iter().filter(|m| !m.returned).collect();
    if old.len() < s.pattern_min_invitees as usize || gone.len() * 100 < old.len() * 80 {
        return;
    }
    let params = json!({"count": gone.len(), "share": gone.len() * 100 / old.len()});
    for m in gone {
        f.add(m, Rule::NoReturn, 20, params.clone());
    }
}

fn rare_shared_profile(n: &Neighbourhood, s: &FraudSettings, f: &mut Findings) {
    let Some((profile, k)) = top_profile(&n.siblings) else {
        return;
    };
    let count = n.siblings.len();
    let rare = n.profile_elsewhere <= 1 || n.profile_elsewhere * 100 <= 2 * n.leads_elsewhere;
    if k < 3 || k * 100 < count * s.rare_ua_share_percent as usize || !rare {
        return;
    }
    let params = json!({"share": k * 100 / count, "count": k});
    for m in n
        .siblings
        .iter()
        .filter(|m| m.ua_profile.as_deref() == Some(&profile))
    {
        f.add(m, Rule::RareSharedUa, 60, params.clone());
    }
}

fn is_virtual(phone: Option<&str>) -> bool {
    national(phone).is_some_and(|d| VIRTUAL_PREFIXES.iter().any(|p| d.starts_with(p)))
}

/// The 11-digit national number of a stored phone (`+86...` or bare).
fn national(phone: Option<&str>) -> Option<String> {
    let digits: String = phone?.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 11).then(|| digits[digits.len() - 11..].to_owned())
}

/// Runs of three or more numbers no more than two apart.
fn consecutive_numbers(sib: &[Member], f: &mut Findings) {
    let mut numbers: Vec<(u64, &Member)> = sib
        .iter()
        .filter_map(|m| {
            national(m.phone.as_deref())
                .and_then(|d| d.parse().ok())
                .map(|n| (n, m))
        })
        .collect();
    numbers.sort_by_key(|(n, _)| *n);
    let mut start = 0;
    for i in 1..=numbers.len() {
        let breaks = i == numbers.len() || numbers[i].0 - numbers[i - 1].0 > 2;
        if breaks {
            let run = &numbers[start..i];
            if run.len() >= 3 {
                for (_, m) in run {
                    f.add(m, Rule::ConsecutiveNumbers, 30, json!({"count": run.len()}));
                }
            }
            start = i;
        }
    }
}

/// Many invitees in a few minutes, against the campaign's normal. A weight only: a
/// popular person in a busy group chat looks the same for a while.
fn velocity(n: &Neighbourhood, f: &mut Findings) {
    let since = n.now - VELOCITY_MINUTES * 60_000;
    let recent: Vec<&Member> = n
        .siblings
        .iter()
        .filter(|m| m.created_at >= since)
        .collect();
    let normal = n.normal_per_inviter;
    if recent.len() < 10 || normal <= 0.0 || (recent.len() as f64) < 5.0 * normal {
        return;
    }
    let params = json!({"count": recent.len(), "minutes": VELOCITY_MINUTES, "normal": normal.round() as i64});
    for m in recent {
        f.add(m, Rule::InviterVelocity, 20, params.clone());
    }
}

/// A script pacing its sign-ups: six or more at near-identical intervals of seconds or
/// more (people arrive irregularly; sub-second bursts are velocity's business).
fn regular_intervals(sib: &[Member], f: &mut Findings) {
    let mut times: Vec<(i64, &Member)> = sib.iter().map(|m| (m.created_at, m)).collect();
    times.sort_by_key(|(t, _)| *t);
    let last: Vec<(i64, &Member)> = times.into_iter().rev().take(10).collect();
    if last.len() < 6 {
        return;
    }
    let gaps: Vec<f64> = last.windows(2).map(|w| (w[0].0 - w[1].0) as f64).collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let sd = (gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64).sqrt();
    if mean < 2_000.0 || sd / mean >= 0.1 {
        return;
    }
    let params = json!({"count": last.len(), "seconds": (mean / 1000.0).round() as i64});
    for (_, m) in last {
        f.add(m, Rule::RegularIntervals, 30, params.clone());
    }
}

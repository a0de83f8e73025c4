//! Assembling the stats from their counts: one service for the API and the console's
//! dashboard. The counts are counters the database keeps beside the rows ([`store`],
//! [`reach`]), so reading them costs the same at ten participants or a million; the
//! arithmetic on them is [`rates`].

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;

use chrono::{DateTime, Utc};

use super::rates::{cost_per, k_factor, steps};
use super::store::{Figures, QUARTER_MS};
use super::views::{
    BudgetStats, ChannelStats, DayStats, Funnel, GenerationStats, GroupStats, LongestChain,
    RetentionStats, RuleBudget, StatsView, TopInviter,
};
use super::{reach, store};
use crate::campaigns::Campaign;
use crate::db::time::{day as day_of, from_ms, to_ms};
use crate::db::Db;
use crate::http::error::ApiError;
use crate::rewards::views::MoneyStats;

/// Group retention is measured this many days after the first join (migration 0024 keeps
/// a counter for each).
pub const RETENTION_DAYS: [i64; 3] = [1, 7, 30];
/// Inviters listed in the stats.
pub const TOP_INVITERS: i64 = 10;
/// Groups listed in the stats, in the live code's order. A pool of thousands is read
/// page by page from the group list (`GET .../groups`), not carried in every stats read.
pub const GROUPS_LISTED: i64 = 100;

/// The moment the figures are read and the UTC offset their days are counted in.
#[derive(Debug, Clone, Copy)]
pub struct AsOf {
    pub now: DateTime<Utc>,
    pub offset_minutes: i32,
}

impl AsOf {
    fn offset_ms(&self) -> i64 {
        i64::from(self.offset_minutes) * 60_000
    }
}

/// Leads of today (the reporting day, Beijing by default) per campaign id.
pub async fn leads_today(db: &Db, offset_minutes: i32) -> anyhow::Result<HashMap<String, i64>> {
    let today = day_of(Utc::now(), offset_minutes);
    Ok(store::leads_on_day(db, &today).await?.into_iter().collect())
}

fn channel(channels: &mut BTreeMap<String, ChannelStats>, name: String) -> &mut ChannelStats {
    channels
        .entry(name.clone())
        .or_insert_with(|| ChannelStats {
            channel: name,
            ..Default::default()
        })
}

fn day(days: &mut BTreeMap<String, DayStats>, name: String) -> &mut DayStats {
    days.entry(name.clone()).or_insert_with(|| DayStats {
        day: name,
        ..Default::default()
    })
}

/// The day ("2026-12-03") of a day number counted at the reporting offset.
fn day_name(day_no: i64) -> String {
    day_of(from_ms(day_no * 86_400_000), 0)
}

/// (channel, day, visits, unique visitors, bot visits) per counter row.
type VisitRow = (String, String, i64, i64, i64);

/// The count of a channel a figure adds to.
type ChannelField = fn(&mut ChannelStats) -> &mut i64;

/// The funnel of each channel with its rates, K-factor and costs; the bot visits and the
/// participants of all channels.
fn channels(
    figures: &Figures,
    visit_rows: &[VisitRow],
) -> (BTreeMap<String, ChannelStats>, i64, i64) {
    let mut channels = BTreeMap::new();
    let mut bot_visits = 0;
    for (name, _, visits, uniques, bots) in visit_rows {
        let c = channel(&mut channels, name.clone());
        c.visits += *visits;
        c.unique_visitors += *uniques;
        bot_visits += *bots;
    }
    let fields: [(&str, ChannelField); 7] = [
        ("participants", |c| &mut c.participants),
        ("leads", |c| &mut c.leads),
        ("joined", |c| &mut c.joined),
        ("qualified", |c| &mut c.qualified),
        ("rewarded", |c| &mut c.rewarded),
        ("holder_cash", |c| &mut c.granted_amount),
        ("invited", |c| &mut c.invited),
    ];
    for (figure, field) in fields {
        for (name, n) in figures.of(figure) {
            *field(channel(&mut channels, name.to_owned())) += n;
        }
    }
    let participants = figures.of("participants").map(|(_, n)| n).sum();
    for c in channels.values_mut() {
        c.rates = steps([
            c.visits,
            c.unique_visitors,
            c.leads,
            c.joined,
            c.qualified,
            c.rewarded,
        ]);
        c.k_factor = k_factor(c.invited, c.participants);
        c.cost_per_lead = cost_per(c.granted_amount, c.leads);
        c.cost_per_qualified = cost_per(c.granted_amount, c.qualified);
    }
    (channels, bot_visits, participants)
}

/// Visits, leads, first joins and qualified referrals per reporting day.
async fn days(
    db: &Db,
    campaign_id: &str,
    figures: &Figures,
    visit_rows: &[VisitRow],
    as_of: AsOf,
) -> anyhow::Result<Vec<DayStats>> {
    let mut days = BTreeMap::new();
    for (_, on, visits, uniques, _) in visit_rows {
        let d = day(&mut days, on.clone());
        d.visits += *visits;
        d.unique_visitors += *uniques;
    }
    for (on, leads) in figures.of("leads_on") {
        day(&mut days, on.to_owned()).leads += leads;
    }
    // The quarter-hour counters add up to days only at offsets in whole quarter hours,
    // which is all the configuration accepts.
    debug_assert_eq!(as_of.offset_ms() % QUARTER_MS, 0);
    for (day_no, joined, qualified) in
        store::quarter_hours_by_day(db, campaign_id, as_of.offset_ms()).await?
    {
        let d = day(&mut days, day_name(day_no));
        d.joined += joined;
        d.qualified += qualified;
    }
    Ok(days.into_values().collect())
}

/// Participants per generation and what each generation brought.
fn by_generation(counts: &BTreeMap<i64, i64>) -> Vec<GenerationStats> {
    counts
        .iter()
        .map(|(&generation, &participants)| {
            let invited = counts.get(&(generation + 1)).copied().unwrap_or(0);
            GenerationStats {
                generation,
                participants,
                invited,
                k_factor: k_factor(invited, participants),
            }
        })
        .collect()
}

pub async fn funnel(
    db: &Db,
    campaign_id: &str,
    figures: &Figures,
    as_of: AsOf,
) -> anyhow::Result<Funnel> {
    let visit_rows = store::visit_counters(db, campaign_id).await?;
    let (channels, bot_visits, participants) = channels(figures, &visit_rows);
    let mut generations = BTreeMap::new();
    for (generation, n) in figures.of("generation") {
        let generation: i64 = generation
            .parse()
            .with_context(|| format!("generation counter {generation:?}"))?;
        *generations.entry(generation).or_insert(0) += n;
    }
    let referred = generations.range(1..).map(|(_, n)| n).sum();
    let max_generation = generations.keys().next_back().copied().unwrap_or(0);
    let codes = reach::longest_chain(db, campaign_id, max_generation).await?;
    let sum = |f: fn(&ChannelStats) -> i64| channels.values().map(f).sum::<i64>();
    let counts = [
        sum(|c| c.visits),
        sum(|c| c.unique_visitors),
        sum(|c| c.leads),
        sum(|c| c.joined),
        sum(|c| c.qualified),
        sum(|c| c.rewarded),
    ];
    let [visits, unique_visitors, leads, joined, qualified, rewarded] = counts;
    Ok(Funnel {
        visits,
        unique_visitors,
        bot_visits,
        leads,
        joined,
        qualified,
        rewarded,
        rates: steps(counts),
        participants,
        referred,
        k_factor: k_factor(referred, participants),
        max_generation,
        longest_chain: LongestChain {
            length: (codes.len() as i64 - 1).max(0),
            codes,
        },
        by_channel: channels.into_values().collect(),
        by_day: days(db, campaign_id, figures, &visit_rows, as_of).await?,
        by_generation: by_generation(&generations),
    })
}

async fn retention(db: &Db, campaign_id: &str, as_of: AsOf) -> anyhow::Result<Vec<RetentionStats>> {
    let mut out = Vec::new();
    for days in RETENTION_DAYS {
        let (joined, retained) = reach::retention(db, campaign_id, days, to_ms(as_of.now)).await?;
        out.push(RetentionStats {
            days,
            joined,
            retained,
            rate: super::rates::rate(retained, joined),
        });
    }
    Ok(out)
}

/// The budget and each rule's spend beside what the rewards service says it has left.
fn budget(figures: &Figures, campaign: &Campaign, money: &MoneyStats) -> BudgetStats {
    let of_rule = |figure: &str, rule_id: &str| {
        figures
            .of(figure)
            .find(|(id, _)| *id == rule_id)
            .map_or(0, |(_, n)| n)
    };
    let by_rule = money
        .rewards
        .iter()
        .map(|r| RuleBudget {
            rule_id: r.rule_id.clone(),
            reward_type: r.reward_type,
            grants: of_rule("grants", &r.rule_id),
            spent_amount: of_rule("cash", &r.rule_id),
            remaining: r.remaining,
            exhausted: r.exhausted,
        })
        .collect();
    BudgetStats {
        amount: campaign.budget.map(|b| b.amount),
        spent: campaign.budget_granted,
        left: campaign.budget_left(),
        by_rule,
    }
}

async fn top_inviters(db: &Db, campaign_id: &str) -> anyhow::Result<Vec<TopInviter>> {
    let entries = crate::rewards::leaderboard::top(db, campaign_id, TOP_INVITERS).await?;
    Ok(entries
        .iter()
        .zip(1..)
        .map(|(e, rank)| TopInviter {
            rank,
            code: e.code.clone(),
            name: e.masked_name(),
            qualified_invites: e.qualified_invites,
        })
        .collect())
}

/// Everything the stats API and the dashboard show about a campaign.
pub async fn stats(db: &Db, campaign: &Campaign, as_of: AsOf) -> Result<StatsView, ApiError> {
    let figures = store::figures(db, &campaign.id).await?;
    let funnel = funnel(db, &campaign.id, &figures, as_of).await?;
    let money = crate::rewards::service::money_stats(db, campaign).await?;
    let groups = store::groups(db, &campaign.id, GROUPS_LISTED).await?;
    // A short list is the whole pool; only a full one needs the pool counted.
    let groups_total = match groups.len() as i64 {
        listed if listed < GROUPS_LISTED => listed,
        _ => store::group_count(db, &campaign.id).await?,
    };
    Ok(StatsView {
        funnel,
        retention: retention(db, &campaign.id, as_of).await?,
        budget: budget(&figures, campaign, &money),
        top_inviters: top_inviters(db, &campaign.id).await?,
        money,
        by_group: groups
            .into_iter()
            .map(|(group_id, name, members, reserved, joined)| GroupStats {
                group_id,
                name,
                members,
                reserved,
                joined,
            })
            .collect(),
        groups_total,
        generated_at: as_of.now,
    })
}

//! Assembling the funnel from its counts.

use std::collections::{BTreeMap, HashMap};

use super::store;
use super::views::{ChannelStats, DayStats, Funnel, GroupStats, StatsView};
use crate::campaigns::Campaign;
use crate::db::Db;
use crate::http::error::ApiError;

/// Leads of today (the reporting day, Beijing by default) per campaign id.
pub async fn leads_today(db: &Db, offset_minutes: i32) -> anyhow::Result<HashMap<String, i64>> {
    let today = crate::db::time::day(chrono::Utc::now(), offset_minutes);
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

pub async fn funnel(db: &Db, campaign_id: &str) -> anyhow::Result<Funnel> {
    let mut channels: BTreeMap<String, ChannelStats> = BTreeMap::new();
    let mut days: BTreeMap<String, DayStats> = BTreeMap::new();
    let mut bot_visits = 0;
    for (name, on, visits, uniques, bots) in store::visit_counters(db, campaign_id).await? {
        let c = channel(&mut channels, name);
        c.visits += visits;
        c.unique_visitors += uniques;
        let d = day(&mut days, on);
        d.visits += visits;
        d.unique_visitors += uniques;
        bot_visits += bots;
    }
    let mut participants = 0;
    for (name, leads, joined, count) in store::people_by_channel(db, campaign_id).await? {
        let c = channel(&mut channels, name);
        c.leads += leads;
        c.joined += joined;
        participants += count;
    }
    for (name, qualified) in store::qualified_by_channel(db, campaign_id).await? {
        channel(&mut channels, name).qualified += qualified;
    }
    for (on, leads) in store::leads_by_day(db, campaign_id).await? {
        day(&mut days, on).leads += leads;
    }
    let (referred, max_generation) = store::reach(db, campaign_id).await?;
    let sum = |f: fn(&ChannelStats) -> i64| channels.values().map(f).sum::<i64>();
    // New people each participant brought, on average.
    let k_factor = if participants > 0 {
        ((referred as f64 / participants as f64) * 1000.0).round() / 1000.0
    } else {
        0.0
    };
    Ok(Funnel {
        visits: sum(|c| c.visits),
        unique_visitors: sum(|c| c.unique_visitors),
        bot_visits,
        leads: sum(|c| c.leads),
        joined: sum(|c| c.joined),
        qualified: sum(|c| c.qualified),
        participants,
        referred,
        k_factor,
        max_generation,
        by_channel: channels.into_values().collect(),
        by_day: days.into_values().collect(),
    })
}

/// The funnel, the money side and the groups of a campaign.
pub async fn stats(db: &Db, campaign: &Campaign) -> Result<StatsView, ApiError> {
    let funnel = funnel(db, &campaign.id).await?;
    let money = crate::rewards::service::money_stats(db, campaign).await?;
    let groups = crate::groups::store::stats(db, &campaign.id).await?;
    Ok(StatsView {
        funnel,
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
    })
}

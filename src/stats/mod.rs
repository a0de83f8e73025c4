//! The funnel per campaign, per channel and per day: visits (people, not bots), unique
//! visitors, leads, joined, qualified, and how far the chains reach (K-factor, depth).

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::auth::{Auth, ReadAccess};
use crate::campaigns::service::load;
use crate::db::Db;
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::with_db;

#[derive(Debug, Default, Serialize, Clone)]
pub struct ChannelStats {
    pub channel: String,
    pub visits: i64,
    pub unique_visitors: i64,
    pub leads: i64,
    pub joined: i64,
    pub qualified: i64,
}

#[derive(Debug, Default, Serialize, Clone)]
pub struct DayStats {
    pub day: String,
    pub visits: i64,
    pub unique_visitors: i64,
    pub leads: i64,
}

type Counter4 = (String, i64, i64, i64);

pub async fn funnel(db: &Db, campaign_id: &str) -> Result<serde_json::Value, sqlx::Error> {
    let visit_rows: Vec<(String, String, i64, i64, i64)> = with_db!(db, read, |pool| {
        sqlx::query_as("SELECT channel, day, visits, unique_visitors, bot_visits FROM visit_counters WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_all(pool)
            .await?
    });
    // (channel, leads, joined, participants)
    let people: Vec<Counter4> = with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT channel, \
                CAST(SUM(CASE WHEN kind = 'lead' THEN 1 ELSE 0 END) AS BIGINT), \
                CAST(SUM(CASE WHEN status IN ('joined', 'left') THEN 1 ELSE 0 END) AS BIGINT), \
                CAST(COUNT(*) AS BIGINT) \
             FROM participants WHERE campaign_id = $1 GROUP BY channel",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await?
    });
    let qualified_rows: Vec<(String, i64)> = with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT p.channel, CAST(COUNT(*) AS BIGINT) FROM referrals r JOIN participants p ON p.id = r.invitee_id \
             WHERE r.campaign_id = $1 AND r.state = 'qualified' GROUP BY p.channel",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await?
    });
    let leads_by_day: Vec<(String, i64)> = with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT created_day, CAST(COUNT(*) AS BIGINT) FROM participants WHERE campaign_id = $1 AND kind = 'lead' GROUP BY created_day",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await?
    });
    let (referred, max_generation): (i64, i64) = with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN inviter_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
                    CAST(COALESCE(MAX(generation), 0) AS BIGINT) FROM participants WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(pool)
        .await?
    });

    let mut channels: BTreeMap<String, ChannelStats> = BTreeMap::new();
    let mut days: BTreeMap<String, DayStats> = BTreeMap::new();
    let mut bot_visits = 0;
    for (channel, day, visits, uniques, bots) in visit_rows {
        let c = channels
            .entry(channel.clone())
            .or_insert_with(|| ChannelStats {
                channel,
                ..Default::default()
            });
        c.visits += visits;
        c.unique_visitors += uniques;
        let d = days.entry(day.clone()).or_insert_with(|| DayStats {
            day,
            ..Default::default()
        });
        d.visits += visits;
        d.unique_visitors += uniques;
        bot_visits += bots;
    }
    let mut participants = 0;
    for (channel, leads, joined, count) in people {
        let c = channels
            .entry(channel.clone())
            .or_insert_with(|| ChannelStats {
                channel,
                ..Default::default()
            });
        c.leads += leads;
        c.joined += joined;
        participants += count;
    }
    for (channel, qualified) in qualified_rows {
        channels
            .entry(channel.clone())
            .or_insert_with(|| ChannelStats {
                channel,
                ..Default::default()
            })
            .qualified += qualified;
    }
    for (day, leads) in leads_by_day {
        days.entry(day.clone())
            .or_insert_with(|| DayStats {
                day,
                ..Default::default()
            })
            .leads += leads;
    }
    let sum = |f: fn(&ChannelStats) -> i64| channels.values().map(f).sum::<i64>();
    // New people each participant brought, on average.
    let k_factor = if participants > 0 {
        ((referred as f64 / participants as f64) * 1000.0).round() / 1000.0
    } else {
        0.0
    };
    Ok(serde_json::json!({
        "visits": sum(|c| c.visits),
        "unique_visitors": sum(|c| c.unique_visitors),
        "bot_visits": bot_visits,
        "leads": sum(|c| c.leads),
        "joined": sum(|c| c.joined),
        "qualified": sum(|c| c.qualified),
        "participants": participants,
        "referred": referred,
        "k_factor": k_factor,
        "max_generation": max_generation,
        "by_channel": channels.into_values().collect::<Vec<_>>(),
        "by_day": days.into_values().collect::<Vec<_>>(),
    }))
}

/// `GET /api/v1/campaigns/{slug}/stats`
pub async fn show(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let mut stats = funnel(&state.db, &campaign.id).await?;
    let money = crate::rewards::money_stats(&state, &campaign).await?;
    if let (Some(out), serde_json::Value::Object(money)) = (stats.as_object_mut(), money) {
        out.extend(money);
    }
    let groups = crate::groups::store::stats(&state.db, &campaign.id).await?;
    stats["by_group"] = serde_json::json!(groups
        .into_iter()
        .map(|(id, name, members, reserved, ever_joined)| serde_json::json!({
            "group_id": id, "name": name, "members": members, "reserved": reserved, "joined": ever_joined,
        }))
        .collect::<Vec<_>>());
    Ok(HttpResponse::Ok().json(stats))
}

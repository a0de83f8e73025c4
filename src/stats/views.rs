//! The stats as the API shows them.

use serde::Serialize;
use utoipa::ToSchema;

use crate::rewards::views::MoneyStats;

/// The funnel of one channel.
#[derive(Debug, Default, Serialize, Clone, ToSchema)]
pub struct ChannelStats {
    pub channel: String,
    pub visits: i64,
    pub unique_visitors: i64,
    pub leads: i64,
    pub joined: i64,
    pub qualified: i64,
}

/// Visits and leads of one reporting day.
#[derive(Debug, Default, Serialize, Clone, ToSchema)]
pub struct DayStats {
    pub day: String,
    pub visits: i64,
    pub unique_visitors: i64,
    pub leads: i64,
}

/// The funnel of the whole campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct Funnel {
    /// Visits by people (bots are counted apart).
    pub visits: i64,
    pub unique_visitors: i64,
    pub bot_visits: i64,
    pub leads: i64,
    pub joined: i64,
    pub qualified: i64,
    pub participants: i64,
    /// Participants brought by someone.
    pub referred: i64,
    /// New people each participant brought, on average (3 decimals).
    pub k_factor: f64,
    /// The deepest generation of the referral chains.
    pub max_generation: i64,
    pub by_channel: Vec<ChannelStats>,
    pub by_day: Vec<DayStats>,
}

/// One community group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupStats {
    pub group_id: String,
    pub name: String,
    pub members: i64,
    /// Seats held for people routed to the group.
    pub reserved: i64,
    /// People who ever joined it.
    pub joined: i64,
}

/// A campaign's funnel, rewards and groups.
#[derive(Serialize, ToSchema)]
pub struct StatsView {
    #[serde(flatten)]
    pub funnel: Funnel,
    #[serde(flatten)]
    pub money: MoneyStats,
    pub by_group: Vec<GroupStats>,
}

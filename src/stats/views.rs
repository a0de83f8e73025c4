//! The stats as the API shows them. Counts are whole numbers, money is minor units (fen),
//! rates are shares of the step before (0.25 = 25 %, 4 decimals, null when the step
//! before is empty), K-factors new people per participant (3 decimals).

use serde::Serialize;
use utoipa::ToSchema;

use crate::rewards::views::MoneyStats;

/// Each funnel step as a share of the step before it.
#[derive(Debug, Default, Serialize, Clone, ToSchema)]
pub struct StepRates {
    /// Unique visitors per visit.
    pub unique_visitors: Option<f64>,
    /// Leads per unique visitor.
    pub leads: Option<f64>,
    /// Joined a group, per lead.
    pub joined: Option<f64>,
    /// Qualified, per joined.
    pub qualified: Option<f64>,
    /// Rewarded, per qualified.
    pub rewarded: Option<f64>,
}

/// The funnel of one channel (渠道).
#[derive(Debug, Default, Serialize, Clone, ToSchema)]
pub struct ChannelStats {
    pub channel: String,
    pub visits: i64,
    pub unique_visitors: i64,
    pub leads: i64,
    /// Participants of the channel who joined a group (and may have left since).
    pub joined: i64,
    /// Qualified referrals whose invitee came through the channel.
    pub qualified: i64,
    /// Participants of the channel holding a grant that stands.
    pub rewarded: i64,
    pub rates: StepRates,
    /// Leads and seeds of the channel.
    pub participants: i64,
    /// People the channel's participants brought.
    pub invited: i64,
    /// `invited / participants` (3 decimals).
    pub k_factor: f64,
    /// Cash granted to the channel's participants and standing (minor units).
    pub granted_amount: i64,
    /// `granted_amount / leads`, rounded to the minor unit; null without leads.
    pub cost_per_lead: Option<i64>,
    /// `granted_amount / qualified`, rounded to the minor unit; null without any.
    pub cost_per_qualified: Option<i64>,
}

/// One reporting day (Beijing time by default, `FISSION_REPORT_UTC_OFFSET`).
#[derive(Debug, Default, Serialize, Clone, ToSchema)]
pub struct DayStats {
    pub day: String,
    pub visits: i64,
    pub unique_visitors: i64,
    pub leads: i64,
    /// People whose first group join fell on the day.
    pub joined: i64,
    /// Referrals that qualified on the day.
    pub qualified: i64,
}

/// One generation of the referral trees: seeds and people who came on their own are
/// generation 0, the people they brought 1, and so on.
#[derive(Debug, Serialize, Clone, ToSchema)]
pub struct GenerationStats {
    pub generation: i64,
    pub participants: i64,
    /// People of the next generation (brought by this one).
    pub invited: i64,
    /// `invited / participants` (3 decimals).
    pub k_factor: f64,
}

/// The deepest referral chain, from its first participant down.
#[derive(Debug, Default, Serialize, Clone, ToSchema)]
pub struct LongestChain {
    /// Invitations in the chain (its generations after the first).
    pub length: i64,
    /// The invite codes along it, first participant first.
    pub codes: Vec<String>,
}

/// Of the people who joined a group at least `days` ago, how many were still in a group
/// of the campaign `days` after they first joined.
#[derive(Debug, Serialize, Clone, ToSchema)]
pub struct RetentionStats {
    pub days: i64,
    /// People whose first join is at least `days` old.
    pub joined: i64,
    pub retained: i64,
    /// `retained / joined` (4 decimals); null when nobody joined long enough ago.
    pub rate: Option<f64>,
}

/// What one reward rule has spent and has left.
#[derive(Debug, Serialize, Clone, ToSchema)]
pub struct RuleBudget {
    pub rule_id: String,
    pub reward_type: crate::campaigns::rules::RewardType,
    /// Grants of the rule that stand.
    pub grants: i64,
    /// Cash the rule granted and that stands (minor units).
    pub spent_amount: i64,
    /// Stock or coupon codes left; null for cash and points (they draw on the budget).
    pub remaining: Option<i64>,
    /// The budget, stock or pool can no longer pay the rule.
    pub exhausted: bool,
}

/// The campaign's cash budget and each rule's part of it.
#[derive(Debug, Serialize, Clone, ToSchema)]
pub struct BudgetStats {
    /// The budget (minor units); null when the campaign has none.
    pub amount: Option<i64>,
    /// Cash granted and standing (minor units).
    pub spent: i64,
    /// `amount - spent`; null without a budget.
    pub left: Option<i64>,
    pub by_rule: Vec<RuleBudget>,
}

/// One of the inviters with the most qualified invites (names and phones masked).
#[derive(Debug, Serialize, Clone, ToSchema)]
pub struct TopInviter {
    pub rank: i64,
    pub code: String,
    /// The nickname's first character, or the masked phone.
    pub name: String,
    pub qualified_invites: i64,
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
    /// Participants holding a grant that stands.
    pub rewarded: i64,
    pub rates: StepRates,
    pub participants: i64,
    /// Participants brought by someone.
    pub referred: i64,
    /// New people each participant brought, on average (3 decimals).
    pub k_factor: f64,
    /// The deepest generation of the referral chains.
    pub max_generation: i64,
    pub longest_chain: LongestChain,
    pub by_channel: Vec<ChannelStats>,
    pub by_day: Vec<DayStats>,
    pub by_generation: Vec<GenerationStats>,
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

/// A campaign's funnel, rewards and groups: what the console's dashboard shows and a BI
/// tool pulls.
#[derive(Serialize, ToSchema)]
pub struct StatsView {
    #[serde(flatten)]
    pub funnel: Funnel,
    #[serde(flatten)]
    pub money: MoneyStats,
    pub retention: Vec<RetentionStats>,
    pub budget: BudgetStats,
    pub top_inviters: Vec<TopInviter>,
    /// The first 100 groups in the live code's order; `groups_total` says how many
    /// there are, and the group list (`GET /api/v1/campaigns/{slug}/groups`, paged)
    /// has them all.
    pub by_group: Vec<GroupStats>,
    /// Groups of the campaign, open or not.
    pub groups_total: i64,
    /// When the figures were read (RFC 3339 UTC).
    pub generated_at: chrono::DateTime<chrono::Utc>,
}

//! The dashboard's figures made ready to show, section by section (funnel, channels,
//! days, generations, retention, budget, inviters): each a table with its chart's numbers.
//! The page renders the view once and its script re-renders it from `dashboard.json`, so
//! both show one view.

use serde::Serialize;
use serde_json::Value;

use super::dashboard_table::{
    label, money, num, percent, step_series, with_rate, Chart, Row, Table, Words,
};
use super::format::{beijing, yuan};
use crate::stats::views::{ChannelStats, StatsView};

#[derive(Serialize)]
pub struct Summary {
    label: String,
    value: String,
}

#[derive(Serialize)]
pub struct DashboardView {
    generated_at: String,
    summary: Vec<Summary>,
    tables: Vec<Table>,
}

const STEPS: [&str; 6] = [
    "visits",
    "unique_visitors",
    "leads",
    "joined",
    "qualified",
    "rewarded",
];

fn channel_name(c: &ChannelStats, w: &Words) -> String {
    if c.channel.is_empty() {
        w.get("no_channel")
    } else {
        c.channel.clone()
    }
}

fn funnel(s: &StatsView, w: &Words) -> Table {
    let f = &s.funnel;
    let r = &f.rates;
    let counts = [
        f.visits,
        f.unique_visitors,
        f.leads,
        f.joined,
        f.qualified,
        f.rewarded,
    ];
    let rates = [
        None,
        r.unique_visitors,
        r.leads,
        r.joined,
        r.qualified,
        r.rewarded,
    ];
    let rows = STEPS
        .iter()
        .zip(counts.iter().zip(rates))
        .enumerate()
        .map(|(i, (step, (n, rate)))| Row {
            key: (*step).into(),
            cells: vec![
                label(w.get(step)),
                num(n),
                num(if i == 0 { "—".into() } else { percent(rate) }),
            ],
        })
        .collect();
    Table {
        id: "funnel",
        title: w.get("funnel_title"),
        note: w.get("funnel_note"),
        columns: w.all(&["col_step", "col_people", "col_rate"]),
        rows,
        chart: Some(Chart {
            kind: "funnel",
            categories: STEPS.iter().map(|s| w.get(s)).collect(),
            series: vec![(
                w.get("col_people"),
                counts.iter().map(|&n| n as f64).collect(),
            )],
        }),
    }
}

fn channels(s: &StatsView, w: &Words) -> Table {
    let by = &s.funnel.by_channel;
    let rows = by
        .iter()
        .map(|c| Row {
            key: c.channel.clone(),
            cells: vec![
                label(channel_name(c, w)),
                num(c.visits),
                with_rate(c.unique_visitors, c.rates.unique_visitors),
                with_rate(c.leads, c.rates.leads),
                with_rate(c.joined, c.rates.joined),
                with_rate(c.qualified, c.rates.qualified),
                with_rate(c.rewarded, c.rates.rewarded),
                num(format!("{:.3}", c.k_factor)),
                money(Some(c.granted_amount)),
                money(c.cost_per_lead),
                money(c.cost_per_qualified),
            ],
        })
        .collect();
    Table {
        id: "channels",
        title: w.get("channels_title"),
        note: w.get("channels_note"),
        columns: w.all(&[
            "col_channel",
            "visits",
            "unique_visitors",
            "leads",
            "joined",
            "qualified",
            "rewarded",
            "col_k",
            "col_granted",
            "col_cost_lead",
            "col_cost_qualified",
        ]),
        rows,
        chart: Some(Chart {
            kind: "bar",
            categories: by.iter().map(|c| channel_name(c, w)).collect(),
            series: step_series(w, by, |c| [c.leads, c.joined, c.qualified]),
        }),
    }
}

fn days(s: &StatsView, w: &Words) -> Table {
    let by = &s.funnel.by_day;
    let rows = by
        .iter()
        .rev()
        .map(|d| Row {
            key: d.day.clone(),
            cells: vec![
                label(&d.day),
                num(d.visits),
                num(d.unique_visitors),
                num(d.leads),
                num(d.joined),
                num(d.qualified),
            ],
        })
        .collect();
    Table {
        id: "days",
        title: w.get("days_title"),
        note: w.get("days_note"),
        columns: w.all(&[
            "col_day",
            "visits",
            "unique_visitors",
            "leads",
            "joined",
            "qualified",
        ]),
        rows,
        chart: Some(Chart {
            kind: "line",
            categories: by.iter().map(|d| d.day.clone()).collect(),
            series: step_series(w, by, |d| [d.leads, d.joined, d.qualified]),
        }),
    }
}

fn generations(s: &StatsView, w: &Words) -> Table {
    let by = &s.funnel.by_generation;
    let name = |g: i64| w.get("generation_n").replace("{n}", &g.to_string());
    let rows = by
        .iter()
        .map(|g| Row {
            key: g.generation.to_string(),
            cells: vec![
                label(name(g.generation)),
                num(g.participants),
                num(g.invited),
                num(format!("{:.3}", g.k_factor)),
            ],
        })
        .collect();
    let chain = &s.funnel.longest_chain;
    let note = w
        .get("chain_note")
        .replace("{n}", &chain.length.to_string())
        .replace("{codes}", &chain.codes.join(" → "));
    Table {
        id: "generations",
        title: w.get("generations_title"),
        note,
        columns: w.all(&["col_generation", "col_people", "col_invited", "col_k"]),
        rows,
        chart: Some(Chart {
            kind: "bar",
            categories: by.iter().map(|g| name(g.generation)).collect(),
            series: vec![(
                w.get("col_people"),
                by.iter().map(|g| g.participants as f64).collect(),
            )],
        }),
    }
}

fn retention(s: &StatsView, w: &Words) -> Table {
    let name = |days: i64| w.get("after_days").replace("{n}", &days.to_string());
    let rows = s
        .retention
        .iter()
        .map(|r| Row {
            key: r.days.to_string(),
            cells: vec![
                label(name(r.days)),
                num(r.joined),
                num(r.retained),
                num(percent(r.rate)),
            ],
        })
        .collect();
    Table {
        id: "retention",
        title: w.get("retention_title"),
        note: w.get("retention_note"),
        columns: w.all(&["col_after", "col_cohort", "col_retained", "col_retention"]),
        rows,
        chart: Some(Chart {
            kind: "bar",
            categories: s.retention.iter().map(|r| name(r.days)).collect(),
            series: vec![(
                w.get("col_rate_percent"),
                s.retention
                    .iter()
                    .map(|r| (r.rate.unwrap_or(0.0) * 1000.0).round() / 10.0)
                    .collect(),
            )],
        }),
    }
}

fn budget(s: &StatsView, w: &Words) -> Table {
    let rows = s
        .budget
        .by_rule
        .iter()
        .map(|r| Row {
            key: r.rule_id.clone(),
            cells: vec![
                label(&r.rule_id),
                label(w.get(&format!("reward_{}", r.reward_type.as_str()))),
                num(r.grants),
                money(Some(r.spent_amount)),
                num(r
                    .remaining
                    .map_or_else(|| w.get("from_budget"), |n| n.to_string())),
                label(w.get(if r.exhausted {
                    "exhausted"
                } else {
                    "available"
                })),
            ],
        })
        .collect();
    Table {
        id: "budget",
        title: w.get("budget_title"),
        note: w.get("budget_note"),
        columns: w.all(&[
            "col_rule",
            "col_reward",
            "col_grants",
            "col_spent",
            "col_remaining",
            "col_state",
        ]),
        rows,
        chart: None,
    }
}

fn inviters(s: &StatsView, w: &Words) -> Table {
    let rows = s
        .top_inviters
        .iter()
        .map(|i| Row {
            key: i.code.clone(),
            cells: vec![
                num(i.rank),
                label(&i.name),
                label(&i.code),
                num(i.qualified_invites),
            ],
        })
        .collect();
    Table {
        id: "inviters",
        title: w.get("inviters_title"),
        note: w.get("inviters_note"),
        columns: w.all(&[
            "col_rank",
            "col_inviter",
            "col_code",
            "col_qualified_invites",
        ]),
        rows,
        chart: None,
    }
}

impl DashboardView {
    /// `words` is the `[dashboard]` string table of the reader's language.
    pub fn new(s: &StatsView, words: &Value) -> DashboardView {
        let w = Words(words);
        let b = &s.budget;
        let summary = vec![
            Summary {
                label: w.get("k_factor"),
                value: format!("{:.3}", s.funnel.k_factor),
            },
            Summary {
                label: w.get("longest_chain"),
                value: s.funnel.longest_chain.length.to_string(),
            },
            Summary {
                label: w.get("budget_spent"),
                value: format!("¥{}", yuan(b.spent)),
            },
            Summary {
                label: w.get("budget_left"),
                value: b
                    .left
                    .map_or_else(|| w.get("no_budget"), |l| format!("¥{}", yuan(l))),
            },
        ];
        DashboardView {
            generated_at: beijing(s.generated_at),
            summary,
            tables: vec![
                funnel(s, &w),
                channels(s, &w),
                days(s, &w),
                generations(s, &w),
                retention(s, &w),
                budget(s, &w),
                inviters(s, &w),
            ],
        }
    }
}

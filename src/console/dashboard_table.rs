//! The dashboard's building blocks: a table of text cells (money in yuan, rates in per
//! cent) with, when it has one, the numbers of its chart; and the `[dashboard]` strings.

use serde::Serialize;
use serde_json::Value;

use super::format::yuan;
/// One table cell: the figure and, under it, a rate.
#[derive(Serialize)]
pub struct Cell {
    pub text: String,
    pub sub: Option<String>,
    pub num: bool,
}

pub fn label(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        sub: None,
        num: false,
    }
}

pub fn num(text: impl ToString) -> Cell {
    Cell {
        text: text.to_string(),
        sub: None,
        num: true,
    }
}

pub fn with_rate(n: i64, rate: Option<f64>) -> Cell {
    Cell {
        sub: Some(percent(rate)),
        ..num(n)
    }
}

/// "33.3%", or "—" when there is nothing to divide by.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

pub fn money(amount: Option<i64>) -> Cell {
    num(amount.map_or_else(|| "—".into(), |a| format!("¥{}", yuan(a))))
}

#[derive(Serialize)]
pub struct Row {
    pub key: String,
    pub cells: Vec<Cell>,
}

/// One section: its title, column headings, rows and, when it has one, its chart.
#[derive(Serialize)]
pub struct Table {
    pub id: &'static str,
    pub title: String,
    pub note: String,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    pub chart: Option<Chart>,
}

/// What a chart draws: categories along one axis and named series of numbers.
#[derive(Serialize)]
pub struct Chart {
    pub kind: &'static str,
    pub categories: Vec<String>,
    pub series: Vec<(String, Vec<f64>)>,
}

/// The strings of `[dashboard]` in the reader's language.
pub struct Words<'a>(pub &'a Value);

impl Words<'_> {
    pub fn get(&self, key: &str) -> String {
        self.0[key].as_str().unwrap_or(key).to_owned()
    }
    pub fn all(&self, keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| self.get(k)).collect()
    }
}

/// The leads, joined and qualified series of a chart, one value per item.
pub fn step_series<T>(
    w: &Words,
    items: &[T],
    counts: fn(&T) -> [i64; 3],
) -> Vec<(String, Vec<f64>)> {
    ["leads", "joined", "qualified"]
        .iter()
        .enumerate()
        .map(|(i, key)| {
            (
                w.get(key),
                items.iter().map(|t| counts(t)[i] as f64).collect(),
            )
        })
        .collect()
}

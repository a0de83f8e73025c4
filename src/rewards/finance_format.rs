//! What finance asks of an export: which rows (a Beijing date range, statuses) and how
//! they read (the contract's columns for API clients, or headers in Chinese or English
//! with amounts in yuan and times in Beijing time). Parsed once at the edge.

use chrono::{NaiveDate, NaiveTime, TimeZone};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::time::from_ms;
use crate::http::error::{ApiError, ErrorCode};

/// Beijing time: UTC+8 all year (China keeps no daylight saving time).
pub const BEIJING_SECS: i32 = 8 * 3600;
const DAY_MS: i64 = 86_400_000;

/// The finance options of an export's query string.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only on the cross-campaign exports (`/api/v1/ledger.csv`, ...): one campaign's
    /// slug; without it every campaign.
    pub campaign: Option<String>,
    /// `zh` (Chinese headers) or `en`: amounts in yuan with two decimals, Beijing times
    /// and a total row. Without it a CSV keeps the contract's columns (fen, RFC 3339 UTC)
    /// and an XLSX is in Chinese.
    pub lang: Option<String>,
    /// The first Beijing day to include, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// The last Beijing day to include, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Comma-separated statuses to keep (the ledger: `granted,paying,paid,revoked`; the
    /// journal: entry kinds `granted,revoked,batched,paid,failed,flagged,address_given`).
    pub status: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

/// How the rows read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The contract's columns: fen, RFC 3339 UTC, English snake_case headers.
    Contract,
    Finance(Lang),
}

/// Which rows: `[from_ms, to_ms)` and the statuses kept (empty: all).
#[derive(Debug, Clone)]
pub struct RowFilter {
    pub from_ms: i64,
    pub to_ms: i64,
    pub statuses: Vec<&'static str>,
}

impl RowFilter {
    /// Exactly `n` statuses for a `status IN ($a, ...)` of `n` placeholders: the kept
    /// ones repeated, or all of `known`.
    pub fn padded(&self, known: &[&'static str], n: usize) -> Vec<&'static str> {
        let kept = if self.statuses.is_empty() {
            known
        } else {
            &self.statuses[..]
        };
        (0..n).map(|i| kept[i % kept.len()]).collect()
    }
}

fn query_error(message: String) -> ApiError {
    ApiError::bad_request(ErrorCode::InvalidQuery, message)
}

fn beijing_day_start(raw: &str, field: &str) -> Result<i64, ApiError> {
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| query_error(format!("{field} must be a day like 2026-12-01")))?;
    let midnight = day.and_time(NaiveTime::MIN);
    Ok(beijing()
        .from_local_datetime(&midnight)
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or_default())
}

use crate::db::time::beijing;

impl ExportQuery {
    /// The layout, `default` when no `lang` is asked for.
    pub fn layout(&self, default: Layout) -> Result<Layout, ApiError> {
        match self.lang.as_deref() {
            None => Ok(default),
            Some("zh" | "zh-CN") => Ok(Layout::Finance(Lang::Zh)),
            Some("en") => Ok(Layout::Finance(Lang::En)),
            Some(_) => Err(query_error("lang must be zh or en".into())),
        }
    }

    /// The rows asked for; `known` are the statuses this export has.
    pub fn filter(&self, known: &[&'static str]) -> Result<RowFilter, ApiError> {
        let from_ms = match &self.from {
            Some(raw) => beijing_day_start(raw, "from")?,
            None => i64::MIN + 1,
        };
        let to_ms = match &self.to {
            Some(raw) => beijing_day_start(raw, "to")? + DAY_MS,
            None => i64::MAX,
        };
        if from_ms >= to_ms {
            return Err(query_error("from must not be after to".into()));
        }
        let mut statuses = Vec::new();
        for part in self.status.iter().flat_map(|s| s.split(',')) {
            let part = part.trim();
            let Some(status) = known.iter().find(|k| **k == part) else {
                return Err(query_error(format!(
                    "status must be among {}",
                    known.join(", ")
                )));
            };
            if !statuses.contains(status) {
                statuses.push(*status);
            }
        }
        Ok(RowFilter {
            from_ms,
            to_ms,
            statuses,
        })
    }
}

/// A typed cell of the finance layout.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Minor units (fen), shown in yuan with two decimals.
    Yuan(i64),
    /// A count (points).
    Int(i64),
    /// Unix milliseconds, shown in Beijing time.
    Time(i64),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn time(ms: Option<i64>) -> Cell {
        ms.map(Cell::Time).unwrap_or(Cell::Empty)
    }
}

/// Fen as yuan with two decimals, exactly: 500 -> "5.00", -5 -> "-0.05".
pub use crate::campaigns::money::format_yuan as yuan;

/// An instant as Beijing wall-clock text, `2026-12-03 21:25:13`.
pub fn beijing_text(ms: i64) -> String {
    let mut text = String::with_capacity(19);
    push_beijing(&mut text, ms);
    text
}

/// Appends an instant as Beijing wall-clock text.
pub fn push_beijing(out: &mut String, ms: i64) {
    let local = ms.saturating_add(i64::from(BEIJING_SECS) * 1000);
    if !push_clock(out, local, ' ') {
        let text = from_ms(ms).with_timezone(&beijing());
        out.push_str(&text.format("%Y-%m-%d %H:%M:%S").to_string());
    }
}

/// An instant as the contract writes it: RFC 3339 in UTC, with milliseconds only when
/// there are some (`2026-12-03T13:25:13.120+00:00`), as chrono's `to_rfc3339`.
pub fn rfc3339(ms: i64) -> String {
    let mut text = String::with_capacity(29);
    if push_clock(&mut text, ms, 'T') {
        if ms % 1000 != 0 {
            text.push('.');
            push_digits(&mut text, ms % 1000, 3);
        }
        text.push_str("+00:00");
    } else {
        text.push_str(&from_ms(ms).to_rfc3339());
    }
    text
}

/// 10000-01-01T00:00:00Z: later instants have a five-digit year.
const YEAR_10000_MS: i64 = 253_402_300_800_000;

/// Appends `YYYY-MM-DD{sep}HH:MM:SS` of `ms` read as a wall clock, for the years 1970
/// to 9999 (false otherwise). Exports write two times a row, and chrono's formatter
/// parses its pattern and allocates on every call.
fn push_clock(out: &mut String, ms: i64, sep: char) -> bool {
    if !(0..YEAR_10000_MS).contains(&ms) {
        return false;
    }
    let (year, month, day) = civil_date(ms / DAY_MS);
    let secs = ms % DAY_MS / 1000;
    for (n, width, after) in [
        (year, 4, '-'),
        (month, 2, '-'),
        (day, 2, sep),
        (secs / 3600, 2, ':'),
        (secs / 60 % 60, 2, ':'),
    ] {
        push_digits(out, n, width);
        out.push(after);
    }
    push_digits(out, secs % 60, 2);
    true
}

/// The proleptic Gregorian (year, month, day) of a day counted from 1970-01-01 (days
/// >= 0), after Howard Hinnant's `civil_from_days`.
fn civil_date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let (era, day_of_era) = (z / 146_097, z % 146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Appends `n` (0 <= n < 10^width) as `width` digits.
fn push_digits(out: &mut String, n: i64, width: u32) {
    for place in (0..width).rev() {
        let digit = (n / 10_i64.pow(place) % 10) as u8;
        out.push(char::from(b'0' + digit));
    }
}

/// An instant as an Excel date serial in Beijing time (days since 1899-12-30).
pub fn excel_serial(ms: i64) -> f64 {
    let local_ms = ms + i64::from(BEIJING_SECS) * 1000;
    25_569.0 + local_ms as f64 / DAY_MS as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_is_exact_with_two_decimals() {
        assert_eq!(yuan(500), "5.00");
        assert_eq!(yuan(1), "0.01");
        assert_eq!(yuan(123_456), "1234.56");
        assert_eq!(yuan(-5), "-0.05");
        assert_eq!(yuan(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn beijing_days_start_at_midnight_plus_eight() {
        let q = ExportQuery {
            from: Some("2026-12-01".into()),
            to: Some("2026-12-01".into()),
            ..Default::default()
        };
        let f = q.filter(&["paid"]).unwrap();
        let start: chrono::DateTime<chrono::Utc> = "2026-11-30T16:00:00Z".parse().unwrap();
        assert_eq!(f.from_ms, start.timestamp_millis());
        assert_eq!(f.to_ms - f.from_ms, DAY_MS);
        assert_eq!(beijing_text(f.from_ms), "2026-12-01 00:00:00");
        assert_eq!(excel_serial(f.from_ms), 46_357.0);
    }

    proptest::proptest! {
        #[test]
        fn times_read_as_chrono_writes_them(ms in -100_000_000i64..YEAR_10000_MS + 100_000_000) {
            let chrono_utc = from_ms(ms).to_rfc3339();
            let chrono_beijing = from_ms(ms).with_timezone(&beijing()).format("%Y-%m-%d %H:%M:%S").to_string();
            proptest::prop_assert_eq!(rfc3339(ms), chrono_utc);
            proptest::prop_assert_eq!(beijing_text(ms), chrono_beijing);
        }
    }

    #[test]
    fn times_at_the_edges_of_months_years_and_the_fast_range() {
        let days: [i64; 8] = [0, 59, 11_016, 11_017, 47_540, 47_541, 2_932_896, 2_932_897];
        for day in days {
            for ms in [
                day * DAY_MS - 1,
                day * DAY_MS,
                day * DAY_MS + 999,
                day * DAY_MS + 1_010,
            ] {
                assert_eq!(rfc3339(ms), from_ms(ms).to_rfc3339(), "{ms}");
                let beijing_chrono = from_ms(ms).with_timezone(&beijing());
                assert_eq!(
                    beijing_text(ms),
                    beijing_chrono.format("%Y-%m-%d %H:%M:%S").to_string()
                );
            }
        }
        assert_eq!(rfc3339(1_764_768_313_120), "2025-12-03T13:25:13.120+00:00");
        assert_eq!(beijing_text(1_764_768_313_120), "2025-12-03 21:25:13");
    }

    #[test]
    fn bad_options_are_refused() {
        let bad = |q: ExportQuery| q.filter(&["paid", "granted"]).is_err();
        assert!(bad(ExportQuery {
            from: Some("2026-13-01".into()),
            ..Default::default()
        }));
        assert!(bad(ExportQuery {
            status: Some("paid,lost".into()),
            ..Default::default()
        }));
        assert!(bad(ExportQuery {
            from: Some("2026-12-02".into()),
            to: Some("2026-12-01".into()),
            ..Default::default()
        }));
        let ok = ExportQuery {
            status: Some("paid, paid".into()),
            ..Default::default()
        };
        assert_eq!(
            ok.filter(&["paid", "granted"])
                .unwrap()
                .padded(&["granted", "paid"], 3),
            vec!["paid"; 3]
        );
        let lang = ExportQuery {
            lang: Some("fr".into()),
            ..Default::default()
        };
        assert!(lang.layout(Layout::Contract).is_err());
    }
}

//! What the console shows and reads: money in yuan ("12.50", stored as fen) and times in
//! Beijing time (UTC+8, stored as UTC). Parsed exactly: no floating point anywhere.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use crate::db::time::beijing as beijing_zone;

/// Money as the console shows and reads it: the campaigns domain's own yuan functions.
pub use crate::campaigns::money::{format_yuan as yuan, parse_yuan};

/// "2026-12-03 21:25" in Beijing time.
pub fn beijing(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing_zone())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The value of an `<input type="datetime-local">` ("2026-12-03T21:25") in Beijing time.
pub fn beijing_input(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing_zone())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The Beijing day ("2026-12-03") of an instant.
pub fn beijing_day(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing_zone())
        .format("%Y-%m-%d")
        .to_string()
}

/// A Beijing time typed as "2026-12-03T21:25", "2026-12-03 21:25" or with seconds.
pub fn parse_beijing(raw: &str) -> Result<DateTime<Utc>, &'static str> {
    let raw = raw.trim();
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
    .and_then(|naive| beijing_zone().from_local_datetime(&naive).single())
    .map(|t| t.with_timezone(&Utc))
    .ok_or("请输入北京时间，如 2026-12-03 21:30")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_round_trips_exactly() {
        assert_eq!(yuan(1250), "12.50");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(-5), "-0.05");
        assert_eq!(parse_yuan("12.5"), Ok(1250));
        assert_eq!(parse_yuan(" ￥1,200.01 "), Ok(120_001));
        assert_eq!(parse_yuan("0.1"), Ok(10));
        assert_eq!(parse_yuan("7"), Ok(700));
        for bad in ["", "1.234", "-1", "1e3", "abc", ".5", "1 2"] {
            assert!(parse_yuan(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_are_shown_and_read_in_beijing() {
        let t: DateTime<Utc> = "2026-12-03T16:30:00Z".parse().unwrap();
        assert_eq!(beijing(t), "2026-12-04 00:30");
        assert_eq!(beijing_day(t), "2026-12-04");
        assert_eq!(parse_beijing("2026-12-04T00:30"), Ok(t));
        assert_eq!(parse_beijing(&beijing(t)), Ok(t));
        assert!(parse_beijing("tomorrow").is_err());
    }
}

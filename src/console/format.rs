//! What the console shows and reads: money in yuan ("12.50", stored as fen) and times in
//! Beijing time (UTC+8, stored as UTC). Parsed exactly: no floating point anywhere.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

fn beijing_zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Fen as yuan with two decimals: 1250 -> "12.50", -5 -> "-0.05".
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Yuan as typed ("12", "12.5", "12.50", "￥1,200.00") into fen; at most two decimals.
pub fn parse_yuan(raw: &str) -> Result<i64, &'static str> {
    const BAD: &str = "请输入金额，如 12.50（元，最多两位小数）";
    let cleaned: String = raw
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!frac.is_empty() && !digits(frac)) || frac.len() > 2 || whole.len() > 12 {
        return Err(BAD);
    }
    let whole: i64 = whole.parse().map_err(|_| BAD)?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| BAD)?;
    Ok(whole * 100 + frac)
}

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

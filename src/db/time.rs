//! Times are stored as unix milliseconds on both backends and are `DateTime<Utc>` in code.

use chrono::{DateTime, FixedOffset, Utc};

pub fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The reporting day ("2026-11-24") of an instant, at the configured UTC offset.
pub fn day(t: DateTime<Utc>, offset_minutes: i32) -> String {
    (t + chrono::Duration::minutes(offset_minutes.into()))
        .format("%Y-%m-%d")
        .to_string()
}

/// Beijing time, UTC+8: what the console and finance's files show.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The instant as a clock at the configured UTC offset shows it (Beijing time by default);
/// an offset out of range falls back to Beijing time.
pub fn local(t: DateTime<Utc>, offset_minutes: i32) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap_or_else(beijing);
    t.with_timezone(&offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_follow_the_reporting_offset() {
        let t: DateTime<Utc> = "2026-11-23T17:00:00Z".parse().unwrap();
        assert_eq!(day(t, 0), "2026-11-23");
        assert_eq!(day(t, 480), "2026-11-24");
        assert_eq!(from_ms(to_ms(t)), t);
    }
}

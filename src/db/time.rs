//! Times are stored as unix milliseconds on both backends and are `DateTime<Utc>` in code.

use chrono::{DateTime, Utc};

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

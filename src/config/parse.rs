//! Reading one setting's value: numbers within a range, UTC offsets; errors name the variable.

use std::fmt;

use super::ConfigError;

pub(super) fn err(var: &'static str, problem: String) -> ConfigError {
    ConfigError { var, problem }
}

pub(super) fn number<T>(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    let Some(raw) = get(var) else {
        return Ok(default);
    };
    let value: T = raw
        .trim()
        .parse()
        .map_err(|_| err(var, format!("'{raw}' is not a number")))?;
    if !range.contains(&value) {
        return Err(err(
            var,
            format!("{value} is outside {}..={}", range.start(), range.end()),
        ));
    }
    Ok(value)
}

/// Parses "+08:00", "-05:30" or "0" into minutes east of UTC. Offsets are whole quarter
/// hours (every time zone's are): the stats add quarter-hour counters up to days.
pub(super) fn utc_offset(raw: Option<&str>) -> Result<i32, ConfigError> {
    const VAR: &str = "FISSION_REPORT_UTC_OFFSET";
    let Some(raw) = raw else { return Ok(480) };
    let bad = || {
        err(
            VAR,
            format!("'{raw}' is not an offset like +08:00 in whole quarter hours"),
        )
    };
    if raw == "0" || raw.eq_ignore_ascii_case("z") {
        return Ok(0);
    }
    let (sign, rest) = match raw.as_bytes().first() {
        Some(b'+') => (1, &raw[1..]),
        Some(b'-') => (-1, &raw[1..]),
        _ => return Err(bad()),
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let hours: i32 = hours.parse().map_err(|_| bad())?;
    let minutes: i32 = minutes.parse().map_err(|_| bad())?;
    if hours > 14 || minutes > 59 || minutes % 15 != 0 {
        return Err(bad());
    }
    Ok(sign * (hours * 60 + minutes))
}

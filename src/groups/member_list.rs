//! The member-list format: a group tool's export as CSV. A header names a member
//! reference and/or a phone column, optionally when each person joined and, for former
//! members, when they left; Chinese headers and local times are understood.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

#[derive(Debug, Clone)]
pub struct Row {
    pub member_ref: Option<String>,
    pub phone: Option<String>,
    pub joined_at: Option<DateTime<Utc>>,
    /// A former member: when they left.
    pub left_at: Option<DateTime<Utc>>,
}

const MAX_ROWS: usize = 100_000;

/// Reads the CSV; any bad line refuses the whole file, naming the line.
pub fn parse(csv_text: &[u8], utc_offset_minutes: i32) -> Result<Vec<Row>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text);
    let headers = reader
        .headers()
        .map_err(|e| format!("header: {e}"))?
        .clone();
    let find = |names: &[&str]| {
        headers.iter().position(|h| {
            names
                .iter()
                .any(|n| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(n))
        })
    };
    let member_col = find(&[
        "member_ref",
        "member",
        "member_id",
        "wxid",
        "成员",
        "成员ID",
    ]);
    let phone_col = find(&["phone", "mobile", "手机号", "手机"]);
    let joined_col = find(&["joined_at", "joined", "join_time", "入群时间"]);
    let left_col = find(&["left_at", "left", "leave_time", "退群时间"]);
    if member_col.is_none() && phone_col.is_none() {
        return Err("the header must name a member_ref or a phone column".into());
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("line {line}: {e}"))?;
        let cell = |col: Option<usize>| {
            col.and_then(|c| record.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let (member_ref, phone) = (cell(member_col), cell(phone_col));
        if member_ref.is_none() && phone.is_none() {
            return Err(format!(
                "line {line}: neither a member reference nor a phone"
            ));
        }
        if member_ref.as_ref().is_some_and(|m| m.len() > 128)
            || phone.as_ref().is_some_and(|p| p.len() > 32)
        {
            return Err(format!("line {line}: a value is too long"));
        }
        let time = |col| match cell(col) {
            Some(raw) => parse_time(&raw, utc_offset_minutes)
                .map(Some)
                .ok_or_else(|| format!("line {line}: '{raw}' is not a time")),
            None => Ok(None),
        };
        let (joined_at, left_at) = (time(joined_col)?, time(left_col)?);
        if let (Some(joined), Some(left)) = (joined_at, left_at) {
            if left < joined {
                return Err(format!("line {line}: left before joining"));
            }
        }
        rows.push(Row {
            member_ref,
            phone,
            joined_at,
            left_at,
        });
        if rows.len() > MAX_ROWS {
            return Err(format!("at most {MAX_ROWS} rows per file"));
        }
    }
    Ok(rows)
}

/// RFC 3339, "2026-11-22 10:00:00" (local to the reporting offset), or unix seconds.
fn parse_time(raw: &str, utc_offset_minutes: i32) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(secs) = raw.parse::<i64>() {
        return Utc.timestamp_opt(secs, 0).single();
    }
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y/%m/%d %H:%M:%S"))
        .ok()?;
    let offset = chrono::FixedOffset::east_opt(utc_offset_minutes * 60)?;
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_with_chinese_headers_and_local_times_parse() {
        let csv = "\u{feff}成员ID,手机号,入群时间\nwx-1,13800138000,2026-11-22 18:00:00\nwx-2,,\n";
        let rows = parse(csv.as_bytes(), 480).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].joined_at.unwrap().to_rfc3339(),
            "2026-11-22T10:00:00+00:00"
        );
        assert_eq!(rows[1].phone, None);
    }

    #[test]
    fn a_bad_line_refuses_the_file_and_names_the_line() {
        let err = parse(b"member_ref,phone,joined_at\nwx-1,,yesterday\n", 0).unwrap_err();
        assert!(err.starts_with("line 2"), "{err}");
        assert!(parse(b"name,age\nx,1\n", 0).is_err());
        assert!(parse(b"member_ref,phone\n,\n", 0)
            .unwrap_err()
            .contains("line 2"));
    }

    #[test]
    fn former_members_carry_their_leave_time() {
        let csv =
            "成员ID,入群时间,退群时间\nwx-1,2026-11-22 18:00:00,2026-11-22 20:00:00\nwx-2,,\n";
        let rows = parse(csv.as_bytes(), 480).unwrap();
        assert_eq!(
            rows[0].left_at.unwrap().to_rfc3339(),
            "2026-11-22T12:00:00+00:00"
        );
        assert_eq!(rows[1].left_at, None);
        let err = parse(
            b"member_ref,joined_at,left_at\nwx-1,1700000000,1600000000\n",
            0,
        )
        .unwrap_err();
        assert!(err.contains("line 2: left before joining"), "{err}");
    }
}

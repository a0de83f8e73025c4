//! Member-list import: the safety net for callbacks that never came. A group tool's
//! export (member reference, phone if known, joined time) is compared with what fission
//! knew; joins and leaves are applied as events with stable ids, so importing the same
//! list again changes nothing.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use super::ingest::{self, Outcome};
use super::model::{EventKind, Group, GroupEvent, Source};
use super::store;
use super::views::ImportReport;
use crate::campaigns::Campaign;
use crate::db::Db;

#[derive(Debug, Clone)]
pub struct Row {
    pub member_ref: Option<String>,
    pub phone: Option<String>,
    pub joined_at: Option<DateTime<Utc>>,
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
        let joined_at = match cell(joined_col) {
            Some(raw) => Some(
                parse_time(&raw, utc_offset_minutes)
                    .ok_or_else(|| format!("line {line}: '{raw}' is not a time"))?,
            ),
            None => None,
        };
        rows.push(Row {
            member_ref,
            phone,
            joined_at,
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

pub async fn apply(
    db: &Db,
    group: &Group,
    campaign: &Campaign,
    rows: &[Row],
    now: DateTime<Utc>,
) -> anyhow::Result<ImportReport> {
    let mut report = ImportReport {
        rows: rows.len(),
        ..ImportReport::default()
    };
    let mut present = HashSet::new();
    for row in rows {
        let key = row
            .member_ref
            .clone()
            .or_else(|| row.phone.clone())
            .unwrap_or_default();
        let mut event = GroupEvent {
            id: String::new(),
            kind: EventKind::MemberJoined,
            group_id: group.id.clone(),
            participant_code: None,
            phone: row.phone.clone(),
            member_ref: row.member_ref.clone(),
            at: row.joined_at.unwrap_or(now),
        };
        let matched = ingest::match_participant(db, &campaign.id, &event).await?;
        if let Some((participant_id, _)) = &matched {
            present.insert(participant_id.clone());
            report.matched += 1;
            // Already a member: nothing to apply, whatever time the export shows.
            if store::membership_state(db, participant_id, &group.id)
                .await?
                .as_deref()
                == Some("joined")
            {
                report.unchanged += 1;
                continue;
            }
        }
        // Stable ids make a re-import a no-op; a row without a joined time that matches
        // nobody is one event, however often the list is uploaded.
        event.id = match (row.joined_at, &matched) {
            (Some(at), _) => format!("import:{}:{}:{}", group.id, key, at.timestamp()),
            (None, Some(_)) => format!("import:{}:{}:{}", group.id, key, now.timestamp_millis()),
            (None, None) => format!("import:{}:{}", group.id, key),
        };
        match ingest::ingest(db, group, campaign, &event, Source::Import, now).await? {
            Outcome::Applied => report.joined += 1,
            Outcome::Stale | Outcome::Duplicate => report.unchanged += 1,
            Outcome::Unmatched => report.unmatched += 1,
        }
    }
    let members = store::joined_members(db, &group.id).await?;
    for (participant_id, code) in members.into_iter().filter(|(id, _)| !present.contains(id)) {
        let event = GroupEvent {
            id: format!(
                "import:{}:{}:left:{}",
                group.id,
                participant_id,
                now.timestamp_millis()
            ),
            kind: EventKind::MemberLeft,
            group_id: group.id.clone(),
            participant_code: Some(code),
            phone: None,
            member_ref: None,
            at: now,
        };
        if ingest::ingest(db, group, campaign, &event, Source::Import, now).await?
            == Outcome::Applied
        {
            report.left += 1;
        }
    }
    Ok(report)
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
}

//! Page cursors: the position of the last row of a page, its time (unix ms) and its
//! uuid id, written as `{ms}.{id}`. Rows are ordered by time then id, so the next page
//! starts strictly after (or before) this pair.

/// The cursor naming a row.
pub fn encode(at_ms: i64, id: &str) -> String {
    format!("{at_ms}.{id}")
}

/// The row a cursor names; `None` for text this API did not give out. The id comes back
/// as it was written (ids are stored hyphenated in some tables and bare in others).
pub fn parse(raw: &str) -> Option<(i64, String)> {
    let (at, id) = raw.split_once('.')?;
    uuid::Uuid::parse_str(id).ok()?;
    Some((at.parse().ok()?, id.to_owned()))
}

/// The cursor naming a row whose id another system chose (any text): the id goes in hex,
/// so the cursor needs no escaping in a link.
pub fn encode_text(at_ms: i64, id: &str) -> String {
    format!("{at_ms}.{}", hex::encode(id))
}

/// The row a cursor from [`encode_text`] names; `None` for text this API did not give out.
pub fn parse_text(raw: &str) -> Option<(i64, String)> {
    let (at, id) = raw.split_once('.')?;
    let id = String::from_utf8(hex::decode(id).ok()?).ok()?;
    Some((at.parse().ok()?, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cursors_carry_any_id() {
        for id in ["evt-1", "a.b&c=d#e", "群 1", ""] {
            assert_eq!(
                parse_text(&encode_text(1_700_000_000_000, id)),
                Some((1_700_000_000_000, id.to_owned()))
            );
        }
        assert!(encode_text(5, "a b&c")
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.'));
        for bad in ["", "12", "x.00", "12.zz", "12.ff"] {
            assert_eq!(parse_text(bad), None, "{bad}");
        }
    }

    #[test]
    fn cursors_are_a_time_and_a_row_id() {
        for id in [
            "0193a0a0-0000-7000-8000-000000000000",
            "0193a0a0000070008000000000000000",
        ] {
            assert_eq!(
                parse(&encode(1_700_000_000_000, id)),
                Some((1_700_000_000_000, id.to_owned()))
            );
        }
        let id = "0193a0a0-0000-7000-8000-000000000000";
        for bad in ["", "12", "x.y", "12.not-a-uuid", &format!("a.{id}")] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}

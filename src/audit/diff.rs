//! What an entry changed, field by field: the before and after states flattened to
//! paths (`budget.amount`, `rules[0].reward.amount`) and compared, so a reader sees the
//! three fields that moved instead of two whole campaign bodies.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// One field that differs; `None` where it was absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The fields that differ between two states, in path order.
pub fn changes(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    let (mut old, mut new) = (BTreeMap::new(), BTreeMap::new());
    if let Some(v) = before {
        flatten("", v, &mut old);
    }
    if let Some(v) = after {
        flatten("", v, &mut new);
    }
    let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter(|p| old.get(*p) != new.get(*p))
        .map(|p| FieldChange {
            path: p.clone(),
            before: old.get(p).cloned(),
            after: new.get(p).cloned(),
        })
        .collect()
}

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, v) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, v, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::Null => {}
        Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_fields_that_moved_are_listed() {
        let before = json!({"title": "春茶", "budget": {"amount": 1000, "currency": "CNY"},
            "rules": [{"id": "pi", "reward": {"amount": 100}}], "ends_at": null});
        let after = json!({"title": "春茶", "budget": {"amount": 5000, "currency": "CNY"},
            "rules": [{"id": "pi", "reward": {"amount": 200}}], "ends_at": "2026-12-31T16:00:00Z"});
        let got = changes(Some(&before), Some(&after));
        let paths: Vec<&str> = got.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            ["budget.amount", "ends_at", "rules[0].reward.amount"]
        );
        assert_eq!(got[0].before.as_deref(), Some("1000"));
        assert_eq!(got[1].before, None);
        assert_eq!(got[1].after.as_deref(), Some("2026-12-31T16:00:00Z"));
    }

    #[test]
    fn a_creation_lists_every_field_as_new() {
        let got = changes(None, Some(&json!({"name": "群1", "capacity": 200})));
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|c| c.before.is_none()));
        assert!(changes(None, None).is_empty());
    }
}

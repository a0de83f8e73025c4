//! JSON merge patch (RFC 7396), the body of PATCH requests: objects merge, `null`
//! removes, anything else replaces.

use serde_json::Value;

pub fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (key, value) in p {
                if value.is_null() {
                    t.remove(&key);
                } else {
                    merge(t.entry(key).or_insert(Value::Null), value);
                }
            }
        }
        (t, p) => *t = p,
    }
}

#[cfg(test)]
mod tests {
    use super::merge;
    use serde_json::json;

    #[test]
    fn merge_patch_replaces_merges_and_removes() {
        let mut doc =
            json!({"a": 1, "page": {"hero": {"headline": "x", "cta": "go"}}, "ends_at": "t"});
        merge(
            &mut doc,
            json!({"page": {"hero": {"headline": "y"}}, "ends_at": null, "b": [1]}),
        );
        assert_eq!(
            doc,
            json!({"a": 1, "page": {"hero": {"headline": "y", "cta": "go"}}, "b": [1]})
        );
    }
}

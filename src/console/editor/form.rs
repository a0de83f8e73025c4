//! The editor's form: a campaign as a marketer types it (yuan, Beijing time, one entry per
//! line) turned into the JSON merge patch the campaigns service checks and stores. Only the
//! typing is checked here; every rule of a valid campaign stays in the service.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde_json::{json, Map, Value};

use crate::campaigns::money::parse_yuan;
use crate::console::format::parse_beijing;

/// What was typed, by field name: kept as typed so a refused form shows it again.
pub type Values = BTreeMap<String, String>;
/// A Chinese message per field name.
pub type FieldErrors = BTreeMap<String, String>;

/// Rows of the reward rule table a form may carry.
pub const MAX_RULE_ROWS: usize = 20;
pub const RULE_KINDS: &[&str] = &["milestone", "per_invite", "invitee_bonus", "leaderboard"];
pub const REWARD_TYPES: &[&str] = &["cash", "coupon", "points", "physical"];

/// Form pairs as values; a field sent twice keeps its last value.
pub fn values(pairs: impl IntoIterator<Item = (String, String)>) -> Values {
    pairs.into_iter().collect()
}

struct Reader<'a> {
    values: &'a Values,
    errors: FieldErrors,
}

impl Reader<'_> {
    fn raw(&self, key: &str) -> &str {
        self.values.get(key).map_or("", |v| v.trim())
    }

    /// Optional text: empty means none (`null` in the patch removes it).
    fn text(&self, key: &str) -> Value {
        match self.raw(key) {
            "" => Value::Null,
            text => json!(text),
        }
    }

    fn checked(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    fn fail(&mut self, key: &str, message: impl Into<String>) -> Value {
        self.errors.entry(key.to_owned()).or_insert(message.into());
        Value::Null
    }

    /// A whole number in a range; empty gives `default` (`None`: required).
    fn number<T>(&mut self, key: &str, range: (T, T), default: Option<T>) -> Value
    where
        T: FromStr + PartialOrd + Copy + std::fmt::Display + serde::Serialize,
    {
        let raw = self.raw(key).to_owned();
        if raw.is_empty() {
            return match default {
                Some(d) => json!(d),
                None => self.fail(key, "请填写这一项"),
            };
        }
        match raw.parse::<T>() {
            Ok(n) if n >= range.0 && n <= range.1 => json!(n),
            _ => self.fail(key, format!("请输入 {} 到 {} 之间的整数", range.0, range.1)),
        }
    }

    fn yuan(&mut self, key: &str) -> Value {
        match parse_yuan(self.raw(key)) {
            Ok(fen) => json!(fen),
            Err(message) => self.fail(key, message),
        }
    }

    /// Beijing time from a `datetime-local` field, as UTC.
    fn time(&mut self, key: &str) -> Value {
        let raw = self.raw(key).to_owned();
        match raw.as_str() {
            "" => Value::Null,
            raw => match parse_beijing(raw) {
                Ok(at) => json!(at),
                Err(message) => self.fail(key, message),
            },
        }
    }

    /// One entry per line.
    fn lines(&self, key: &str) -> Vec<String> {
        self.raw(key)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// "name|text" lines as objects with these two keys; a line without `|` is the name.
    fn pairs(&self, key: &str, first: &str, second: &str) -> Vec<Value> {
        self.lines(key)
            .iter()
            .map(|line| {
                let (a, b) = line
                    .split_once(['|', '｜'])
                    .map_or((line.as_str(), ""), |(a, b)| (a.trim(), b.trim()));
                json!({first: a, second: b})
            })
            .collect()
    }

    fn rule(&mut self, i: usize) -> Option<Value> {
        let key = |name: &str| format!("rule-{i}-{name}");
        let id = self.raw(&key("id")).to_owned();
        if id.is_empty() {
            return None;
        }
        let mut rule = Map::new();
        rule.insert("id".into(), json!(id));
        let kind = self.raw(&key("kind")).to_owned();
        rule.insert("kind".into(), json!(kind));
        match kind.as_str() {
            "milestone" => {
                let n = self.number(&key("count"), (1u32, 10_000), None);
                rule.insert("invites".into(), n);
            }
            "per_invite" => {
                let n = if self.raw(&key("count")).is_empty() {
                    Value::Null
                } else {
                    self.number(&key("count"), (1u32, 1_000_000), None)
                };
                rule.insert("max_per_inviter".into(), n);
            }
            "leaderboard" => {
                let n = self.number(&key("count"), (1u32, 1000), None);
                rule.insert("top".into(), n);
            }
            "invitee_bonus" => {}
            _ => {
                self.fail(&key("kind"), "请选择规则类型");
            }
        }
        let reward_type = self.raw(&key("reward")).to_owned();
        let reward = match reward_type.as_str() {
            "cash" => json!({"type": "cash", "amount": self.yuan(&key("value"))}),
            "coupon" => json!({"type": "coupon", "pool": self.raw(&key("value"))}),
            "points" => {
                json!({"type": "points", "points": self.number(&key("value"), (1i64, 1_000_000_000), None)})
            }
            "physical" => json!({"type": "physical", "sku": self.raw(&key("value")),
                "stock": self.number(&key("stock"), (0i64, 100_000_000), None),
                "name": self.text(&key("name"))}),
            _ => self.fail(&key("reward"), "请选择奖励类型"),
        };
        rule.insert("reward".into(), reward);
        Some(Value::Object(rule))
    }
}

/// The patch for the campaigns service, or the fields typed wrong.
pub fn to_patch(values: &Values) -> Result<Value, FieldErrors> {
    let mut r = Reader {
        values,
        errors: FieldErrors::new(),
    };
    let budget = if r.raw("budget").is_empty() {
        Value::Null
    } else {
        json!({"amount": r.yuan("budget")})
    };
    let rules: Vec<Value> = (0..MAX_RULE_ROWS).filter_map(|i| r.rule(i)).collect();
    let patch = json!({
        "title": r.raw("title"),
        "starts_at": r.time("starts_at"),
        "ends_at": r.time("ends_at"),
        "page": {
            "hero": {
                "headline": r.text("hero_headline"), "subtitle": r.text("hero_subtitle"),
                "incentive": r.text("hero_incentive"), "badge": r.text("hero_badge"),
                "cta": r.text("hero_cta"), "image_asset": r.text("hero_image_asset"),
            },
            "proof": {
                "title": r.text("proof_title"),
                "certifications": r.lines("proof_certifications_lines"),
                "experts": r.pairs("proof_experts_lines", "name", "title"),
                "testimonials": r.pairs("proof_testimonials_lines", "name", "quote"),
                "items": r.pairs("proof_items_lines", "title", "text"),
            },
            "closing": {
                "title": r.text("closing_title"), "text": r.text("closing_text"),
                "cta": r.text("closing_cta"), "follow_text": r.text("closing_follow_text"),
            },
            "consent_text": r.text("consent_text"),
            "ask_name": r.checked("ask_name"),
            "theme": {
                "color": r.text("theme_color"), "logo_asset": r.text("theme_logo_asset"),
                "layout": match r.raw("theme_layout") { "" => "classic", layout => layout },
            },
        },
        "qualification": {
            "require_group_join": r.checked("require_group_join"),
            "hold_hours": r.number("hold_hours", (0u32, 2160), Some(0)),
        },
        "groups": {
            "max_per_person": r.number("groups_max_per_person", (1u32, 20), Some(1)),
            "reservation_minutes": r.number("groups_reservation_minutes", (1u32, 1440), Some(30)),
            "fallback_text": r.text("groups_fallback_text"),
        },
        "fraud": {
            "ip_burst_leads": r.number("fraud_ip_burst_leads", (1u32, 100_000), Some(5)),
            "ip_burst_minutes": r.number("fraud_ip_burst_minutes", (1u32, 1440), Some(10)),
            "quick_leave_minutes": r.number("fraud_quick_leave_minutes", (0u32, 100_000), Some(30)),
            "hold_score": r.number("fraud_hold_score", (1u32, 100), Some(50)),
            "reject_score": r.number("fraud_reject_score", (0u32, 100), Some(0)),
        },
        "budget": budget,
        "rules": rules,
    });
    if r.errors.is_empty() {
        Ok(patch)
    } else {
        Err(r.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Values {
        values(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn yuan_and_beijing_time_become_fen_and_utc() {
        let patch = to_patch(&form(&[
            ("title", "春茶"),
            ("budget", "1000.50"),
            ("starts_at", "2026-12-01T08:00"),
            ("rule-0-id", "m3"),
            ("rule-0-kind", "milestone"),
            ("rule-0-count", "3"),
            ("rule-0-reward", "cash"),
            ("rule-0-value", "5"),
            ("require_group_join", "on"),
        ]))
        .unwrap();
        assert_eq!(patch["budget"]["amount"], 100_050);
        assert_eq!(patch["starts_at"], "2026-12-01T00:00:00Z");
        assert_eq!(patch["ends_at"], Value::Null);
        assert_eq!(patch["rules"][0]["reward"]["amount"], 500);
        assert_eq!(patch["qualification"]["require_group_join"], true);
        assert_eq!(patch["page"]["ask_name"], false);
    }

    #[test]
    fn typing_mistakes_are_named_per_field_in_chinese() {
        let errors = to_patch(&form(&[
            ("title", "t"),
            ("budget", "12.345"),
            ("starts_at", "tomorrow"),
            ("hold_hours", "-1"),
            ("rule-1-id", "m"),
            ("rule-1-kind", "milestone"),
            ("rule-1-reward", "cash"),
            ("rule-1-value", "abc"),
        ]))
        .unwrap_err();
        for field in [
            "budget",
            "starts_at",
            "hold_hours",
            "rule-1-count",
            "rule-1-value",
        ] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        assert!(errors["budget"].contains("两位小数"));
    }
}

//! What JSON alone cannot check in a campaign body: lengths, times, slug, rules, money.

use super::model::CampaignInput;
use super::rules;
use super::settings::Poster;
use super::slug::Slug;

const MAX_TEXT: usize = 2000;
const MAX_RULES_NOTES: usize = 10;
const MAX_PROOF_ENTRIES: usize = 60;

/// The slug when the body is valid, else a message naming the first problem.
pub fn validate(input: &CampaignInput) -> Result<Slug, String> {
    let slug = Slug::parse(&input.slug).ok_or_else(|| {
        format!(
            "slug '{}' must be 2-64 of a-z, 0-9 and inner dashes",
            input.slug
        )
    })?;
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err("title must be 1-100 characters".into());
    }
    if let (Some(s), Some(e)) = (input.starts_at, input.ends_at) {
        if e <= s {
            return Err("ends_at must be after starts_at".into());
        }
    }
    if let Some(budget) = input.budget {
        if budget.amount < 0 || budget.amount > 1_000_000_000_000 {
            return Err("budget.amount must be between 0 and 10^12 minor units".into());
        }
    }
    rules::validate(&input.spec.rules)?;
    let spends_cash = input.spec.rules.iter().any(|r| r.reward.cash_amount() > 0);
    if spends_cash && input.budget.is_none() {
        return Err("a campaign with cash rewards needs a budget".into());
    }
    if input.spec.qualification.hold_hours > 24 * 90 {
        return Err("qualification.hold_hours must be at most 2160 (90 days)".into());
    }
    input.spec.fraud.validate()?;
    if !(1..=20).contains(&input.spec.groups.max_per_person) {
        return Err("groups.max_per_person must be 1..=20".into());
    }
    if let Some(poster) = &input.spec.poster {
        validate_poster(poster)?;
    }
    let page = &input.spec.page;
    if page.texts().any(|text| text.chars().count() > MAX_TEXT) {
        return Err(format!("page texts must be at most {MAX_TEXT} characters"));
    }
    if page.proof_entries() > MAX_PROOF_ENTRIES {
        return Err(format!(
            "page.proof holds at most {MAX_PROOF_ENTRIES} entries"
        ));
    }
    page.theme.validate()?;
    if page.rules_notes.len() > MAX_RULES_NOTES {
        return Err(format!(
            "page.rules_notes holds at most {MAX_RULES_NOTES} lines"
        ));
    }
    Ok(slug)
}

/// A poster layout's own numbers; whether its code reads is checked by rendering it.
pub fn validate_poster(poster: &Poster) -> Result<(), String> {
    // Below ~120 px a phone camera struggles and long links no longer fit.
    if !(120..=2000).contains(&poster.qr.size) {
        return Err("poster.qr.size must be 120..=2000 pixels".into());
    }
    if let Some(name) = &poster.name {
        if name.size.is_some_and(|s| !(12..=200).contains(&s)) {
            return Err("poster.name.size must be 12..=200 pixels".into());
        }
        if name.color.is_some() && name.rgb().is_none() {
            return Err("poster.name.color must be #rrggbb".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(value: serde_json::Value) -> CampaignInput {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_minimal_campaign_is_valid() {
        let c = input(serde_json::json!({"slug": "spring-tea", "title": "春茶"}));
        assert_eq!(validate(&c).unwrap().as_str(), "spring-tea");
        assert_eq!(c.spec.attribution.window_hours, 168);
    }

    #[test]
    fn cash_rules_need_a_budget_and_times_must_be_ordered() {
        let c = input(serde_json::json!({"slug": "ab", "title": "t",
            "rules": [{"id": "m", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 500}}]}));
        assert!(validate(&c).unwrap_err().contains("budget"));
        let c = input(serde_json::json!({"slug": "ab", "title": "t",
            "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-11-01T00:00:00Z"}));
        assert!(validate(&c).is_err());
    }
}

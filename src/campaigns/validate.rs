//! What JSON alone cannot check in a campaign body: lengths, times, slug, rules, money.

use super::model::CampaignInput;
use super::rules;
use super::settings::{parse_color, Poster};
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

/// A poster's own numbers, design by design; whether each code reads is checked by
/// rendering it.
pub fn validate_poster(poster: &Poster) -> Result<(), String> {
    if poster.alternates.len() > MAX_POSTER_ALTERNATES {
        return Err(format!(
            "poster.alternates holds at most {MAX_POSTER_ALTERNATES} designs"
        ));
    }
    if poster.alternates.iter().any(|d| !d.alternates.is_empty()) {
        return Err("a design in poster.alternates has no alternates of its own".into());
    }
    poster.designs().try_for_each(validate_design)
}

const MAX_POSTER_ALTERNATES: usize = 2;
const MAX_DESIGN_NAME: usize = 12;
const MAX_POSTER_TEXT: usize = 60;

fn validate_design(poster: &Poster) -> Result<(), String> {
    // Below ~120 px a phone camera struggles and long links no longer fit.
    if !(120..=2000).contains(&poster.qr.size) {
        return Err("poster.qr.size must be 120..=2000 pixels".into());
    }
    if poster
        .design_name
        .as_deref()
        .is_some_and(|n| n.trim().is_empty() || n.chars().count() > MAX_DESIGN_NAME)
    {
        return Err(format!(
            "poster.design_name must be 1..={MAX_DESIGN_NAME} characters"
        ));
    }
    let bad_color = |c: &Option<String>| c.as_deref().is_some_and(|c| parse_color(c).is_none());
    if let Some(name) = &poster.name {
        if name.size.is_some_and(|s| !(12..=200).contains(&s)) {
            return Err("poster.name.size must be 12..=200 pixels".into());
        }
        if bad_color(&name.color) {
            return Err("poster.name.color must be #rrggbb".into());
        }
    }
    if poster.avatar.is_some_and(|a| !(32..=600).contains(&a.size)) {
        return Err("poster.avatar.size must be 32..=600 pixels".into());
    }
    if let Some(card) = &poster.card {
        if card.width == 0 || card.height == 0 || card.width > 4096 || card.height > 4096 {
            return Err("poster.card width and height must be 1..=4096 pixels".into());
        }
        if bad_color(&card.color) {
            return Err("poster.card.color must be #rrggbb".into());
        }
    }
    for (field, layer) in [("title", &poster.title), ("incentive", &poster.incentive)] {
        let Some(layer) = layer else { continue };
        if !(12..=200).contains(&layer.size) {
            return Err(format!("poster.{field}.size must be 12..=200 pixels"));
        }
        if layer.width.is_some_and(|w| !(40..=4096).contains(&w)) {
            return Err(format!("poster.{field}.width must be 40..=4096 pixels"));
        }
        if bad_color(&layer.color) {
            return Err(format!("poster.{field}.color must be #rrggbb"));
        }
        if layer
            .text
            .as_deref()
            .is_some_and(|t| t.chars().count() > MAX_POSTER_TEXT)
        {
            return Err(format!(
                "poster.{field}.text must be at most {MAX_POSTER_TEXT} characters"
            ));
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

//! What `console/editor.html` shows: the form's values and errors, the rule rows, the
//! launch checklist, and the signed preview link with its QR code. Prepared here so the
//! template only renders.

use chrono::Utc;
use qrcode::{Color, QrCode};
use serde::Serialize;

use super::form::{FieldErrors, Values, MAX_RULE_ROWS, REWARD_TYPES, RULE_KINDS};
use crate::campaigns::checklist::Checklist;
use crate::campaigns::page::Layout;
use crate::campaigns::{Campaign, Status};
use crate::console::format::beijing;
use crate::pages::preview;
use crate::state::AppState;

/// Every field of the form; the template reads each, so each has a value and an error.
pub const FIELDS: &[&str] = &[
    "_form",
    "title",
    "starts_at",
    "ends_at",
    "hero_headline",
    "hero_subtitle",
    "hero_incentive",
    "hero_badge",
    "hero_cta",
    "hero_image_asset",
    "theme_color",
    "theme_logo_asset",
    "theme_layout",
    "proof_title",
    "proof_certifications_lines",
    "proof_experts_lines",
    "proof_testimonials_lines",
    "proof_items_lines",
    "closing_title",
    "closing_text",
    "closing_cta",
    "closing_follow_text",
    "consent_text",
    "ask_name",
    "require_group_join",
    "hold_hours",
    "groups_max_per_person",
    "groups_reservation_minutes",
    "groups_fallback_text",
    "fraud_ip_burst_leads",
    "fraud_ip_burst_minutes",
    "fraud_quick_leave_minutes",
    "fraud_hold_score",
    "fraud_reject_score",
    "budget",
    "rules",
    "version",
];
const RULE_FIELDS: &[&str] = &["id", "kind", "count", "reward", "value", "stock", "name"];

#[derive(Serialize)]
pub struct EditorView {
    pub slug: String,
    pub title: String,
    pub status: Status,
    pub version: i64,
    pub landing_url: String,
    pub updated_at: String,
    pub budget_granted: String,
    pub poster_background: Option<String>,
    pub v: Values,
    pub errors: FieldErrors,
    pub has_errors: bool,
    pub rules: Vec<RuleRow>,
    pub rule_kinds: &'static [&'static str],
    pub reward_types: &'static [&'static str],
    pub layouts: Vec<&'static str>,
    pub checklist: Checklist,
    pub preview_url: String,
    pub preview_path: String,
    pub preview_expires: String,
    pub preview_qr: String,
    pub can_launch: bool,
}

/// One row of the rule table: its values and errors by short name (`id`, `count`, ...).
#[derive(Serialize)]
pub struct RuleRow {
    pub index: usize,
    pub v: Values,
    pub errors: FieldErrors,
}

pub fn editor_view(
    state: &AppState,
    campaign: &Campaign,
    mut v: Values,
    mut errors: FieldErrors,
    checklist: Checklist,
) -> EditorView {
    let used = (0..MAX_RULE_ROWS)
        .rev()
        .find(|i| {
            v.get(&format!("rule-{i}-id"))
                .is_some_and(|id| !id.trim().is_empty())
        })
        .map_or(0, |i| i + 1);
    let rows = (used + 2).min(MAX_RULE_ROWS);
    let rules = (0..rows)
        .map(|index| {
            let pick = |map: &mut FieldErrors| {
                RULE_FIELDS
                    .iter()
                    .map(|f| {
                        (
                            f.to_string(),
                            map.remove(&format!("rule-{index}-{f}")).unwrap_or_default(),
                        )
                    })
                    .collect::<Values>()
            };
            RuleRow {
                index,
                v: pick(&mut v),
                errors: pick(&mut errors),
            }
        })
        .collect();
    for field in FIELDS {
        v.entry(field.to_string()).or_default();
        errors.entry(field.to_string()).or_default();
    }
    v.insert("version".into(), campaign.version.to_string());
    let link = preview::link(state, campaign, Utc::now());
    let preview_path = link
        .url
        .strip_prefix(&state.settings.public_url)
        .unwrap_or(&link.url)
        .to_owned();
    EditorView {
        slug: campaign.slug.to_string(),
        title: campaign.title.clone(),
        status: campaign.status,
        version: campaign.version,
        landing_url: format!("{}/c/{}", state.settings.public_url, campaign.slug),
        updated_at: beijing(campaign.updated_at),
        budget_granted: crate::campaigns::money::format_yuan(campaign.budget_granted),
        poster_background: campaign
            .spec
            .poster
            .as_ref()
            .and_then(|p| p.background_asset.as_ref())
            .map(|id| format!("/assets/{id}")),
        has_errors: errors.values().any(|e| !e.is_empty()),
        v,
        errors,
        rules,
        rule_kinds: RULE_KINDS,
        reward_types: REWARD_TYPES,
        layouts: Layout::ALL.iter().map(|l| l.as_str()).collect(),
        can_launch: checklist.ready && campaign.status != Status::Active,
        checklist,
        preview_qr: qr_svg(&link.url),
        preview_url: link.url,
        preview_path,
        preview_expires: beijing(link.expires_at),
    }
}

/// The QR code of a link as an inline SVG (black modules on white, 4 modules of margin).
fn qr_svg(text: &str) -> String {
    let Ok(code) = QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let width = code.width();
    let size = width + 8;
    let mut path = String::new();
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == Color::Dark {
            path.push_str(&format!("M{},{}h1v1h-1z", i % width + 4, i / width + 4));
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"160\" height=\"160\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

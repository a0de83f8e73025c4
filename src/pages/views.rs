//! View data for the templates: every field prepared here, so templates stay dumb.

use serde_json::{json, Value};

use crate::campaigns::Campaign;

const DEFAULT_CONSENT: &str = "我同意主办方使用我的手机号联系我参与本活动并发放奖励";

pub struct FormState<'a> {
    pub csrf: &'a str,
    pub query: &'a str,
    pub phone: &'a str,
    pub name: &'a str,
    pub error: Option<&'a str>,
}

pub fn landing(c: &Campaign, public_url: &str, form: &FormState) -> Value {
    let page = &c.spec.page;
    let hero = &page.hero;
    let proof = &page.proof;
    let closing = &page.closing;
    let headline = hero.headline.clone().unwrap_or_else(|| c.title.clone());
    let hero_image = hero.image_asset.as_ref().map(|id| format!("/assets/{id}"));
    let share_image = hero
        .image_asset
        .as_ref()
        .or(c
            .spec
            .poster
            .as_ref()
            .and_then(|p| p.background_asset.as_ref()))
        .map(|id| format!("{public_url}/assets/{id}"));
    json!({
        "slug": c.slug,
        "title": c.title,
        "share": {
            "title": headline,
            "description": hero.incentive.clone().or(hero.subtitle.clone()).unwrap_or_default(),
            "image_url": share_image,
            "url": format!("{public_url}/c/{}", c.slug),
        },
        "hero": {
            "headline": headline,
            "subtitle": hero.subtitle,
            "incentive": hero.incentive,
            "badge": hero.badge,
            "cta": hero.cta.clone().unwrap_or_else(|| "立即参与".into()),
            "image_url": hero_image,
        },
        "proof": {
            "title": proof.title.clone().unwrap_or_else(|| "为什么信任我们".into()),
            "certifications": proof.certifications,
            "experts": proof.experts,
            "testimonials": proof.testimonials,
            "items": proof.items,
        },
        "closing": {
            "title": closing.title.clone().unwrap_or_else(|| "还没参与？现在加入".into()),
            "text": closing.text,
            "cta": closing.cta.clone().or(hero.cta.clone()).unwrap_or_else(|| "立即参与".into()),
            "follow_text": closing.follow_text,
        },
        "form": {
            "action": format!("/c/{}/join{}", c.slug, form.query),
            "csrf": form.csrf,
            "phone": form.phone,
            "name": form.name,
            "error": form.error,
            "consent_text": page.consent_text.clone().unwrap_or_else(|| DEFAULT_CONSENT.into()),
            "show_name": page.ask_name,
        },
    })
}

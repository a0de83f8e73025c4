//! View data for the templates: every field prepared here, so templates stay dumb.

use serde::Serialize;

use super::theme::ThemeView;
use crate::campaigns::page::{Expert, ProofItem, Testimonial};
use crate::campaigns::Campaign;
use crate::participants::model::consent_text;

pub struct FormState<'a> {
    pub csrf: &'a str,
    pub query: &'a str,
    pub phone: &'a str,
    pub name: &'a str,
    pub error: Option<&'a str>,
}

/// The parts of the landing page around the form that depend on the visitor or the
/// moment: HTML (escaped by their maker) or, on the cached page, the holes for them.
#[derive(Default)]
pub struct Around<'a> {
    pub banner: &'a str,
    pub live: &'a str,
    /// The visitor already joined: their progress instead of the form.
    pub returning: Option<Returning>,
    /// The campaign has not started: the remind-me form instead of the join form.
    pub upcoming: Option<Upcoming<'a>>,
}

/// What a campaign that has not started shows where the form goes: when it starts and
/// a form to be told by SMS.
#[derive(Serialize)]
pub struct Upcoming<'a> {
    pub action: String,
    /// Beijing time, `%-m月%-d日 %H:%M`.
    pub starts: String,
    pub consent_text: &'static str,
    pub consented: bool,
    /// The reminder was stored (masked phone shown back).
    pub done: Option<String>,
    pub phone: &'a str,
}

/// What a returning participant sees where the form was.
#[derive(Serialize)]
pub struct Returning {
    pub display_name: String,
    pub qualified: i64,
    pub pending: i64,
    pub next_milestone: Option<NextMilestone>,
    pub me_url: String,
}

/// What `landing.html` shows: the three sections and the form.
#[derive(Serialize)]
pub struct LandingPage<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub share: Share,
    pub banner: &'a str,
    pub live: &'a str,
    pub returning: Option<Returning>,
    pub upcoming: Option<Upcoming<'a>>,
    pub theme: ThemeView,
    pub hero: Hero<'a>,
    pub proof: Proof<'a>,
    pub closing: Closing<'a>,
    /// 活动规则, written from the rules themselves.
    pub rules: Vec<String>,
    pub form: Form<'a>,
}

/// What WeChat shows when the link is shared.
#[derive(Serialize)]
pub struct Share {
    pub title: String,
    pub description: String,
    pub image_url: Option<String>,
    pub url: String,
}

#[derive(Serialize)]
pub struct Hero<'a> {
    pub headline: String,
    pub subtitle: &'a Option<String>,
    pub incentive: &'a Option<String>,
    pub badge: &'a Option<String>,
    pub cta: String,
    pub image_url: Option<String>,
    pub image_first: bool,
}

#[derive(Serialize)]
pub struct Proof<'a> {
    pub title: String,
    pub certifications: &'a [String],
    pub experts: &'a [Expert],
    pub testimonials: &'a [Testimonial],
    pub items: &'a [ProofItem],
}

#[derive(Serialize)]
pub struct Closing<'a> {
    pub title: String,
    pub text: &'a Option<String>,
    pub cta: String,
    pub follow_text: &'a Option<String>,
}

#[derive(Serialize)]
pub struct Form<'a> {
    pub action: String,
    pub csrf: &'a str,
    pub phone: &'a str,
    pub name: &'a str,
    pub error: Option<&'a str>,
    pub consent_text: &'a str,
    pub show_name: bool,
}

pub fn landing<'a>(
    c: &'a Campaign,
    public_url: &str,
    utc_offset_minutes: i32,
    form: &FormState<'a>,
    around: Around<'a>,
) -> LandingPage<'a> {
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
    let cta = hero.cta.clone().unwrap_or_else(|| "立即参与".into());
    LandingPage {
        slug: c.slug.as_str(),
        title: &c.title,
        share: Share {
            title: headline.clone(),
            description: hero
                .incentive
                .clone()
                .or(hero.subtitle.clone())
                .unwrap_or_default(),
            image_url: share_image,
            url: format!("{public_url}/c/{}", c.slug),
        },
        banner: around.banner,
        live: around.live,
        returning: around.returning,
        upcoming: around.upcoming,
        theme: super::theme::view(&page.theme),
        rules: super::rules_text::lines(c, utc_offset_minutes),
        hero: Hero {
            headline,
            subtitle: &hero.subtitle,
            incentive: &hero.incentive,
            badge: &hero.badge,
            cta: cta.clone(),
            image_url: hero_image,
            image_first: hero.image_first,
        },
        proof: Proof {
            title: proof
                .title
                .clone()
                .unwrap_or_else(|| "为什么信任我们".into()),
            certifications: &proof.certifications,
            experts: &proof.experts,
            testimonials: &proof.testimonials,
            items: &proof.items,
        },
        closing: Closing {
            title: closing
                .title
                .clone()
                .unwrap_or_else(|| "还没参与？现在加入".into()),
            text: &closing.text,
            cta: closing.cta.clone().unwrap_or(cta),
            follow_text: &closing.follow_text,
        },
        form: Form {
            action: format!("/c/{}/join{}", c.slug, form.query),
            csrf: form.csrf,
            phone: form.phone,
            name: form.name,
            error: form.error,
            consent_text: consent_text(c),
            show_name: page.ask_name,
        },
    }
}

/// What `me.html` shows: the participant's own page.
#[derive(Serialize)]
pub struct MePage<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub theme: ThemeView,
    /// The copy button's script, allowed by its hash (see `render::COPY_SCRIPT`).
    pub copy_script: &'static str,
    /// The people this participant invited, newest first.
    pub invitees: Vec<InviteeLine>,
    pub me: MeLinks,
    pub progress: Progress,
    pub rewards: Vec<RewardLine>,
    pub rank: Option<i64>,
    pub group: Option<GroupLink>,
    /// Joining a group is what makes invites count: its card comes before the poster.
    pub group_first: bool,
    pub shipping: ShippingState,
    /// The 领取 page, when WeChat Pay transfers wait for the participant.
    pub wechat_claim: Option<String>,
}

#[derive(Serialize)]
pub struct MeLinks {
    pub code: String,
    pub display_name: String,
    pub invite_url: String,
    pub poster_png: String,
    pub poster_jpg: String,
}

impl MeLinks {
    pub fn new(public_url: &str, slug: &str, code: &str, display_name: String) -> Self {
        MeLinks {
            code: code.to_owned(),
            display_name,
            invite_url: format!("{public_url}/c/{slug}?ref={code}"),
            poster_png: format!("/c/{slug}/p/{code}.png"),
            poster_jpg: format!("/c/{slug}/p/{code}.jpg"),
        }
    }
}

#[derive(Serialize)]
pub struct Progress {
    pub qualified: i64,
    pub pending: i64,
    pub next_milestone: Option<NextMilestone>,
}

#[derive(Serialize)]
pub struct NextMilestone {
    pub invites: i64,
    pub remaining: i64,
    pub reward: String,
}

/// One invitee as their inviter may see them: a nickname or a masked phone, and where
/// their referral stands in plain words.
#[derive(Serialize)]
pub struct InviteeLine {
    pub who: String,
    /// `%-m月%-d日` (Beijing time).
    pub joined_on: String,
    pub state: &'static str,
    /// `counted`, `waiting`, `join` or `lost`: the tag's colour.
    pub tone: &'static str,
    /// Why it does not (yet) count, when there is something to say.
    pub why: Option<String>,
}

#[derive(Serialize)]
pub struct RewardLine {
    pub label: String,
    pub status: String,
    pub status_label: &'static str,
}

#[derive(Serialize)]
pub struct GroupLink {
    pub name: String,
    pub url: String,
}

#[derive(Serialize)]
pub struct ShippingState {
    pub needed: bool,
    pub saved: bool,
    pub action: String,
    pub csrf: String,
}

/// What `group.html` shows: the live code, or what to do when no group is open.
#[derive(Serialize)]
pub struct GroupPage<'a> {
    pub title: &'a str,
    pub slug: &'a str,
    pub group: Option<GroupCode>,
    pub fallback: String,
}

#[derive(Serialize)]
pub struct GroupCode {
    pub name: String,
    pub qr_url: String,
    /// Local time, `%m月%d日 %H:%M`.
    pub expires_at: Option<String>,
}

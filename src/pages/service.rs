//! What the phone pages do beyond reading a campaign: join from the page's form, and the
//! participant's page (progress, rank, rewards and a seat in a group).

use std::net::IpAddr;

use actix_web::HttpRequest;
use chrono::{DateTime, Utc};

use super::views::{
    GroupLink, MeLinks, MePage, NextMilestone, Progress, Returning, RewardLine, ShippingState,
};
use crate::campaigns::rules::RuleKind;
use crate::campaigns::Campaign;
use crate::db::time::to_ms;
use crate::participants::leads::{self, Captured, Lead, LeadError};
use crate::participants::model::{consent_text, Consent, ConsentChannel};
use crate::participants::{store, Channel, InviteCode, Participant, Phone};
use crate::rewards::{leaderboard, GrantRow};
use crate::state::AppState;

/// The participant this browser joined as, if it did: its `fx_me` cookie names them.
pub async fn joined_here(
    state: &AppState,
    req: &HttpRequest,
    campaign: &Campaign,
) -> anyhow::Result<Option<Participant>> {
    let Some(code) = super::cookies::me(req, &state.signer, campaign.slug.as_str()) else {
        return Ok(None);
    };
    store::by_code(&state.db, &campaign.id, &code).await
}

/// A participant back on the landing page: their progress, shown instead of the form.
pub async fn returning(
    state: &AppState,
    req: &HttpRequest,
    campaign: &Campaign,
) -> anyhow::Result<Option<Returning>> {
    let Some(participant) = joined_here(state, req, campaign).await? else {
        return Ok(None);
    };
    let (qualified, pending) = store::referral_counts(&state.db, &participant.id).await?;
    Ok(Some(Returning {
        display_name: participant.display_name(),
        qualified,
        pending,
        next_milestone: next_step(campaign, qualified),
        me_url: format!("/c/{}/me", campaign.slug),
    }))
}

/// A join from the page's form, checked and attributed.
pub struct PageJoin<'a> {
    pub phone: Phone,
    pub name: Option<String>,
    pub inviter: Option<InviteCode>,
    pub channel: Channel,
    /// From the visitor cookie: the device, for the fraud rules.
    pub visitor_id: Option<&'a str>,
    /// From the participant cookie: who this browser already joined as.
    pub me_code: Option<String>,
    pub ip: Option<IpAddr>,
    pub user_agent: &'a str,
}

/// Captures the lead with the consent the page showed.
pub async fn join(
    state: &AppState,
    campaign: &Campaign,
    join: PageJoin<'_>,
    now: DateTime<Utc>,
) -> Result<Captured, LeadError> {
    let ip = join.ip.map(|i| i.to_string()).unwrap_or_default();
    let signer = &state.signer;
    let lead = Lead {
        phone: join.phone,
        name: join.name,
        inviter: join.inviter,
        channel: join.channel,
        device: crate::fraud::device::identify(
            signer,
            &crate::fraud::device::Seen {
                campaign_id: &campaign.id,
                visitor_id: join.visitor_id,
                ip: &ip,
                user_agent: join.user_agent,
            },
        ),
        ip_hash: join.ip.map(|_| signer.hash("ip", &[&ip])),
        me_code: join.me_code,
        consent: Consent::given(consent_text(campaign), ConsentChannel::Page, to_ms(now)),
    };
    let offset = state.settings.report_utc_offset_minutes;
    leads::capture(&state.db, campaign, &lead, now, offset).await
}

/// The next milestone not yet reached, and how far it is.
fn next_step(campaign: &Campaign, qualified: i64) -> Option<NextMilestone> {
    next_milestone(campaign, qualified).map(|(invites, reward)| NextMilestone {
        invites,
        remaining: invites - qualified,
        reward,
    })
}

/// The next milestone not yet reached: (invites needed, reward label).
fn next_milestone(campaign: &Campaign, qualified: i64) -> Option<(i64, String)> {
    campaign
        .spec
        .rules
        .iter()
        .filter_map(|r| match r.kind {
            RuleKind::Milestone { invites } if i64::from(invites) > qualified => {
                Some((i64::from(invites), r.reward.label()))
            }
            _ => None,
        })
        .min_by_key(|(n, _)| *n)
}

fn reward_line(campaign: &Campaign, g: &GrantRow) -> RewardLine {
    let rule = campaign.spec.rules.iter().find(|r| r.id == g.rule_id);
    let mut label = rule.map_or_else(|| g.rule_id.clone(), |r| r.reward.label());
    if let Some(code) = &g.coupon_code {
        label = format!("{label}：{code}");
    }
    let status_label = match (g.status.as_str(), g.reward_type.as_str()) {
        ("revoked", _) => "已撤销",
        ("paid", _) => "已到账",
        ("paying", _) => "打款中",
        ("granted", "cash") => "待打款",
        ("granted", "physical") if g.shipping.is_none() => "待填写地址",
        ("granted", "physical") => "待发货",
        _ => "已发放",
    };
    RewardLine {
        label,
        status: g.status.clone(),
        status_label,
    }
}

/// The participant's page. Seeing it routes the person to a group, so the button leads
/// to a seat; a failed routing only hides the button.
pub async fn my_page<'a>(
    state: &AppState,
    campaign: &'a Campaign,
    participant: &Participant,
    csrf: String,
) -> anyhow::Result<MePage<'a>> {
    let (qualified, pending) = store::referral_counts(&state.db, &participant.id).await?;
    let rank = leaderboard::rank_of(&state.db, &campaign.id, &participant.id).await?;
    let group = crate::groups::routing::route(&state.db, campaign, &participant.id, Utc::now())
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = ?e, "routing on the participant page failed");
            None
        });
    let grants = crate::rewards::grants_of(state, &participant.id).await?;
    let mut physical = grants
        .iter()
        .filter(|g| g.reward_type == "physical" && g.status != "revoked")
        .peekable();
    let slug = campaign.slug.as_str();
    let shipping = ShippingState {
        needed: physical.peek().is_some(),
        saved: physical.all(|g| g.shipping.is_some()),
        action: format!("/c/{slug}/me/shipping"),
        csrf,
    };
    let next_milestone = next_step(campaign, qualified);
    let invitees = super::invitees::lines(state, campaign, &participant.id).await?;
    Ok(MePage {
        slug,
        title: &campaign.title,
        theme: super::theme::view(&campaign.spec.page.theme),
        copy_script: super::render::COPY_SCRIPT,
        invitees,
        me: MeLinks::new(
            &state.settings.public_url,
            slug,
            &participant.code,
            participant.display_name(),
        ),
        progress: Progress {
            qualified,
            pending,
            next_milestone,
        },
        rewards: grants.iter().map(|g| reward_line(campaign, g)).collect(),
        rank,
        group: group.map(|g| GroupLink {
            name: g.name,
            url: format!("/c/{slug}/group"),
        }),
        group_first: campaign.spec.qualification.require_group_join,
        shipping,
        wechat_claim: crate::wechat::claim_link(state, slug, &participant.id).await,
    })
}

//! Participant use cases: joining through the public API, creating seeds, and the admin
//! detail that reads across participants, groups and rewards.

use std::net::IpAddr;

use serde_json::Value;

use super::code::{Channel, InviteCode};
use super::leads::{self, Captured, Lead, LeadError};
use super::model::{consent_text, parse_name, Consent, ConsentChannel};
use super::phone::Phone;
use super::views::{
    JoinBody, JoinedGroup, JoinedParticipant, ParticipantDetail, ParticipantFlag, ParticipantGrant,
    ParticipantGroup, ParticipantInvitee, ParticipantInviter, ParticipantLinks, SeedBody,
    SeedParticipant,
};
use super::{seeds, store};
use crate::audit::{self, Actor};
use crate::campaigns::{service::load, Openness};
use crate::db::time::{from_ms, to_ms};
use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;

impl From<LeadError> for ApiError {
    fn from(err: LeadError) -> Self {
        match err {
            LeadError::Closed(why) => {
                ApiError::conflict(ErrorCode::CampaignNotOpen, closed_message(why))
            }
            LeadError::Db(e) => e.into(),
        }
    }
}

fn closed_message(why: Openness) -> &'static str {
    match why {
        Openness::NotStarted => "活动尚未开始 (the campaign has not started yet)",
        Openness::Ended => "活动已结束 (the campaign has ended)",
        Openness::Paused => "活动已暂停 (the campaign is paused)",
        Openness::Draft | Openness::Open => "活动不存在或未发布 (the campaign is not published)",
    }
}

fn invalid_name(message: &str) -> ApiError {
    ApiError::invalid(ErrorCode::InvalidName, message)
}

/// Where a request came from, as the lead records it.
pub struct Client<'a> {
    pub ip: Option<IpAddr>,
    pub user_agent: &'a str,
}

/// `POST /api/v1/public/campaigns/{slug}/participants`: true when the person is new.
pub async fn join(
    state: &AppState,
    slug: &str,
    body: JoinBody,
    client: Client<'_>,
) -> Result<(bool, JoinedParticipant), ApiError> {
    let campaign = state
        .campaigns
        .get(&state.db, slug)
        .await?
        .ok_or_else(|| ApiError::not_found("campaign"))?;
    let phone = match &body.phone {
        Some(Value::String(s)) => Phone::parse(s),
        Some(Value::Number(n)) => Phone::parse(&n.to_string()),
        _ => Phone::parse(""),
    }
    .map_err(|e| ApiError::invalid(ErrorCode::InvalidPhone, e.to_string()))?;
    if body.consent != Some(Value::Bool(true)) {
        return Err(ApiError::invalid(
            ErrorCode::ConsentRequired,
            "consent must be true: the person agrees to be contacted",
        ));
    }
    let channel = match body.channel.as_deref() {
        Some(raw) => Channel::parse(raw).ok_or_else(|| {
            ApiError::invalid(
                ErrorCode::InvalidChannel,
                "channel: at most 64 letters, digits, - _ .",
            )
        })?,
        None => Channel::default(),
    };
    let name = parse_name(body.name.as_deref()).map_err(invalid_name)?;
    let ip_text = client.ip.map(|i| i.to_string()).unwrap_or_default();
    let now = chrono::Utc::now();
    let lead = Lead {
        phone,
        name,
        inviter: body.ref_code.as_deref().and_then(InviteCode::parse),
        channel,
        // The JSON API carries no cookies: its device is the weak network hint.
        device: crate::fraud::device::identify(
            &state.signer,
            &crate::fraud::device::Seen {
                campaign_id: &campaign.id,
                visitor_id: None,
                ip: &ip_text,
                user_agent: client.user_agent,
            },
        ),
        ip_hash: client.ip.map(|_| state.signer.hash("ip", &[&ip_text])),
        me_code: None,
        consent: Consent::given(consent_text(&campaign), ConsentChannel::Api, to_ms(now)),
    };
    let offset = state.settings.report_utc_offset_minutes;
    let (captured, group) =
        leads::capture_and_route(&state.db, &campaign, &lead, now, offset).await?;
    let p = captured.participant();
    let public_url = &state.settings.public_url;
    let joined = JoinedParticipant {
        links: ParticipantLinks::new(public_url, &campaign, &p.code),
        inviter: captured.inviter_code().map(str::to_owned),
        group: group.map(|g| JoinedGroup {
            qr_url: format!("{public_url}{}", g.qr_url()),
            id: g.id,
            name: g.name,
        }),
    };
    Ok((matches!(captured, Captured::New { .. }), joined))
}

/// `POST /api/v1/campaigns/{slug}/seeds`
pub async fn seeds(
    state: &AppState,
    slug: &str,
    body: SeedBody,
    actor: &Actor,
) -> Result<Vec<SeedParticipant>, ApiError> {
    let campaign = load(&state.db, slug).await?;
    let channel = Channel::parse(&body.channel)
        .filter(|c| !c.as_str().is_empty())
        .ok_or_else(|| {
            ApiError::invalid(
                ErrorCode::InvalidChannel,
                "channel: 1-64 letters, digits, - _ .",
            )
        })?;
    let count = body.count.unwrap_or(body.names.len() as u32);
    if !(1..=1000).contains(&count) || body.names.len() > count as usize {
        return Err(ApiError::invalid(
            ErrorCode::InvalidCount,
            "count must be 1..=1000 and cover the names given",
        ));
    }
    let mut names = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        let name = match body.names.get(i) {
            Some(n) => parse_name(Some(n)).map_err(invalid_name)?,
            None => None,
        };
        names.push(name.unwrap_or_else(|| format!("{}-{}", channel.as_str(), i + 1)));
    }
    let now = chrono::Utc::now();
    let offset = state.settings.report_utc_offset_minutes;
    let (c, actor) = (campaign.clone(), actor.clone());
    let created = state
        .db
        .write_tx(move |tx| {
            Box::pin(async move {
                let seeds = seeds::create(tx, &c, &channel, &names, now, offset).await?;
                let codes: Vec<&str> = seeds.iter().map(|p| p.code.as_str()).collect();
                let after = serde_json::json!({"channel": channel.as_str(), "codes": codes});
                let subject = channel.as_str();
                audit::record(
                    tx,
                    &actor,
                    "seeds.created",
                    Some(&c.id),
                    subject,
                    None,
                    Some(after),
                )
                .await?;
                Ok::<_, sqlx::Error>(seeds)
            })
        })
        .await?;
    let public_url = &state.settings.public_url;
    Ok(created
        .into_iter()
        .map(|p| SeedParticipant {
            links: ParticipantLinks::new(public_url, &campaign, &p.code),
            channel: p.channel,
            name: p.name,
        })
        .collect())
}

/// `GET /api/v1/campaigns/{slug}/participants/{code}`
pub async fn detail(
    state: &AppState,
    slug: &str,
    code: &str,
) -> Result<ParticipantDetail, ApiError> {
    Ok(detail_with_person(state, slug, code).await?.1)
}

/// The detail and the stored person behind it (their id and unmasked phone).
pub async fn detail_with_person(
    state: &AppState,
    slug: &str,
    code: &str,
) -> Result<(store::Participant, ParticipantDetail), ApiError> {
    let campaign = load(&state.db, slug).await?;
    let db = &state.db;
    let p = store::by_code(db, &campaign.id, &code.to_ascii_lowercase())
        .await?
        .ok_or_else(|| ApiError::not_found("participant"))?;
    let inviter = match &p.inviter_id {
        Some(id) => store::by_id(db, id).await?,
        None => None,
    };
    let invitees = store::invitees(db, &p.id, 1000).await?;
    let invitee_flags = store::invitee_flags(db, &p.id).await?;
    let (qualified, pending) = store::referral_counts(db, &p.id).await?;
    let flags = store::fraud_flags(db, &p.id).await?;
    let groups = crate::groups::store::memberships(db, &p.id).await?;
    let grants = crate::rewards::grants_of(state, &p.id).await?;
    let detail = ParticipantDetail {
        links: ParticipantLinks::new(&state.settings.public_url, &campaign, &p.code),
        phone_masked: p.phone_masked(),
        name: p.name.clone(),
        kind: p.kind,
        channel: p.channel.clone(),
        status: p.status,
        generation: p.generation,
        created_at: from_ms(p.created_at),
        inviter: inviter.as_ref().map(ParticipantInviter::new),
        invitees: invitees
            .iter()
            .map(|i| ParticipantInvitee::new(i, &invitee_flags))
            .collect(),
        qualified_invites: qualified,
        pending_invites: pending,
        fraud_flags: flags.into_iter().map(ParticipantFlag::from).collect(),
        groups: groups
            .into_iter()
            .map(|m| ParticipantGroup {
                group_id: m.group_id,
                name: m.group_name,
                state: m.state,
                assigned_at: from_ms(m.assigned_at),
                joined_at: m.joined_at.map(from_ms),
                left_at: m.left_at.map(from_ms),
            })
            .collect(),
        grants: grants
            .into_iter()
            .map(|g| ParticipantGrant {
                shipping_given: g.shipping.is_some(),
                grant_id: g.id,
                rule_id: g.rule_id,
                reason: g.reason,
                reward_type: g.reward_type,
                amount: g.amount,
                currency: g.currency,
                coupon_code: g.coupon_code,
                sku: g.sku,
                status: g.status,
                flag: g.flag,
                granted_at: from_ms(g.granted_at),
                paid_at: g.paid_at.map(from_ms),
                revoked_at: g.revoked_at.map(from_ms),
            })
            .collect(),
    };
    Ok((p, detail))
}

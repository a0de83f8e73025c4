use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::code::{Channel, InviteCode};
use super::leads::{self, Captured, Lead, LeadError};
use super::phone::Phone;
use super::store::{self, Participant};
use crate::auth::{Auth, CampaignWrite, ReadAccess};
use crate::campaigns::service::load;
use crate::campaigns::{Campaign, Openness};
use crate::http::client;
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

pub fn closed_message(why: Openness) -> &'static str {
    match why {
        Openness::NotStarted => "活动尚未开始 (the campaign has not started yet)",
        Openness::Ended => "活动已结束 (the campaign has ended)",
        Openness::Paused => "活动已暂停 (the campaign is paused)",
        Openness::Draft | Openness::Open => "活动不存在或未发布 (the campaign is not published)",
    }
}

/// A participant's public links.
pub fn links(state: &AppState, campaign: &Campaign, p: &Participant) -> Value {
    let base = &state.settings.public_url;
    json!({
        "code": p.code,
        "invite_url": format!("{base}/c/{}?ref={}", campaign.slug, p.code),
        "poster_url": format!("{base}/c/{}/p/{}.png", campaign.slug, p.code),
        "poster_jpg_url": format!("{base}/c/{}/p/{}.jpg", campaign.slug, p.code),
    })
}

#[derive(Deserialize)]
pub struct JoinBody {
    phone: Option<Value>,
    consent: Option<Value>,
    #[serde(rename = "ref")]
    ref_code: Option<String>,
    channel: Option<String>,
    name: Option<String>,
}

/// Reads the optional nickname: trimmed, at most 32 characters, no control characters.
pub fn parse_name(raw: Option<&str>) -> Result<Option<String>, &'static str> {
    let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if name.chars().count() > 32 || name.chars().any(char::is_control) {
        return Err("昵称最多32个字符 (name: at most 32 characters, no control characters)");
    }
    Ok(Some(name.to_owned()))
}

/// `POST /api/v1/public/campaigns/{slug}/participants`
pub async fn join_json(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<JoinBody>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ip = client::client_ip(&req, &state.settings.trusted_proxies);
    state.public_writes.check(ip)?;
    let campaign = state
        .campaigns
        .get(&state.db, &slug)
        .await?
        .ok_or_else(|| ApiError::not_found("campaign"))?;
    let body = body.into_inner();
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
    let name = parse_name(body.name.as_deref())
        .map_err(|m| ApiError::invalid(ErrorCode::InvalidName, m))?;
    let ua = client::user_agent(&req);
    let ip_text = ip.map(|i| i.to_string()).unwrap_or_default();
    let lead = Lead {
        phone,
        name,
        inviter: body.ref_code.as_deref().and_then(InviteCode::parse),
        channel,
        visitor_hash: Some(
            state
                .signer
                .hash("visitor", &[campaign.id.as_str(), &ip_text, ua]),
        ),
        ip_hash: ip.map(|_| state.signer.hash("ip", &[&ip_text])),
    };
    let captured = leads::capture(
        &state.db,
        &campaign,
        &lead,
        chrono::Utc::now(),
        state.settings.report_utc_offset_minutes,
    )
    .await?;
    let mut out = links(&state, &campaign, captured.participant());
    out["inviter"] = json!(captured.inviter_code());
    out["group"] = crate::groups::route_for_api(&state, &campaign, captured.participant()).await?;
    Ok(match captured {
        Captured::New { .. } => HttpResponse::Created().json(out),
        Captured::Existing { .. } => HttpResponse::Ok().json(out),
    })
}

#[derive(Deserialize)]
pub struct SeedBody {
    channel: String,
    count: Option<u32>,
    #[serde(default)]
    names: Vec<String>,
}

/// `POST /api/v1/campaigns/{slug}/seeds`
pub async fn seeds(
    _: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<SeedBody>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
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
            Some(n) => {
                parse_name(Some(n)).map_err(|m| ApiError::invalid(ErrorCode::InvalidName, m))?
            }
            None => None,
        };
        names.push(name.unwrap_or_else(|| format!("{}-{}", channel.as_str(), i + 1)));
    }
    let created = leads::create_seeds(
        &state.db,
        &campaign,
        &channel,
        &names,
        chrono::Utc::now(),
        state.settings.report_utc_offset_minutes,
    )
    .await?;
    let out: Vec<Value> = created
        .iter()
        .map(|p| {
            let mut v = links(&state, &campaign, p);
            v["channel"] = json!(p.channel);
            v["name"] = json!(p.name);
            v
        })
        .collect();
    Ok(HttpResponse::Created().json(out))
}

/// `GET /api/v1/campaigns/{slug}/participants/{code}`
pub async fn detail(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let campaign = load(&state.db, &slug).await?;
    let p = store::by_code(&state.db, &campaign.id, &code.to_ascii_lowercase())
        .await?
        .ok_or_else(|| ApiError::not_found("participant"))?;
    let inviter = match &p.inviter_id {
        Some(id) => store::by_id(&state.db, id).await?,
        None => None,
    };
    let invitees = store::invitees(&state.db, &p.id, 1000).await?;
    let (qualified, pending) = store::referral_counts(&state.db, &p.id).await?;
    let flags = store::fraud_flags(&state.db, &p.id).await?;
    let mut out = links(&state, &campaign, &p);
    let extra = json!({
        "name": p.name,
        "phone_masked": p.phone_masked(),
        "kind": p.kind,
        "channel": p.channel,
        "status": p.status,
        "generation": p.generation,
        "created_at": crate::db::time::from_ms(p.created_at),
        "inviter": inviter.map(|i| json!({"code": i.code, "name": i.name, "phone_masked": i.phone_masked()})),
        "invitees": invitees.iter().map(|i| json!({
            "code": i.code,
            "phone_masked": i.phone.as_deref().map(super::phone::mask),
            "status": i.status,
            "channel": i.channel,
            "referral_state": i.referral_state,
            "created_at": crate::db::time::from_ms(i.created_at),
        })).collect::<Vec<_>>(),
        "qualified_invites": qualified,
        "pending_invites": pending,
        "fraud_flags": flags,
        "groups": crate::groups::history_json(&state, &p).await?,
        "grants": crate::rewards::grants_json(&state, &p).await?,
    });
    if let (Value::Object(out), Value::Object(extra)) = (&mut out, extra) {
        out.extend(extra);
    }
    Ok(HttpResponse::Ok().json(out))
}

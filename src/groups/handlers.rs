use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::events::{self, EventKind, GroupEvent};
use super::model::{self, Group, GroupInput};
use super::{import, store};
use crate::assets;
use crate::auth::{Auth, CampaignWrite, ReadAccess};
use crate::campaigns::service::load;
use crate::campaigns::Campaign;
use crate::db::time::{from_ms, to_ms};
use crate::http::error::{ApiError, ErrorCode};
use crate::participants::store as participants;
use crate::state::AppState;
use crate::with_db;

pub fn group_json(g: &Group, now_ms: i64) -> Value {
    json!({
        "id": g.id,
        "name": g.name,
        "kind": g.kind,
        "capacity": g.capacity,
        "members": g.members,
        "reserved": g.reserved,
        "available": (g.capacity - g.members - g.reserved).max(0),
        "open": g.is_open(now_ms),
        "closed": g.closed,
        "position": g.position,
        "qr_asset": g.qr_asset,
        "qr_url": g.qr_url(),
        "expires_at": g.expires(),
        "warnings": g.warnings(now_ms),
    })
}

async fn checked(state: &AppState, body: Value) -> Result<GroupInput, ApiError> {
    let input: GroupInput = serde_json::from_value(body)
        .map_err(|e| ApiError::invalid(ErrorCode::InvalidGroup, e.to_string()))?;
    model::validate(&input).map_err(|m| ApiError::invalid(ErrorCode::InvalidGroup, m))?;
    assets::store::meta(&state.db, &input.qr_asset)
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                ErrorCode::UnknownAsset,
                format!("asset {} does not exist", input.qr_asset),
            )
        })?;
    Ok(input)
}

async fn load_group(state: &AppState, campaign: &Campaign, id: &str) -> Result<Group, ApiError> {
    store::by_id(&state.db, id)
        .await?
        .filter(|g| g.campaign_id == campaign.id)
        .ok_or_else(|| ApiError::not_found("group"))
}

/// `POST /api/v1/campaigns/{slug}/groups`
pub async fn create(
    _: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let input = checked(&state, body.into_inner()).await?;
    let now = to_ms(chrono::Utc::now());
    let group = store::insert(&state.db, &campaign.id, &input, now).await?;
    Ok(HttpResponse::Created().json(group_json(&group, now)))
}

/// `GET /api/v1/campaigns/{slug}/groups`: with members, seats held and warnings.
pub async fn list(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let now = to_ms(chrono::Utc::now());
    let groups = store::by_campaign(&state.db, &campaign.id).await?;
    let mut response = HttpResponse::Ok();
    if !groups.iter().any(|g| g.is_open(now) && g.kind != "vip") {
        response.insert_header(("X-Fission-Warning", "no_open_group"));
    }
    Ok(response.json(
        groups
            .iter()
            .map(|g| group_json(g, now))
            .collect::<Vec<_>>(),
    ))
}

/// `PATCH /api/v1/campaigns/{slug}/groups/{id}`: rename, resize, new QR code, close, reorder.
pub async fn patch(
    _: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let campaign = load(&state.db, &slug).await?;
    let current = load_group(&state, &campaign, &id).await?;
    let Value::Object(changes) = body.into_inner() else {
        return Err(ApiError::invalid(
            ErrorCode::InvalidGroup,
            "send a JSON object with the fields to change",
        ));
    };
    let mut merged = json!({
        "name": current.name, "capacity": current.capacity, "kind": current.kind, "qr_asset": current.qr_asset,
        "expires_at": current.expires(), "position": current.position, "closed": current.closed,
    });
    for (key, value) in changes {
        merged[key] = value;
    }
    let input = checked(&state, merged).await?;
    let now = to_ms(chrono::Utc::now());
    let group = store::update(&state.db, &current.id, &input, now)
        .await?
        .ok_or_else(|| ApiError::not_found("group"))?;
    Ok(HttpResponse::Ok().json(group_json(&group, now)))
}

/// `POST /api/v1/campaigns/{slug}/groups/{id}/members`: a member-list export (CSV).
pub async fn import_members(
    _: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let campaign = load(&state.db, &slug).await?;
    let group = load_group(&state, &campaign, &id).await?;
    let rows = import::parse(&body, state.settings.report_utc_offset_minutes)
        .map_err(|m| ApiError::invalid(ErrorCode::InvalidMemberList, m))?;
    let report = import::apply(&state.db, &group, &campaign, &rows, chrono::Utc::now()).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Deserialize)]
pub struct EventsQuery {
    status: Option<String>,
    limit: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct StoredEvent {
    id: String,
    group_id: String,
    kind: String,
    participant_code: Option<String>,
    phone: Option<String>,
    member_ref: Option<String>,
    occurred_at: i64,
    received_at: i64,
    source: String,
    status: String,
    matched_by: Option<String>,
}

const EVENT_COLUMNS: &str = "id, group_id, kind, participant_code, phone, member_ref, occurred_at, received_at, source, status, matched_by";

/// `GET /api/v1/campaigns/{slug}/group-events?status=unmatched`
pub async fn list_events(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let status = query.status.clone().unwrap_or_else(|| "unmatched".into());
    if !["unmatched", "applied", "stale"].contains(&status.as_str()) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            "status is unmatched, applied or stale",
        ));
    }
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let sql = format!("SELECT {EVENT_COLUMNS} FROM group_events WHERE campaign_id = $1 AND status = $2 ORDER BY received_at DESC, id LIMIT $3");
    let rows: Vec<StoredEvent> = with_db!(&*state.db, read, |pool| {
        sqlx::query_as(&sql)
            .bind(&campaign.id)
            .bind(&status)
            .bind(limit)
            .fetch_all(pool)
            .await?
    });
    Ok(HttpResponse::Ok().json(rows.iter().map(event_json).collect::<Vec<_>>()))
}

fn event_json(e: &StoredEvent) -> Value {
    json!({
        "id": e.id, "group_id": e.group_id, "type": e.kind, "participant_code": e.participant_code,
        "phone_masked": e.phone.as_deref().map(crate::participants::phone::mask), "member_ref": e.member_ref,
        "at": from_ms(e.occurred_at), "received_at": from_ms(e.received_at), "source": e.source, "status": e.status, "matched_by": e.matched_by,
    })
}

/// `GET /api/v1/group-events/unmatched`: every event kept without being applied, in all
/// campaigns, including those naming a group fission does not know (a misconfigured
/// tool), which belong to no campaign.
pub async fn list_unmatched(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = query.status.clone().unwrap_or_else(|| "any".into());
    let statuses: &[&str] = match status.as_str() {
        "any" => &["unmatched", "unknown_group"],
        "unmatched" => &["unmatched"],
        "unknown_group" => &["unknown_group"],
        _ => {
            return Err(ApiError::bad_request(
                ErrorCode::InvalidQuery,
                "status is any, unmatched or unknown_group",
            ))
        }
    };
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let sql = format!(
        "SELECT {EVENT_COLUMNS}, campaign_id FROM group_events WHERE status IN ($1, $2) ORDER BY received_at DESC, id LIMIT $3"
    );
    let rows: Vec<(StoredEvent, Option<String>)> = with_db!(&*state.db, read, |pool| {
        sqlx::query_as::<_, StoredEventWithCampaign>(&sql)
            .bind(statuses[0])
            .bind(statuses[statuses.len() - 1])
            .bind(limit)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| (r.event, r.campaign_id))
            .collect()
    });
    Ok(HttpResponse::Ok().json(
        rows.iter()
            .map(|(e, campaign_id)| {
                let mut v = event_json(e);
                v["campaign_id"] = json!(campaign_id);
                v
            })
            .collect::<Vec<_>>(),
    ))
}

#[derive(sqlx::FromRow)]
struct StoredEventWithCampaign {
    #[sqlx(flatten)]
    event: StoredEvent,
    campaign_id: Option<String>,
}

#[derive(Deserialize)]
pub struct MatchBody {
    participant_code: String,
}

/// `POST /api/v1/campaigns/{slug}/group-events/{id}/match`: a marketer says who it was.
pub async fn match_event(
    _: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<MatchBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, event_id) = path.into_inner();
    let campaign = load(&state.db, &slug).await?;
    let sql =
        format!("SELECT {EVENT_COLUMNS} FROM group_events WHERE id = $1 AND campaign_id = $2");
    let stored: Option<StoredEvent> = with_db!(&*state.db, read, |pool| {
        sqlx::query_as(&sql)
            .bind(&event_id)
            .bind(&campaign.id)
            .fetch_optional(pool)
            .await?
    });
    let stored = stored.ok_or_else(|| ApiError::not_found("group event"))?;
    if stored.status != "unmatched" {
        return Err(ApiError::conflict(
            ErrorCode::AlreadyMatched,
            "this event was already applied",
        ));
    }
    let participant = participants::by_code(
        &state.db,
        &campaign.id,
        &body.participant_code.to_ascii_lowercase(),
    )
    .await?
    .ok_or_else(|| {
        ApiError::invalid(
            ErrorCode::UnknownParticipant,
            "no participant with this code in the campaign",
        )
    })?;
    let group = load_group(&state, &campaign, &stored.group_id).await?;
    let event = GroupEvent {
        id: stored.id.clone(),
        kind: if stored.kind == "member_joined" {
            EventKind::MemberJoined
        } else {
            EventKind::MemberLeft
        },
        group_id: stored.group_id.clone(),
        participant_code: Some(participant.code.clone()),
        phone: stored.phone.clone(),
        member_ref: stored.member_ref.clone(),
        at: from_ms(stored.occurred_at),
    };
    if !events::match_by_hand(
        &state.db,
        &stored.id,
        &group,
        &campaign,
        &participant.id,
        &event,
    )
    .await?
    {
        return Err(ApiError::conflict(
            ErrorCode::AlreadyMatched,
            "this event was already applied",
        ));
    }
    Ok(HttpResponse::Ok()
        .json(json!({"id": stored.id, "status": "applied", "participant_code": participant.code})))
}

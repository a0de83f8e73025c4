//! Group use cases: the pool, member-list imports, the events list and matching by hand,
//! and the webhook's batches.

use std::collections::HashMap;

use chrono::Utc;

use super::event_store::{self, EventPage};
use super::ingest::{self, Incoming, Outcome};
use super::model::{self, EventStatus, Group, GroupEvent, GroupInput, Source, Who};
use super::views::{Direction, GroupPatch, GroupView, ImportReport, WebhookReport};
use super::{import, member_list, store};
use crate::assets;
use crate::audit::{self, snapshot, Actor};
use crate::campaigns::service::load;
use crate::campaigns::{store as campaigns, Campaign};
use crate::db::time::{from_ms, to_ms};
use crate::http::error::{ApiError, ErrorCode};
use crate::participants::{store as participants, Participant};
use crate::state::AppState;

/// A valid input whose QR code is an uploaded image.
async fn checked(state: &AppState, input: GroupInput) -> Result<GroupInput, ApiError> {
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

/// A group of this campaign.
pub async fn load_group(
    state: &AppState,
    campaign: &Campaign,
    id: &str,
) -> Result<Group, ApiError> {
    store::by_id(&state.db, id)
        .await?
        .filter(|g| g.campaign_id == campaign.id)
        .ok_or_else(|| ApiError::not_found("group"))
}

/// The group as its audit entries keep it.
fn audited(group: &Group, now_ms: i64) -> Option<serde_json::Value> {
    snapshot(&GroupView::new(group, now_ms))
}

pub async fn create(
    state: &AppState,
    slug: &str,
    input: GroupInput,
    actor: &Actor,
) -> Result<Group, ApiError> {
    let campaign = load(&state.db, slug).await?;
    let input = checked(state, input).await?;
    let actor = actor.clone();
    let now = to_ms(Utc::now());
    state
        .db
        .write_tx(move |tx| {
            Box::pin(async move {
                let g = store::insert(tx, &campaign.id, &input, now).await?;
                audit::record(
                    tx,
                    &actor,
                    "group.created",
                    Some(&campaign.id),
                    &g.id,
                    None,
                    audited(&g, now),
                )
                .await?;
                Ok::<_, ApiError>(g)
            })
        })
        .await
}

/// The campaign's groups, and whether one of them is open to the live code.
pub async fn list(
    state: &AppState,
    slug: &str,
    now_ms: i64,
) -> Result<(Vec<Group>, bool), ApiError> {
    let campaign = load(&state.db, slug).await?;
    let groups = store::by_campaign(&state.db, &campaign.id).await?;
    let any_open = groups
        .iter()
        .any(|g| g.is_open(now_ms) && g.kind != model::Kind::Vip);
    Ok((groups, any_open))
}

/// One page of a campaign's pool in fill order, after `after`, and whether anyone can be
/// routed at all (asked of the open-groups index, not of the page).
pub async fn page(
    state: &AppState,
    slug: &str,
    after: Option<(i64, String)>,
    limit: i64,
    now_ms: i64,
) -> Result<PoolPage, ApiError> {
    let campaign = load(&state.db, slug).await?;
    let mut groups = store::page(&state.db, &campaign.id, after.as_ref(), limit + 1).await?;
    let next = if groups.len() as i64 > limit {
        groups.truncate(limit as usize);
        groups.last().map(|g| (g.position, g.id.clone()))
    } else {
        None
    };
    let any_open = store::any_open(&state.db, &campaign.id, now_ms).await?;
    Ok(PoolPage {
        groups,
        next,
        any_open,
    })
}

pub struct PoolPage {
    pub groups: Vec<Group>,
    /// The last group's position and id, where the next page starts; `None` on the last page.
    pub next: Option<(i64, String)>,
    pub any_open: bool,
}

pub async fn change(
    state: &AppState,
    slug: &str,
    id: &str,
    patch: GroupPatch,
    actor: &Actor,
) -> Result<Group, ApiError> {
    let campaign = load(&state.db, slug).await?;
    let current = load_group(state, &campaign, id).await?;
    let mut input = current.input();
    input.name = patch.name.unwrap_or(input.name);
    input.capacity = patch.capacity.unwrap_or(input.capacity);
    input.kind = patch.kind.unwrap_or(input.kind);
    input.qr_asset = patch.qr_asset.unwrap_or(input.qr_asset);
    input.expires_at = patch.expires_at.unwrap_or(input.expires_at);
    input.position = patch.position.or(input.position);
    input.closed = patch.closed.unwrap_or(input.closed);
    let input = checked(state, input).await?;
    let action = match (current.closed, input.closed) {
        (false, true) => "group.closed",
        (true, false) => "group.reopened",
        _ => "group.changed",
    };
    let actor = actor.clone();
    let now = to_ms(Utc::now());
    state
        .db
        .write_tx(move |tx| {
            Box::pin(async move {
                let g = store::update(tx, &current.id, &input, now)
                    .await?
                    .ok_or_else(|| ApiError::not_found("group"))?;
                let (before, after) = (audited(&current, now), audited(&g, now));
                audit::record(
                    tx,
                    &actor,
                    action,
                    Some(&g.campaign_id),
                    &g.id,
                    before,
                    after,
                )
                .await?;
                Ok(g)
            })
        })
        .await
}

/// Applies a member-list export (CSV) to the group, or with `dry_run` says what applying
/// it would do and changes nothing. The events are applied in transactions of their own
/// (replaying them is harmless); the audit entry with what the import did follows them.
pub async fn import_members(
    state: &AppState,
    slug: &str,
    id: &str,
    csv: &[u8],
    dry_run: bool,
    actor: &Actor,
) -> Result<ImportReport, ApiError> {
    let campaign = load(&state.db, slug).await?;
    let group = load_group(state, &campaign, id).await?;
    let rows = member_list::parse(csv, state.settings.report_utc_offset_minutes)
        .map_err(|m| ApiError::invalid(ErrorCode::InvalidMemberList, m))?;
    let now = Utc::now();
    let plan = import::plan(&state.db, &group, &campaign, &rows, now).await?;
    if dry_run {
        return Ok(import::dry_run(&state.db, &plan).await?);
    }
    let report = import::apply(&state.db, &group, &campaign, &plan, now).await?;
    let (actor, after) = (actor.clone(), snapshot(&report));
    state
        .db
        .write_tx(move |tx| {
            Box::pin(async move {
                let campaign = Some(campaign.id.as_str());
                audit::record(
                    tx,
                    &actor,
                    "group.members_imported",
                    campaign,
                    &group.id,
                    None,
                    after,
                )
                .await
            })
        })
        .await?;
    Ok(report)
}

/// A campaign's events with one status (`unmatched`, `applied` or `stale`).
pub async fn events(
    state: &AppState,
    slug: &str,
    status: EventStatus,
    after: Option<&(i64, String)>,
    limit: i64,
) -> Result<EventPage, ApiError> {
    let campaign = load(&state.db, slug).await?;
    if status == EventStatus::UnknownGroup {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            "status is unmatched, applied or stale",
        ));
    }
    Ok(event_store::by_status(&state.db, &campaign.id, status, after, limit).await?)
}

/// Every event kept without being applied, in all campaigns and none.
pub async fn unmatched(
    state: &AppState,
    statuses: &[EventStatus],
    after: Option<&(i64, String)>,
    limit: i64,
) -> Result<EventPage, ApiError> {
    Ok(event_store::any_campaign(&state.db, statuses, after, limit).await?)
}

/// A marketer says who an unmatched event was about; it is applied to them.
pub async fn match_event(
    state: &AppState,
    slug: &str,
    event_id: &str,
    who: Who,
    actor: &Actor,
) -> Result<Participant, ApiError> {
    let already =
        || ApiError::conflict(ErrorCode::AlreadyMatched, "this event was already applied");
    let campaign = load(&state.db, slug).await?;
    let stored = event_store::in_campaign(&state.db, &campaign.id, event_id)
        .await?
        .ok_or_else(|| ApiError::not_found("group event"))?;
    if stored.status != EventStatus::Unmatched {
        return Err(already());
    }
    let found = match &who {
        Who::Code(code) => {
            let code = code.to_ascii_lowercase();
            participants::by_code(&state.db, &campaign.id, &code).await?
        }
        Who::Phone(phone) => {
            participants::by_phone(&state.db, &campaign.id, phone.as_str()).await?
        }
    };
    let participant = found.ok_or_else(|| {
        ApiError::invalid(
            ErrorCode::UnknownParticipant,
            "no participant with this code or phone in the campaign",
        )
    })?;
    let group = load_group(state, &campaign, &stored.group_id).await?;
    let event = GroupEvent {
        id: stored.id,
        kind: stored.kind,
        group_id: stored.group_id,
        participant_code: Some(participant.code.clone()),
        phone: stored.phone,
        member_ref: stored.member_ref,
        at: from_ms(stored.occurred_at),
    };
    let after = serde_json::json!({"event": event.id, "participant": participant.code});
    let matched = ingest::match_by_hand(
        &state.db,
        &group,
        &campaign,
        &participant.id,
        &event,
        actor,
        after,
    );
    if !matched.await? {
        return Err(already());
    }
    Ok(participant)
}

/// Moves a group one place up or down the fill order, audited; the campaign's groups in
/// their new order.
pub async fn move_group(
    state: &AppState,
    slug: &str,
    id: &str,
    direction: Direction,
    actor: &Actor,
) -> Result<Vec<Group>, ApiError> {
    let campaign = load(&state.db, slug).await?;
    let group = load_group(state, &campaign, id).await?;
    let (actor, now) = (actor.clone(), to_ms(Utc::now()));
    let (campaign_id, up) = (campaign.id.clone(), direction == Direction::Up);
    state
        .db
        .write_tx(move |tx| {
            Box::pin(async move {
                if store::move_one(tx, &campaign_id, &group.id, up, now).await? {
                    let after = serde_json::json!({"moved": if up { "up" } else { "down" }});
                    let (campaign, group) = (Some(campaign_id.as_str()), group.id.as_str());
                    audit::record(
                        tx,
                        &actor,
                        "group.moved",
                        campaign,
                        group,
                        None,
                        Some(after),
                    )
                    .await?;
                }
                Ok::<_, ApiError>(())
            })
        })
        .await?;
    Ok(store::by_campaign(&state.db, &campaign.id).await?)
}

/// Stores and applies an authentic webhook batch.
pub async fn receive(state: &AppState, events: &[GroupEvent]) -> Result<WebhookReport, ApiError> {
    let mut groups = HashMap::new();
    let mut campaigns_by_id = HashMap::new();
    for event in events {
        if !groups.contains_key(&event.group_id) {
            let group = store::by_id(&state.db, &event.group_id).await?;
            groups.insert(event.group_id.clone(), group);
        }
        if let Some(g) = &groups[&event.group_id] {
            if !campaigns_by_id.contains_key(&g.campaign_id) {
                let campaign = campaigns::by_id(&state.db, &g.campaign_id).await?;
                campaigns_by_id.insert(g.campaign_id.clone(), campaign);
            }
        }
    }
    let batch: Vec<Incoming> = events
        .iter()
        .map(|event| {
            let group = groups[&event.group_id].as_ref();
            let campaign = group.and_then(|g| campaigns_by_id[&g.campaign_id].as_ref());
            Incoming {
                group,
                campaign,
                event,
            }
        })
        .collect();
    let mut report = WebhookReport::default();
    for outcome in ingest::ingest_batch(&state.db, &batch, Source::Webhook, Utc::now()).await? {
        match outcome {
            Outcome::Applied => report.accepted += 1,
            Outcome::Stale => {
                report.accepted += 1;
                report.stale += 1;
            }
            Outcome::Duplicate => report.duplicates += 1,
            Outcome::Unmatched => report.unmatched += 1,
        }
    }
    metrics::counter!("fission_group_events_total").increment(events.len() as u64);
    Ok(report)
}

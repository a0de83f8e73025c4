//! Participants over the API: the public JSON join, seeds, and the admin detail.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::privacy;
use super::privacy_views::{Erasure, ParticipantExport};
use super::service::{self, Client};
use super::views::{JoinBody, JoinedParticipant, ParticipantDetail, SeedBody, SeedParticipant};
use crate::auth::{Access, AdminAccess, Auth, CampaignWrite, ReadAccess};
use crate::http::client;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::rate_limit::Writer;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(join)
        .service(seeds)
        .service(detail)
        .service(export)
        .service(erase)
        .configure(super::search_handlers::configure);
}

/// Join a campaign (mini-programs and apps)
///
/// The same phone again answers 200 with the same participant and no new credit.
#[utoipa::path(
    operation_id = "joinCampaign",
    tag = "public",
    request_body = JoinBody,
    responses(
        (status = 201, description = "A new participant", body = JoinedParticipant),
        (status = 200, description = "This phone had joined already", body = JoinedParticipant),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
        (status = 409, description = "The campaign is not open (`campaign_not_open`)", body = ErrorBody),
        (status = 422, description = "A bad phone (`invalid_phone`), consent not true (`consent_required`), \
            a bad `channel` (`invalid_channel`) or `name` (`invalid_name`)", body = ErrorBody),
        (status = 429, description = "Too many joins from this address (`rate_limited`)", body = ErrorBody),
    )
)]
#[post("/api/v1/public/campaigns/{slug}/participants")]
pub async fn join(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<JoinBody>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ip = client::client_ip(&req, &state.settings.trusted_proxies);
    // Apps and mini-programs carry no visitor cookie: they count by their address.
    state.public_writes.check(Writer { visitor: None, ip })?;
    let who = Client {
        ip,
        user_agent: client::user_agent(&req),
    };
    let (new, joined) = service::join(&state, &slug, body.into_inner(), who).await?;
    Ok(if new {
        HttpResponse::Created().json(joined)
    } else {
        HttpResponse::Ok().json(joined)
    })
}

/// Create seed participants
///
/// Staff and KOCs who start the chains, each with a code and poster.
#[utoipa::path(
    operation_id = "createSeeds",
    tag = "participants",
    request_body = SeedBody,
    responses(
        (status = 201, description = "The seeds created", body = Vec<SeedParticipant>),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
        (status = 422, description = "A bad `channel` (`invalid_channel`), `count` (`invalid_count`) \
            or name (`invalid_name`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[post("/api/v1/campaigns/{slug}/seeds")]
pub async fn seeds(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<SeedBody>,
) -> Result<HttpResponse, ApiError> {
    let created = service::seeds(&state, &slug, body.into_inner(), &auth.actor()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Read a participant
///
/// Inviter, invitees, status, fraud flags, groups and grants.
#[utoipa::path(
    operation_id = "readParticipant",
    tag = "participants",
    responses(
        (status = 200, description = "The participant", body = ParticipantDetail),
        (status = 404, description = "No such campaign or participant (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/participants/{code}")]
pub async fn detail(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let detail = service::detail(&state, &slug, &code).await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// Export everything stored about a participant
///
/// For a person's request to see their data: the detail, the unmasked phone and name,
/// consent, device hashes, shipping addresses, group identifiers and the ledger entries
/// of their grants. Recorded in the audit log.
#[utoipa::path(
    operation_id = "exportParticipant",
    tag = "participants",
    responses(
        (status = 200, description = "Everything stored about the person", body = ParticipantExport),
        (status = 404, description = "No such campaign or participant (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(AdminAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/participants/{code}/export")]
pub async fn export(
    auth: Auth<AdminAccess>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let export = privacy::export(&state, &slug, &code, &auth.actor()).await?;
    Ok(HttpResponse::Ok().json(export))
}

/// Erase a participant's personal data
///
/// Phone, name, shipping addresses, device hashes and group identifiers are erased; the
/// participant stays as a tombstone (code, chain, grants), so the ledger keeps its
/// amounts and reconciliation still balances. Repeating it changes nothing. Recorded in
/// the audit log.
#[utoipa::path(
    operation_id = "eraseParticipant",
    tag = "participants",
    responses(
        (status = 200, description = "Erased", body = Erasure),
        (status = 404, description = "No such campaign or participant (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(AdminAccess::ROLES)))
)]
#[delete("/api/v1/campaigns/{slug}/participants/{code}")]
pub async fn erase(
    auth: Auth<AdminAccess>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let erased = privacy::erase(&state, &slug, &code, &auth.actor()).await?;
    Ok(HttpResponse::Ok().json(erased))
}

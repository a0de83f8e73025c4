//! `/api/v1/campaigns/{slug}/reviews`: the queue of held referrals and the decisions.
//! Every role may read the queue; admins and marketers decide.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::service;
use super::views::{BulkBody, BulkView, DecisionBody, DecisionView, ReviewPage};
use crate::auth::{Access, Auth, CampaignWrite, ReadAccess};
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    // `bulk` before `{id}`, so it is not taken for a referral.
    cfg.service(queue).service(decide_bulk).service(decide);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
    /// 1..=500, default 50.
    limit: Option<i64>,
}

/// List the referrals held for review, oldest first
///
/// Each with the fraud flags that held it and their reasons, a risk score, and the
/// evidence: the invitee's group, how soon after the inviter's previous invitee they
/// came, and how many of the inviter's invitees there are and are held.
#[utoipa::path(
    operation_id = "listReviews",
    tag = "reviews",
    params(QueueQuery),
    responses(
        (status = 200, description = "A page of the queue", body = ReviewPage),
        (status = 400, description = "A bad cursor (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(ReadAccess::ROLES)))
)]
#[get("/api/v1/campaigns/{slug}/reviews")]
pub async fn queue(
    _: Auth<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(50);
    let page = service::queue(&state, &slug, query.cursor.as_deref(), limit).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Decide about a held referral
///
/// `approve`: the referral goes on to qualification (a group join if the campaign
/// requires one, then the hold, counted from the decision). `reject`: it is cancelled
/// and any unpaid grant of it revoked (paid ones are flagged for finance). The same
/// decision again answers the one that stands; the opposite one is refused. Recorded in
/// the audit log with its note.
#[utoipa::path(
    operation_id = "decideReview",
    tag = "reviews",
    request_body = DecisionBody,
    responses(
        (status = 200, description = "The decision that stands", body = DecisionView),
        (status = 404, description = "No such campaign or referral (`not_found`)", body = ErrorBody),
        (status = 409, description = "The opposite decision was made (`already_decided`), or the referral \
            is not held (`not_held`)", body = ErrorBody),
        (status = 422, description = "A bad decision or note (`invalid_field`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[post("/api/v1/campaigns/{slug}/reviews/{id}")]
pub async fn decide(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = service::decide(&state, &slug, &id, body.into_inner(), &auth.actor()).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Decide about every held referral of a fraud rule or an inviter
///
/// Each referral is decided on its own, as if one by one: those another reviewer
/// decided meanwhile are skipped.
#[utoipa::path(
    operation_id = "decideReviewsInBulk",
    tag = "reviews",
    request_body = BulkBody,
    responses(
        (status = 200, description = "What was decided", body = BulkView),
        (status = 404, description = "No campaign with this slug (`not_found`)", body = ErrorBody),
        (status = 422, description = "Neither `rule` nor `inviter`, or a bad decision or note (`invalid_field`)", body = ErrorBody),
    ),
    extensions(("x-fission-roles" = json!(CampaignWrite::ROLES)))
)]
#[post("/api/v1/campaigns/{slug}/reviews/bulk")]
pub async fn decide_bulk(
    auth: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<BulkBody>,
) -> Result<HttpResponse, ApiError> {
    let view = service::decide_bulk(&state, &slug, body.into_inner(), &auth.actor()).await?;
    Ok(HttpResponse::Ok().json(view))
}

//! The review queue (`/admin/campaigns/{slug}/reviews`): held referrals with the
//! evidence side by side, approve/reject with a note, and bulk decisions. Through
//! reviews::service, like the JSON API; every role may look, marketers and admins decide.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::error::ConsoleError;
use super::format::beijing;
use super::render::page_with_status;
use super::session::{Console, Lang};
use crate::auth::{Access, CampaignWrite, ReadAccess};
use crate::campaigns::service::load;
use crate::http::error::{ApiError, ErrorCode};
use crate::reviews::service;
use crate::reviews::views::{BulkBody, DecisionBody, ReviewItem};
use crate::reviews::Decision;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    // `bulk` before `{id}`, so it is not taken for a referral.
    cfg.service(show).service(decide_bulk).service(decide)
}

const PAGE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
struct QueueQuery {
    cursor: String,
    /// After a decision: whose, and which (the page says so).
    done: String,
    decision: String,
    bulk: Option<usize>,
}

/// A decision form as typed; `id` is empty for the bulk form.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
struct DecisionForm {
    id: String,
    decision: String,
    note: String,
    rule: String,
    inviter: String,
    #[serde(skip_serializing)]
    _csrf: String,
}

/// Fraud rules whose flags are evidence of one device, or of one network.
const DEVICE_RULES: [&str; 6] = [
    "same_device_as_inviter",
    "shared_device_invitees",
    "device_reused",
    "many_devices_one_hint",
    "same_wechat_as_inviter",
    "wechat_several_phones",
];
const NETWORK_RULES: [&str; 3] = ["same_network_as_inviter", "address_few_devices", "ip_burst"];

#[derive(Serialize)]
struct Row {
    id: String,
    phone: String,
    channel: String,
    inviter: String,
    signed_up_at: String,
    held_at: String,
    in_group: bool,
    seconds_after_previous: Option<i64>,
    inviter_invitees: i64,
    inviter_held: i64,
    /// The evidence side by side: flags about the device, about the network, and the rest,
    /// each (rule, reason).
    device: Vec<(String, String)>,
    network: Vec<(String, String)>,
    flags: Vec<(String, String)>,
    risk: u32,
}

impl Row {
    /// The row, its reasons in the console's language.
    fn new(i: ReviewItem, lang: Lang) -> Self {
        let (mut device, mut network, mut flags) = (Vec::new(), Vec::new(), Vec::new());
        for f in i.flags {
            let rule = f.rule.as_str();
            let column = if DEVICE_RULES.contains(&rule) {
                &mut device
            } else if NETWORK_RULES.contains(&rule) {
                &mut network
            } else {
                &mut flags
            };
            let reason = match lang {
                Lang::Zh => f.reason_zh,
                Lang::En => f.reason_en,
            };
            column.push((f.rule, reason));
        }
        Row {
            id: i.id,
            phone: i.phone_masked.unwrap_or_default(),
            channel: i.channel,
            inviter: i.inviter,
            signed_up_at: beijing(i.signed_up_at),
            held_at: beijing(i.held_at),
            in_group: i.in_group,
            seconds_after_previous: i.seconds_after_previous_invitee,
            inviter_invitees: i.inviter_invitees,
            inviter_held: i.inviter_held,
            device,
            network,
            flags,
            risk: i.risk_score,
        }
    }
}

/// The queue, with a form's error (a key of `[reviews]`) and what was typed.
async fn render<A: Access>(
    state: &AppState,
    console: &Console<A>,
    slug: &str,
    query: &QueueQuery,
    failed: Option<(&DecisionForm, &str)>,
) -> Result<HttpResponse, ConsoleError> {
    let campaign = load(&state.db, slug).await?;
    let cursor = Some(query.cursor.as_str()).filter(|c| !c.is_empty());
    let page = service::queue(state, slug, cursor, PAGE).await?;
    let rows: Vec<Row> = page
        .items
        .into_iter()
        .map(|i| Row::new(i, console.lang))
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert(
        "campaign",
        &serde_json::json!({"slug": campaign.slug.as_str(), "title": campaign.title}),
    );
    ctx.insert("items", &rows);
    ctx.insert("next", &page.next_cursor.map(|c| format!("?cursor={c}")));
    ctx.insert("done", &Some(&query.done).filter(|d| !d.is_empty()));
    ctx.insert("done_decision", &query.decision);
    ctx.insert("bulk_done", &query.bulk);
    ctx.insert("form", &failed.map(|(f, _)| f.clone()).unwrap_or_default());
    ctx.insert("error", &failed.map(|(_, e)| e));
    let status = match failed {
        Some((_, "error_already_decided" | "error_not_held")) => StatusCode::CONFLICT,
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    Ok(page_with_status(
        state,
        console,
        status,
        "console/reviews.html",
        ctx,
    ))
}

/// The string key of a refused decision's message; other failures go up.
fn refusal(err: ApiError) -> Result<&'static str, ConsoleError> {
    match err.code() {
        ErrorCode::AlreadyDecided => Ok("error_already_decided"),
        ErrorCode::NotHeld => Ok("error_not_held"),
        ErrorCode::InvalidField if err.message().starts_with("note") => Ok("error_note"),
        ErrorCode::InvalidField => Ok("error_bulk_scope"),
        _ => Err(err.into()),
    }
}

#[get("/admin/campaigns/{slug}/reviews")]
async fn show(
    console: Console<ReadAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ConsoleError> {
    render(&state, &console, &slug, &query, None).await
}

#[post("/admin/campaigns/{slug}/reviews/{id}")]
async fn decide(
    req: HttpRequest,
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form._csrf)?;
    let (slug, id) = path.into_inner();
    let mut form = form.into_inner();
    form.id = id.clone();
    let key = match Decision::parse(&form.decision) {
        None => "error_decision",
        Some(decision) => {
            let body = DecisionBody {
                decision,
                note: form.note.clone(),
            };
            match service::decide(&state, &slug, &id, body, &console.actor()).await {
                Ok(_) => return Ok(back(&slug, &format!("done={id}&decision={decision}"))),
                Err(e) => refusal(e)?,
            }
        }
    };
    let again = QueueQuery::default();
    render(&state, &console, &slug, &again, Some((&form, key))).await
}

#[post("/admin/campaigns/{slug}/reviews/bulk")]
async fn decide_bulk(
    req: HttpRequest,
    console: Console<CampaignWrite>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, ConsoleError> {
    console.check_csrf(&req, &form._csrf)?;
    let form = form.into_inner();
    let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let key = match Decision::parse(&form.decision) {
        None => "error_decision",
        Some(decision) => {
            let body = BulkBody {
                rule: given(&form.rule),
                inviter: given(&form.inviter),
                decision,
                note: form.note.clone(),
            };
            match service::decide_bulk(&state, &slug, body, &console.actor()).await {
                Ok(done) => return Ok(back(&slug, &format!("bulk={}", done.decided.len()))),
                Err(e) => refusal(e)?,
            }
        }
    };
    let again = QueueQuery::default();
    render(&state, &console, &slug, &again, Some((&form, key))).await
}

/// Back to the queue after a decision (303, so a reload does not post again).
fn back(slug: &str, query: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!("/admin/campaigns/{slug}/reviews?{query}"),
        ))
        .finish()
}

#[cfg(test)]
mod tests {
    use crate::fraud::Rule;

    /// Every fraud rule, the WeChat ones included, has a short name in both languages
    /// (the queue and the participant page show the code itself otherwise).
    #[test]
    fn every_rule_has_a_name_in_chinese_and_english() {
        for file in ["zh-CN", "en"] {
            let path = format!(
                "{}/templates/console/strings/{file}.toml",
                env!("CARGO_MANIFEST_DIR")
            );
            let table: toml::Table =
                toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let names = table["reviews"]["rules"].as_table().unwrap();
            for rule in Rule::ALL {
                let name = names.get(rule.as_str()).and_then(|v| v.as_str());
                assert!(
                    name.is_some_and(|n| !n.is_empty()),
                    "{file}: no name for {}",
                    rule.as_str()
                );
            }
        }
    }
}

//! Payout batches and reconciliation. A batch takes every granted, unpaid cash grant;
//! its merchant batch id and line numbers are stored before the file reaches the payment
//! provider, so a retry sends the same lines and nothing is paid twice. Failed lines go
//! back to the next batch; a result that contradicts an earlier one is kept as a mismatch.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{Auth, FinanceAccess};
use crate::campaigns::service::load;
use crate::db::time::{day, from_ms, to_ms};
use crate::http::error::{ApiError, ErrorCode};
use crate::participants::phone::mask;
use crate::state::AppState;
use crate::with_db;

/// WeChat Pay red envelopes carry 1 to 200 yuan each.
const WECHAT_MIN: i64 = 100;
const WECHAT_MAX: i64 = 20_000;

fn wechat_note(amount: i64) -> &'static str {
    match amount {
        a if a < WECHAT_MIN => "below_wechat_red_envelope_minimum",
        a if a > WECHAT_MAX => "above_wechat_red_envelope_maximum",
        _ => "",
    }
}

const LEDGER: &str = "INSERT INTO ledger_entries (grant_id, campaign_id, event, amount, actor, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// `POST /api/v1/campaigns/{slug}/payouts`
pub async fn create(
    auth: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let id = format!("PB{}", uuid::Uuid::now_v7().simple());
    let now = to_ms(chrono::Utc::now());
    let (count, total, warnings): (i64, i64, usize) = with_db!(&*state.db, write, |db| {
        let mut tx = db.begin().await?;
        let taken: Vec<(String, i64)> = sqlx::query_as(
            "UPDATE grants SET status = 'paying', payout_id = $1 \
             WHERE campaign_id = $2 AND reward_type = 'cash' AND status = 'granted' RETURNING id, amount",
        )
        .bind(&id)
        .bind(&campaign.id)
        .fetch_all(&mut *tx)
        .await?;
        let total: i64 = taken.iter().map(|(_, a)| a).sum();
        sqlx::query("INSERT INTO payouts (id, campaign_id, count, total, currency, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&id)
            .bind(&campaign.id)
            .bind(taken.len() as i64)
            .bind(total)
            .bind(campaign.currency().as_str())
            .bind(&auth.owner.name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let mut sorted = taken.clone();
        sorted.sort();
        for (line_no, (grant_id, amount)) in sorted.iter().enumerate() {
            sqlx::query("INSERT INTO payout_lines (payout_id, grant_id, line_no, amount, status, updated_at) VALUES ($1, $2, $3, $4, 'pending', $5)")
                .bind(&id)
                .bind(grant_id)
                .bind(line_no as i64 + 1)
                .bind(amount)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(LEDGER)
                .bind(grant_id)
                .bind(&campaign.id)
                .bind("batched")
                .bind(amount)
                .bind(&auth.owner.name)
                .bind(&id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        (
            taken.len() as i64,
            total,
            taken
                .iter()
                .filter(|(_, a)| !wechat_note(*a).is_empty())
                .count(),
        )
    });
    Ok(HttpResponse::Created().json(json!({"id": id, "count": count, "total": total, "currency": campaign.currency().as_str(), "warnings": warnings})))
}

#[derive(sqlx::FromRow)]
struct Line {
    line_no: i64,
    grant_id: String,
    code: String,
    phone: Option<String>,
    amount: i64,
    currency: String,
    status: String,
}

/// `GET /api/v1/payouts/{id}.csv`: the batch for the payment provider.
pub async fn file(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let lines: Vec<Line> = with_db!(&*state.db, read, |db| {
        sqlx::query_as(
            "SELECT l.line_no, l.grant_id, p.code, p.phone, l.amount, g.currency, l.status FROM payout_lines l \
             JOIN grants g ON g.id = l.grant_id JOIN participants p ON p.id = g.participant_id WHERE l.payout_id = $1 ORDER BY l.line_no",
        )
        .bind(&id)
        .fetch_all(db)
        .await?
    });
    let exists: Option<String> = with_db!(&*state.db, read, |db| {
        sqlx::query_scalar("SELECT id FROM payouts WHERE id = $1")
            .bind(&id)
            .fetch_optional(db)
            .await?
    });
    exists.ok_or_else(|| ApiError::not_found("payout"))?;
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer
            .write_record([
                "out_batch_no",
                "out_detail_no",
                "grant_id",
                "participant_code",
                "phone_masked",
                "amount",
                "currency",
                "status",
                "note",
            ])
            .map_err(ApiError::internal)?;
        for l in &lines {
            writer
                .write_record([
                    id.clone(),
                    format!("{id}-{:06}", l.line_no),
                    l.grant_id.clone(),
                    l.code.clone(),
                    l.phone.as_deref().map(mask).unwrap_or_default(),
                    l.amount.to_string(),
                    l.currency.clone(),
                    l.status.clone(),
                    wechat_note(l.amount).to_owned(),
                ])
                .map_err(ApiError::internal)?;
        }
        writer.flush().map_err(ApiError::internal)?;
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{id}.csv\""),
        ))
        .body(out))
}

#[derive(Deserialize)]
pub struct ResultLine {
    grant_id: String,
    status: String,
    provider_ref: Option<String>,
}

/// `POST /api/v1/payouts/{id}/results`
pub async fn results(
    auth: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<Vec<ResultLine>>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let lines = body.into_inner();
    if lines.is_empty() || lines.len() > 100_000 {
        return Err(ApiError::invalid(
            ErrorCode::InvalidResults,
            "send 1 to 100000 results",
        ));
    }
    if let Some((i, _)) = lines
        .iter()
        .enumerate()
        .find(|(_, l)| l.status != "paid" && l.status != "failed")
    {
        return Err(ApiError::invalid(
            ErrorCode::InvalidResults,
            format!("[{i}].status must be paid or failed"),
        ));
    }
    let campaign_id: Option<String> = with_db!(&*state.db, read, |db| {
        sqlx::query_scalar("SELECT campaign_id FROM payouts WHERE id = $1")
            .bind(&id)
            .fetch_optional(db)
            .await?
    });
    let campaign_id = campaign_id.ok_or_else(|| ApiError::not_found("payout"))?;
    let now = to_ms(chrono::Utc::now());
    let actor = auth.owner.name.clone();
    let (mut paid, mut failed, mut unchanged) = (0, 0, 0);
    let mut mismatches = Vec::new();
    with_db!(&*state.db, write, |db| {
        let mut tx = db.begin().await?;
        for line in &lines {
            let current: Option<(String, i64)> = sqlx::query_as(
                "SELECT status, amount FROM payout_lines WHERE payout_id = $1 AND grant_id = $2",
            )
            .bind(&id)
            .bind(&line.grant_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((status, amount)) = current else {
                mismatches.push(json!({"grant_id": line.grant_id, "problem": "not in this batch"}));
                continue;
            };
            if status == line.status {
                unchanged += 1;
                continue;
            }
            if status != "pending" {
                mismatches.push(json!({"grant_id": line.grant_id, "problem": format!("already {status}, now reported {}", line.status)}));
                sqlx::query("UPDATE payout_lines SET result_note = $1 WHERE payout_id = $2 AND grant_id = $3")
                    .bind(format!("conflicting result: {}", line.status))
                    .bind(&id)
                    .bind(&line.grant_id)
                    .execute(&mut *tx)
                    .await?;
                continue;
            }
            sqlx::query("UPDATE payout_lines SET status = $1, provider_ref = $2, updated_at = $3 WHERE payout_id = $4 AND grant_id = $5")
                .bind(&line.status)
                .bind(line.provider_ref.as_deref())
                .bind(now)
                .bind(&id)
                .bind(&line.grant_id)
                .execute(&mut *tx)
                .await?;
            if line.status == "paid" {
                sqlx::query("UPDATE grants SET status = 'paid', paid_at = $1, provider_ref = $2 WHERE id = $3 AND status = 'paying'")
                    .bind(now)
                    .bind(line.provider_ref.as_deref())
                    .bind(&line.grant_id)
                    .execute(&mut *tx)
                    .await?;
                paid += 1;
            } else {
                // Back in the queue for the next batch.
                sqlx::query("UPDATE grants SET status = 'granted', payout_id = NULL WHERE id = $1 AND status = 'paying'")
                    .bind(&line.grant_id)
                    .execute(&mut *tx)
                    .await?;
                failed += 1;
            }
            sqlx::query(LEDGER)
                .bind(&line.grant_id)
                .bind(&campaign_id)
                .bind(&line.status)
                .bind(amount)
                .bind(&actor)
                .bind(line.provider_ref.as_deref().unwrap_or(&id))
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    Ok(HttpResponse::Ok().json(
        json!({"paid": paid, "failed": failed, "unchanged": unchanged, "mismatches": mismatches}),
    ))
}

/// `GET /api/v1/campaigns/{slug}/reconciliation`: granted = paid + unpaid + revoked.
pub async fn reconciliation(
    _: Auth<FinanceAccess>,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign = load(&state.db, &slug).await?;
    let rows: Vec<(String, String, i64, i64)> = with_db!(&*state.db, read, |db| {
        sqlx::query_as("SELECT rule_id, status, granted_at, amount FROM grants WHERE campaign_id = $1 AND reward_type = 'cash'")
            .bind(&campaign.id)
            .fetch_all(db)
            .await?
    });
    let mut totals = std::collections::BTreeMap::<&str, i64>::new();
    let mut by_rule = std::collections::BTreeMap::<String, [i64; 4]>::new();
    let mut by_day = std::collections::BTreeMap::<String, [i64; 4]>::new();
    for (rule, status, at, amount) in &rows {
        let slot = match status.as_str() {
            "paid" => 1,
            "revoked" => 3,
            _ => 2,
        };
        *totals.entry("granted").or_default() += amount;
        *totals
            .entry(["granted", "paid", "unpaid", "revoked"][slot])
            .or_default() += amount;
        for entry in [
            by_rule.entry(rule.clone()).or_default(),
            by_day
                .entry(day(from_ms(*at), state.settings.report_utc_offset_minutes))
                .or_default(),
        ] {
            entry[0] += amount;
            entry[slot] += amount;
        }
    }
    let mismatches: Vec<(String, String, Option<String>)> = with_db!(&*state.db, read, |db| {
        sqlx::query_as(
            "SELECT l.payout_id, l.grant_id, l.result_note FROM payout_lines l JOIN payouts p ON p.id = l.payout_id \
             WHERE p.campaign_id = $1 AND l.result_note IS NOT NULL",
        )
        .bind(&campaign.id)
        .fetch_all(db)
        .await?
    });
    let flagged: Vec<String> = with_db!(&*state.db, read, |db| {
        sqlx::query_scalar("SELECT id FROM grants WHERE campaign_id = $1 AND flag IS NOT NULL")
            .bind(&campaign.id)
            .fetch_all(db)
            .await?
    });
    let get = |k: &str| totals.get(k).copied().unwrap_or(0);
    let split =
        |v: &[i64; 4]| json!({"granted": v[0], "paid": v[1], "unpaid": v[2], "revoked": v[3]});
    let out: Value = json!({
        "currency": campaign.currency().as_str(),
        "granted": get("granted"),
        "paid": get("paid"),
        "unpaid": get("unpaid"),
        "revoked": get("revoked"),
        "balanced": get("granted") == get("paid") + get("unpaid") + get("revoked"),
        "budget": campaign.budget.map(|b| json!({"amount": b.amount, "granted": campaign.budget_granted})),
        "by_rule": by_rule.iter().map(|(rule, v)| { let mut o = split(v); o["rule_id"] = json!(rule); o }).collect::<Vec<_>>(),
        "by_day": by_day.iter().map(|(d, v)| { let mut o = split(v); o["day"] = json!(d); o }).collect::<Vec<_>>(),
        "mismatches": mismatches.iter().map(|(p, g, n)| json!({"payout_id": p, "grant_id": g, "problem": n})).collect::<Vec<_>>(),
        "flagged_grants": flagged,
    });
    Ok(HttpResponse::Ok().json(out))
}

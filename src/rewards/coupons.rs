//! Coupon pools: codes imported one per line, each given out exactly once.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::auth::{Auth, CampaignWrite};
use crate::campaigns::service::load;
use crate::db::time::to_ms;
use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::with_db;

const MAX_CODES: usize = 200_000;

fn valid_pool(pool: &str) -> bool {
    (1..=64).contains(&pool.len())
        && pool
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `POST /api/v1/campaigns/{slug}/coupon-pools/{pool}/codes` (text/plain, one per line).
pub async fn import(
    _: Auth<CampaignWrite>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (slug, pool) = path.into_inner();
    let campaign = load(&state.db, &slug).await?;
    if !valid_pool(&pool) {
        return Err(ApiError::invalid(
            ErrorCode::InvalidPool,
            "pool names are 1-64 of a-z, 0-9, - and _",
        ));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::invalid(ErrorCode::InvalidCodes, "codes must be UTF-8 text"))?;
    let mut codes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.trim().trim_start_matches('\u{feff}');
        if code.is_empty() {
            continue;
        }
        if code.chars().count() > 128 || code.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                ErrorCode::InvalidCodes,
                format!("line {}: a code is at most 128 printable characters", i + 1),
            ));
        }
        codes.push(code.to_owned());
    }
    if codes.is_empty() || codes.len() > MAX_CODES {
        return Err(ApiError::invalid(
            ErrorCode::InvalidCodes,
            format!("send 1 to {MAX_CODES} codes, one per line"),
        ));
    }
    let now = to_ms(chrono::Utc::now());
    let imported: u64 = with_db!(&*state.db, write, |db| {
        let mut tx = db.begin().await?;
        let mut imported = 0;
        for chunk in codes.chunks(500) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO coupon_codes (campaign_id, pool, code, imported_at) ",
            );
            q.push_values(chunk, |mut row, code| {
                row.push_bind(&campaign.id)
                    .push_bind(&pool)
                    .push_bind(code)
                    .push_bind(now);
            });
            q.push(" ON CONFLICT (campaign_id, pool, code) DO NOTHING");
            imported += q.build().execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        imported
    });
    let available: i64 = with_db!(&*state.db, read, |db| {
        sqlx::query_scalar("SELECT COUNT(*) FROM coupon_codes WHERE campaign_id = $1 AND pool = $2 AND grant_id IS NULL")
            .bind(&campaign.id)
            .bind(&pool)
            .fetch_one(db)
            .await?
    });
    Ok(HttpResponse::Ok().json(json!({
        "pool": pool,
        "imported": imported,
        "duplicates": codes.len() as u64 - imported,
        "available": available,
    })))
}

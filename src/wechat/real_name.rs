//! WeChat Pay wants the payee's real name (`user_name`) on a transfer of 2,000 yuan or
//! more. Such a transfer is held (`real_name_required`) until the participant types it on
//! their 领取 page (a form with the page's CSRF token). The name is sealed at once for
//! WeChat Pay's current key (RSA-OAEP) and only that ciphertext is kept, with the key's
//! serial, on the transfer: a retry sends the very same request, and the clear name is
//! never stored. The background job then releases it like a transfer held by the limit.

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use anyhow::Context;
use serde::Deserialize;
use utoipa::ToSchema;

use super::identity_store;
use crate::db::time::to_ms;
use crate::db::Db;
use crate::pages::{cookies, csrf};
use crate::state::AppState;
use crate::with_db;

pub const REQUIRED: &str = "real_name_required";

/// A name as a person writes it on an ID card: 1 to 50 characters, no control characters.
#[derive(Debug)]
pub struct RealName(String);

impl RealName {
    pub fn parse(raw: &str) -> Option<Self> {
        let name = raw.trim();
        let count = name.chars().count();
        let fine = (1..=50).contains(&count) && !name.chars().any(char::is_control);
        fine.then(|| RealName(name.to_owned()))
    }
}

/// The participant's transfers waiting for their real name: (out_bill_no, amount).
pub async fn awaiting(db: &Db, participant_id: &str) -> anyhow::Result<Vec<(String, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT out_bill_no, amount FROM wechat_transfers WHERE participant_id = $1 AND state = 'held' \
             AND held_reason = $2 AND user_name_cipher IS NULL ORDER BY created_at",
        )
        .bind(participant_id)
        .bind(REQUIRED)
        .fetch_all(pool)
        .await
        .context("reading transfers waiting for a real name")
    })
}

/// Keeps the sealed name on the participant's transfer and makes it due; false when no
/// such transfer waits for a name.
async fn keep(
    db: &Db,
    participant_id: &str,
    out_bill_no: &str,
    sealed: (String, String),
    now: i64,
) -> anyhow::Result<bool> {
    with_db!(db, write, |pool| {
        sqlx::query(
            "UPDATE wechat_transfers SET user_name_cipher = $1, user_name_serial = $2, lease_until = 0, updated_at = $3 \
             WHERE out_bill_no = $4 AND participant_id = $5 AND state = 'held' AND held_reason = $6 AND user_name_cipher IS NULL",
        )
        .bind(&sealed.0)
        .bind(&sealed.1)
        .bind(now)
        .bind(out_bill_no)
        .bind(participant_id)
        .bind(REQUIRED)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() == 1)
        .context("keeping a sealed real name")
    })
}

/// Seals the name for WeChat Pay's newest key and keeps it on the participant's transfer.
async fn seal_and_keep(
    state: &AppState,
    participant_id: &str,
    out_bill_no: &str,
    name: &RealName,
) -> anyhow::Result<bool> {
    let key = state.wechat.keys.newest().context("no WeChat Pay key")?;
    let cipher = key
        .encrypt(name.0.as_bytes())
        .map_err(anyhow::Error::msg)
        .context("sealing a real name for WeChat Pay")?;
    let now = to_ms(chrono::Utc::now());
    keep(
        &state.db,
        participant_id,
        out_bill_no,
        (cipher, key.serial),
        now,
    )
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct RealNameForm {
    /// The transfer the name is for.
    out_bill_no: String,
    /// The payee's real name, as on their ID card.
    user_name: String,
    csrf: Option<String>,
}

/// Give the real name a large WeChat Pay transfer needs
///
/// Sealed for WeChat Pay at once; only the ciphertext is kept. Back to the 领取 page.
#[utoipa::path(
    operation_id = "wechatRealName",
    tag = "pages",
    request_body(content = RealNameForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Kept: back to `/c/{slug}/me/claim`"),
        (status = 400, description = "Not a name (a page)", content_type = "text/html", body = String),
        (status = 403, description = "Not from this participant's page (a page)", content_type = "text/html", body = String),
        (status = 404, description = "No such transfer waiting for a name, or WeChat Pay is not configured (a page)", content_type = "text/html", body = String),
        (status = 503, description = "Unavailable (a page)", content_type = "text/html", body = String),
    )
)]
#[post("/c/{slug}/me/claim/real-name")]
pub async fn give(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
    form: web::Form<RealNameForm>,
) -> HttpResponse {
    let notice = |status, text: &str| state.templates.notice(status, "领取奖励", "领取奖励", text);
    let busy = || notice(StatusCode::SERVICE_UNAVAILABLE, "系统繁忙，请稍后再试。");
    let missing = || notice(StatusCode::NOT_FOUND, "没有找到待领取的奖励。");
    if state.settings.wechat.pay.is_none() {
        return missing();
    }
    let campaign = match state.campaigns.get(&state.db, &slug).await {
        Ok(Some(c)) => c,
        Ok(None) => return missing(),
        Err(_) => return busy(),
    };
    let slug = campaign.slug.as_str();
    let visitor = cookies::visitor_id(&req, &state.signer).unwrap_or_default();
    if !csrf::accepts(&req, &state.signer, slug, &visitor, form.csrf.as_deref()) {
        return notice(StatusCode::FORBIDDEN, "页面已过期，请返回后重新提交。");
    }
    let Some(code) = cookies::me(&req, &state.signer, slug) else {
        return notice(StatusCode::FORBIDDEN, "请在参与活动的手机上打开本页。");
    };
    let participant =
        match identity_store::participant_by_code(&state.db, &campaign.id, &code).await {
            Ok(Some(id)) => id,
            Ok(None) => return missing(),
            Err(_) => return busy(),
        };
    let Some(name) = RealName::parse(&form.user_name) else {
        return notice(StatusCode::BAD_REQUEST, "请填写身份证上的姓名。");
    };
    match seal_and_keep(&state, &participant, &form.out_bill_no, &name).await {
        Ok(true) => HttpResponse::SeeOther()
            .insert_header(("Location", format!("/c/{slug}/me/claim")))
            .finish(),
        Ok(false) => missing(),
        Err(e) => {
            tracing::error!(error = ?e, "keeping a real name failed");
            busy()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_name_is_trimmed_and_bounded() {
        assert_eq!(RealName::parse(" 张三 ").unwrap().0, "张三");
        assert_eq!(RealName::parse("阿卜杜·热合曼").unwrap().0, "阿卜杜·热合曼");
        assert!(RealName::parse("   ").is_none());
        assert!(RealName::parse("张\n三").is_none());
        assert!(RealName::parse(&"名".repeat(51)).is_none());
    }
}

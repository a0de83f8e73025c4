//! The WeChat avatar on the poster. When authorisation gave an avatar (`snsapi_userinfo`),
//! a background job fetches it once per participant (one server claims it), within the
//! WeChat timeout and a size cap, checks it like an upload (PNG or JPEG, decoded in full
//! under the image-bomb limits), keeps it as an asset and sets it as the participant's
//! avatar unless they already have one. The join never waits for it; a failure is
//! logged and leaves the poster without an avatar.

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::assets::{inspect, store as assets};
use crate::db::time::to_ms;
use crate::db::Db;
use crate::state::AppState;
use crate::{on_tx, with_db};

const BATCH: i64 = 20;
/// Who the stored asset says made it.
const CREATED_BY: &str = "wechat";

#[derive(Debug, sqlx::FromRow)]
struct Due {
    participant_id: String,
    campaign_id: String,
    code: String,
    avatar_url: String,
}

/// Fetches the avatars not tried yet; returns how many participants got one.
pub async fn fetch_due(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<u64> {
    if state.settings.wechat.oauth.is_none() {
        return Ok(0);
    }
    let mut set = 0;
    for due in avatars_due(&state.db).await? {
        if !claim(&state.db, &due.participant_id, to_ms(now)).await? {
            continue;
        }
        match fetch(state, &due.avatar_url).await {
            Ok(image) => {
                if store(state, &due, image, now).await? {
                    state.posters.forget(&due.campaign_id, &due.code).await;
                    set += 1;
                }
            }
            Err(e) => tracing::warn!(
                error = ?e,
                participant = %due.participant_id,
                "the WeChat avatar could not be fetched; the poster goes without"
            ),
        }
    }
    Ok(set)
}

async fn avatars_due(db: &Db) -> anyhow::Result<Vec<Due>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT w.participant_id, w.campaign_id, p.code, w.avatar_url FROM wechat_identities w \
             JOIN participants p ON p.id = w.participant_id \
             WHERE w.avatar_tried_at IS NULL AND w.avatar_url IS NOT NULL AND p.avatar_asset IS NULL \
             ORDER BY w.bound_at LIMIT $1",
        )
        .bind(BATCH)
        .fetch_all(pool)
        .await
        .context("finding WeChat avatars to fetch")
    })
}

/// True for the one server that may fetch this participant's avatar.
async fn claim(db: &Db, participant_id: &str, now: i64) -> anyhow::Result<bool> {
    with_db!(db, write, |pool| {
        sqlx::query(
            "UPDATE wechat_identities SET avatar_tried_at = $1 WHERE participant_id = $2 AND avatar_tried_at IS NULL",
        )
        .bind(now)
        .bind(participant_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() == 1)
        .context("claiming a WeChat avatar")
    })
}

/// The image's bytes, at most the configured size, checked like an upload.
async fn fetch(state: &AppState, url: &str) -> anyhow::Result<(inspect::ImageInfo, Vec<u8>)> {
    let max = state.settings.wechat.avatar_max_bytes;
    let mut response = state
        .wechat
        .client
        .get(url)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| e.without_url())
        .context("requesting the avatar")?;
    if response.content_length().is_some_and(|n| n > max) {
        anyhow::bail!("the avatar is larger than {max} bytes");
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| e.without_url())
        .context("reading the avatar")?
    {
        if (bytes.len() + chunk.len()) as u64 > max {
            anyhow::bail!("the avatar is larger than {max} bytes");
        }
        bytes.extend_from_slice(&chunk);
    }
    let max_side = state.settings.max_image_side;
    tokio::task::spawn_blocking(move || {
        inspect::inspect(&bytes, max_side).map(|info| (info, bytes))
    })
    .await
    .context("checking the avatar")?
    .context("the avatar is not a usable image")
}

/// Keeps the image (once per content) and gives it to the participant unless they have
/// an avatar already; true when they got it.
async fn store(
    state: &AppState,
    due: &Due,
    (info, bytes): (inspect::ImageInfo, Vec<u8>),
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let participant_id = due.participant_id.clone();
    state
        .db
        .write_tx(move |tx| {
            Box::pin(async move {
                let without: i64 = on_tx!(tx, |conn| {
                    sqlx::query_scalar("SELECT COUNT(*) FROM participants WHERE id = $1 AND avatar_asset IS NULL")
                        .bind(&participant_id)
                        .fetch_one(&mut *conn)
                        .await
                        .context("reading the participant's avatar")?
                });
                if without == 0 {
                    return Ok(false);
                }
                let asset = assets::insert(tx, &info, &bytes, CREATED_BY, now).await?;
                let set = on_tx!(tx, |conn| {
                    sqlx::query("UPDATE participants SET avatar_asset = $1 WHERE id = $2 AND avatar_asset IS NULL")
                        .bind(&asset.id)
                        .bind(&participant_id)
                        .execute(&mut *conn)
                        .await
                        .context("setting the WeChat avatar")?
                        .rows_affected()
                });
                Ok::<_, anyhow::Error>(set == 1)
            })
        })
        .await
}

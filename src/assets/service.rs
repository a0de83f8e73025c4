//! Storing an upload: decoded and checked off the async workers, then kept in the
//! database so every server can serve it.

use actix_web::web;

use super::inspect;
use super::store::{self, AssetMeta};
use crate::audit::{self, snapshot, Actor};
use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Checks and stores an upload, audited (its metadata, not its bytes).
pub async fn upload(
    state: &AppState,
    bytes: Vec<u8>,
    actor: &Actor,
) -> Result<AssetMeta, ApiError> {
    let max_side = state.settings.max_image_side;
    let (info, bytes) =
        web::block(move || inspect::inspect(&bytes, max_side).map(|info| (info, bytes)))
            .await
            .map_err(ApiError::internal)?
            .map_err(|e| ApiError::invalid(ErrorCode::InvalidImage, e.to_string()))?;
    let actor = actor.clone();
    state
        .db
        .write_tx(move |tx| {
            Box::pin(async move {
                let meta =
                    store::insert(tx, &info, &bytes, &actor.name, chrono::Utc::now()).await?;
                audit::record(
                    tx,
                    &actor,
                    "asset.uploaded",
                    None,
                    &meta.id,
                    None,
                    snapshot(&meta),
                )
                .await?;
                Ok::<_, ApiError>(meta)
            })
        })
        .await
}

//! Storing an upload: decoded and checked off the async workers, then kept in the
//! database so every server can serve it.

use actix_web::web;

use super::inspect;
use super::store::{self, AssetMeta};
use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;

pub async fn upload(
    state: &AppState,
    bytes: Vec<u8>,
    uploader: &str,
) -> Result<AssetMeta, ApiError> {
    let max_side = state.settings.max_image_side;
    let (info, bytes) =
        web::block(move || inspect::inspect(&bytes, max_side).map(|info| (info, bytes)))
            .await
            .map_err(ApiError::internal)?
            .map_err(|e| ApiError::invalid(ErrorCode::InvalidImage, e.to_string()))?;
    Ok(store::insert(&state.db, &info, &bytes, uploader, chrono::Utc::now()).await?)
}

//! Assets as the API shows them.

use serde::Serialize;
use utoipa::ToSchema;

use super::store::AssetMeta;

/// An uploaded image.
#[derive(Serialize, ToSchema)]
pub struct AssetView {
    pub id: String,
    /// Where it is served, `/assets/{id}` (public, immutable).
    pub url: String,
    pub width: i64,
    pub height: i64,
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    /// Size in bytes.
    pub bytes: i64,
}

impl From<AssetMeta> for AssetView {
    fn from(meta: AssetMeta) -> Self {
        AssetView {
            url: format!("/assets/{}", meta.id),
            id: meta.id,
            width: meta.width,
            height: meta.height,
            content_type: meta.content_type,
            bytes: meta.byte_size,
        }
    }
}

//! The poster designer's JSON: a campaign's layout with what the marketer should know
//! about its background.

use serde::Serialize;
use utoipa::ToSchema;

use super::design::Advice;
use crate::assets::store::AssetMeta;
use crate::campaigns::settings::Poster;

/// A campaign's poster layout as the designer edits it.
#[derive(Serialize, ToSchema)]
pub struct PosterDesignView {
    /// The saved poster with all its designs, or the default one (a plain 720x1280
    /// background).
    pub poster: Poster,
    /// Which design the size, background and advice below are of (0: the default).
    pub design: usize,
    /// Whether the campaign saved a layout of its own.
    pub saved: bool,
    /// The background's size in pixels: the coordinate space of the layout.
    pub width: i64,
    pub height: i64,
    /// The uploaded background, when there is one.
    pub background: Option<BackgroundView>,
    /// Warnings about the background (size, weight); none for the default one.
    pub advice: Vec<Advice>,
}

/// An uploaded poster background.
#[derive(Serialize, ToSchema)]
pub struct BackgroundView {
    pub id: String,
    pub url: String,
    pub width: i64,
    pub height: i64,
    /// Size of the file in bytes.
    pub bytes: i64,
}

impl From<&AssetMeta> for BackgroundView {
    fn from(meta: &AssetMeta) -> Self {
        BackgroundView {
            id: meta.id.clone(),
            url: format!("/assets/{}", meta.id),
            width: meta.width,
            height: meta.height,
            bytes: meta.byte_size,
        }
    }
}

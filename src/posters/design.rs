//! A poster layout before it is saved: drawn for a sample participant and its QR code
//! read back from the image, as a phone's camera would. Saving a campaign refuses a layout
//! whose code does not read; the designer shows the same drawing as its preview.

use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use super::decode;
use super::render::{PosterLayout, RenderError};
use super::views::{BackgroundView, PosterDesignView};
use crate::assets;
use crate::campaigns::service::load;
use crate::campaigns::settings::Poster;
use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The sample participant: a code as long as real ones (so the QR code is as dense) and
/// a typical nickname.
pub const SAMPLE_CODE: &str = "yangben234";
pub const SAMPLE_NICKNAME: &str = "小明同学";

/// The sizes poster tools print at, and the weight a phone loads quickly.
pub const ADVISED_SIZES: [(i64, i64); 2] = [(720, 1280), (750, 1334)];
pub const ADVISED_MAX_BYTES: i64 = 500 * 1024;
/// The plain background of campaigns without one.
pub const DEFAULT_SIZE: (i64, i64) = (720, 1280);

/// Where a layout's pixels come from: the layout itself, or the campaign's default.
pub fn layout(poster: Option<&Poster>) -> PosterLayout {
    let qr = poster.map(|p| p.qr).unwrap_or_default();
    let name = poster.and_then(|p| p.name.as_ref());
    PosterLayout {
        qr_x: qr.x,
        qr_y: qr.y,
        qr_size: qr.size,
        name_x: name.and_then(|n| n.x),
        name_y: name.and_then(|n| n.y),
        name_size: name.and_then(|n| n.size),
        name_color: name.and_then(|n| n.rgb()),
    }
}

/// The layout of a campaign that saved none: the plain background, the code low right.
pub fn default_poster() -> Poster {
    Poster {
        background_asset: None,
        qr: Default::default(),
        name: None,
    }
}

/// The sample participant's invite link in a campaign.
pub fn sample_url(public_url: &str, slug: &str) -> String {
    format!("{public_url}/c/{slug}?ref={SAMPLE_CODE}")
}

/// A sample poster and whether its code reads back as the sample link.
pub struct Sample {
    pub png: Vec<u8>,
    /// The code scans at the poster's size: what saving a layout needs.
    pub reads: bool,
    /// It also scans at half size (seen small on a screen): what the launch checklist asks.
    pub reads_small: bool,
}

/// Draws the layout for the sample participant and reads its code back. A box outside the image (`poster_qr_outside`) or too small to carry the link
/// (`poster_qr_unreadable`) is a 422.
pub async fn sample(state: &AppState, slug: &str, poster: &Poster) -> Result<Sample, ApiError> {
    let background = match &poster.background_asset {
        Some(id) => Some(background(state, id).await?),
        None => None,
    };
    let (width, height) = background.as_ref().map_or(DEFAULT_SIZE, |bg| {
        (i64::from(bg.width()), i64::from(bg.height()))
    });
    let q = poster.qr;
    let (right, bottom) = (
        i64::from(q.x) + i64::from(q.size),
        i64::from(q.y) + i64::from(q.size),
    );
    if right > width || bottom > height {
        return Err(ApiError::invalid(
            ErrorCode::PosterQrOutside,
            format!(
                "the QR box ends at ({right}, {bottom}) but the background is {width}x{height}"
            ),
        ));
    }
    let url = sample_url(&state.settings.public_url, slug);
    let job = (url, Some(SAMPLE_NICKNAME.to_owned()));
    let (png, (reads, reads_small)) = state
        .posters
        .render_inspected(background, layout(Some(poster)), job, decode::readings)
        .await
        .map_err(|e| match e.downcast_ref::<RenderError>() {
            Some(RenderError::QrTooSmall { .. } | RenderError::QrOutside { .. }) => {
                ApiError::invalid(ErrorCode::PosterQrUnreadable, e.to_string())
            }
            _ => ApiError::internal(e),
        })?;
    Ok(Sample {
        png,
        reads,
        reads_small,
    })
}

/// Refuses a layout whose sample poster's code does not read as the sample link.
pub async fn ensure_readable(
    state: &AppState,
    slug: &str,
    poster: &Poster,
) -> Result<(), ApiError> {
    if sample(state, slug, poster).await?.reads {
        return Ok(());
    }
    Err(ApiError::invalid(
        ErrorCode::PosterQrUnreadable,
        "the QR code of a poster drawn with this layout does not scan: make the box larger, \
         keep the nickname off it, or move it onto a quieter part of the background",
    ))
}

/// A campaign's layout (saved or default) with its background's size and advice.
pub async fn describe(state: &AppState, slug: &str) -> Result<PosterDesignView, ApiError> {
    let campaign = load(&state.db, slug).await?;
    let saved = campaign.spec.poster.clone();
    let poster = saved.clone().unwrap_or_else(default_poster);
    let meta = match &poster.background_asset {
        Some(id) => assets::store::meta(&state.db, id).await?,
        None => None,
    };
    let (width, height) = meta.as_ref().map_or(DEFAULT_SIZE, |m| (m.width, m.height));
    Ok(PosterDesignView {
        advice: meta
            .as_ref()
            .map(|m| advice(m.width, m.height, m.byte_size))
            .unwrap_or_default(),
        background: meta.as_ref().map(BackgroundView::from),
        poster,
        saved: saved.is_some(),
        width,
        height,
    })
}

async fn background(state: &AppState, id: &str) -> Result<Arc<image::RgbImage>, ApiError> {
    state
        .posters
        .load_background(&state.db, &state.assets, id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| {
            ApiError::invalid(
                ErrorCode::UnknownAsset,
                format!("asset {id} does not exist"),
            )
        })
}

/// Something about a background a marketer should know before printing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Advice {
    /// Not 720x1280 or 750x1334, the sizes poster tools and phones expect.
    UnusualSize,
    /// Over 500 KB: slow to load on 4G and when shared.
    TooHeavy,
}

/// What to tell the marketer about a background of this size and weight.
pub fn advice(width: i64, height: i64, bytes: i64) -> Vec<Advice> {
    let mut advice = Vec::new();
    if !ADVISED_SIZES.contains(&(width, height)) {
        advice.push(Advice::UnusualSize);
    }
    if bytes > ADVISED_MAX_BYTES {
        advice.push(Advice::TooHeavy);
    }
    advice
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::participants::InviteCode;

    #[test]
    fn the_sample_code_is_a_real_invite_code_of_the_usual_length() {
        let code = InviteCode::parse(SAMPLE_CODE).unwrap();
        assert_eq!(code.as_str().len(), InviteCode::generate().as_str().len());
    }

    #[test]
    fn advice_names_odd_sizes_and_heavy_files() {
        assert!(advice(720, 1280, 400_000).is_empty());
        assert!(advice(750, 1334, ADVISED_MAX_BYTES).is_empty());
        assert_eq!(advice(1080, 1920, 10), vec![Advice::UnusualSize]);
        assert_eq!(
            advice(720, 1280, ADVISED_MAX_BYTES + 1),
            vec![Advice::TooHeavy]
        );
    }
}

//! A poster layout before it is saved: drawn for a sample participant and its QR code
//! read back from the image, as a phone's camera would. Saving a campaign refuses a layout
//! whose code does not read; the designer shows the same drawing as its preview.

use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use super::decode;
use super::person::PosterPerson;
use super::render::{Card, PosterLayout, RenderError, TextBlock};
use super::views::{BackgroundView, PosterDesignView};
use crate::assets;
use crate::campaigns::page::Hero;
use crate::campaigns::service::load;
use crate::campaigns::settings::{parse_color, Poster, TextLayer};
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
const DARK_GREY: [u8; 3] = [51, 51, 51];

/// Where a design's pixels come from, with the page's headline and incentive for text
/// layers that have no words of their own.
pub fn layout(poster: &Poster, hero: &Hero) -> PosterLayout {
    let name = poster.name.as_ref();
    let text = |layer: &TextLayer, page: &Option<String>, heavy: bool| {
        let words = layer.text.clone().or_else(|| page.clone())?;
        Some(TextBlock {
            text: words,
            x: layer.x,
            y: layer.y,
            size: layer.size,
            color: layer
                .color
                .as_deref()
                .and_then(parse_color)
                .unwrap_or(DARK_GREY),
            width: layer.width,
            heavy,
        })
    };
    let texts = [
        poster
            .title
            .as_ref()
            .and_then(|l| text(l, &hero.headline, true)),
        poster
            .incentive
            .as_ref()
            .and_then(|l| text(l, &hero.incentive, false)),
    ];
    PosterLayout {
        qr_x: poster.qr.x,
        qr_y: poster.qr.y,
        qr_size: poster.qr.size,
        name_x: name.and_then(|n| n.x),
        name_y: name.and_then(|n| n.y),
        name_size: name.and_then(|n| n.size),
        name_color: name.and_then(|n| n.rgb()),
        avatar: poster.avatar,
        card: poster.card.as_ref().map(|c| Card {
            x: c.x,
            y: c.y,
            width: c.width,
            height: c.height,
            radius: c.radius.unwrap_or(24),
            color: c
                .color
                .as_deref()
                .and_then(parse_color)
                .unwrap_or([255, 255, 255]),
        }),
        texts: texts.into_iter().flatten().collect(),
    }
}

/// The layout of a campaign that saved none: the plain background, the code low right.
pub fn default_poster() -> Poster {
    Poster::default()
}

/// The sample participant's invite link in a campaign.
pub fn sample_url(public_url: &str, slug: &str) -> String {
    format!("{public_url}/c/{slug}?ref={SAMPLE_CODE}")
}

/// A sample poster (PNG) and whether the code of its JPEG, as delivered, reads back as
/// the sample link.
pub struct Sample {
    pub png: Vec<u8>,
    /// The code scans at the poster's size: what saving a layout needs.
    pub reads: bool,
    /// It also scans at half size (seen small on a screen): what the launch checklist asks.
    pub reads_small: bool,
}

/// Draws the design for the sample participant and reads its code back. A box outside
/// the image (`poster_qr_outside`) or too small to carry the link (`poster_qr_unreadable`)
/// is a 422.
pub async fn sample(
    state: &AppState,
    slug: &str,
    poster: &Poster,
    hero: &Hero,
) -> Result<Sample, ApiError> {
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
    let job = (url, PosterPerson::new(Some(SAMPLE_NICKNAME), None));
    let (png, (reads, reads_small)) = state
        .posters
        .render_inspected(background, layout(poster, hero), job, decode::readings)
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

/// Refuses a design whose sample poster's code does not read as the sample link, at full
/// size and at half size.
pub async fn ensure_readable(
    state: &AppState,
    slug: &str,
    poster: &Poster,
    hero: &Hero,
) -> Result<(), ApiError> {
    let sample = sample(state, slug, poster, hero).await?;
    if sample.reads && sample.reads_small {
        return Ok(());
    }
    let name = poster.design_name.as_deref().unwrap_or("the poster");
    let how = if sample.reads {
        "scans at full size but not at half size (a poster seen small on a phone's screen)"
    } else {
        "does not scan"
    };
    Err(ApiError::invalid(
        ErrorCode::PosterQrUnreadable,
        format!(
            "the QR code of {name} {how}: make the box larger (about 300 px on a 720 px \
             poster), keep the nickname off it, or put a white card behind it on a busy \
             background"
        ),
    ))
}

/// A campaign's poster (saved or default) with design `n`'s background, its size and
/// advice; `None` when there is no design `n`.
pub async fn describe(
    state: &AppState,
    slug: &str,
    n: usize,
) -> Result<Option<PosterDesignView>, ApiError> {
    let campaign = load(&state.db, slug).await?;
    let saved = campaign.spec.poster.clone();
    let poster = saved.clone().unwrap_or_else(default_poster);
    let Some(design) = poster.design(n) else {
        return Ok(None);
    };
    let meta = match &design.background_asset {
        Some(id) => assets::store::meta(&state.db, id).await?,
        None => None,
    };
    let (width, height) = meta.as_ref().map_or(DEFAULT_SIZE, |m| (m.width, m.height));
    Ok(Some(PosterDesignView {
        advice: meta
            .as_ref()
            .map(|m| advice(m.width, m.height, m.byte_size))
            .unwrap_or_default(),
        background: meta.as_ref().map(BackgroundView::from),
        design: n,
        poster,
        saved: saved.is_some(),
        width,
        height,
    }))
}

async fn background(state: &AppState, id: &str) -> Result<Arc<image::RgbImage>, ApiError> {
    state
        .posters
        .load_image(&state.db, &state.assets, id)
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

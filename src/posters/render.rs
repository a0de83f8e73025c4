//! Draws one participant's poster: the campaign background, an optional white card, the
//! title and incentive, a white box with the QR code of their invite link, their round
//! avatar and their label. Pure CPU work: callers run it on a blocking thread.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ImageEncoder, Rgb, RgbImage};

use super::decode;
use super::paint::{fill, round_avatar, rounded_rect};
use super::person::PosterPerson;
use super::text::Typesetter;
use crate::campaigns::settings::AvatarPlacement;
use qr::{draw_qr, QrMatrices, QrMatrix, MASKS};

pub use super::text::FONT_BYTES;

const QUIET_ZONE: u32 = 4;
const MAX_NAME_CHARS: usize = 16;
/// Every delivered JPEG stays under 500 KB (the size poster tools and WeChat expect), with
/// room to spare: quality steps down until it fits.
pub const MAX_JPEG_BYTES: usize = 480 * 1000;
const JPEG_QUALITIES: [u8; 6] = [85, 78, 70, 62, 54, 46];
const DARK_GREY: [u8; 3] = [51, 51, 51];

#[derive(Clone, Debug, Default)]
pub struct PosterLayout {
    pub qr_x: u32,
    pub qr_y: u32,
    pub qr_size: u32,
    pub name_x: Option<u32>,
    pub name_y: Option<u32>,
    pub name_size: Option<u32>,
    pub name_color: Option<[u8; 3]>,
    pub avatar: Option<AvatarPlacement>,
    pub card: Option<Card>,
    /// Title and incentive, with their words already chosen.
    pub texts: Vec<TextBlock>,
}

/// A rounded plate drawn under everything else.
#[derive(Clone, Copy, Debug)]
pub struct Card {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub radius: u32,
    pub color: [u8; 3],
}

/// Words centred on `x` from `y` down, wrapped at `width`.
#[derive(Clone, Debug)]
pub struct TextBlock {
    pub text: String,
    pub x: u32,
    pub y: u32,
    pub size: u32,
    pub color: [u8; 3],
    pub width: Option<u32>,
    /// Thicker strokes, for a title.
    pub heavy: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PosterFormat {
    Png,
    Jpeg,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the QR box ({x},{y}) size {size} does not fit a {width}x{height} background")]
    QrOutside {
        x: u32,
        y: u32,
        size: u32,
        width: u32,
        height: u32,
    },
    #[error("the QR box of {size}px is too small for this link")]
    QrTooSmall { size: u32 },
    #[error("the link cannot be put in a QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error("the font could not be loaded")]
    Font,
    #[error("encoding the poster failed: {0}")]
    Encode(#[from] image::ImageError),
    #[error("encoding the poster as JPEG failed: {0}")]
    Jpeg(#[from] jpeg_encoder::EncodingError),
    #[error("the poster is too large for JPEG")]
    TooLarge,
}

pub struct PosterRenderer {
    type_: Typesetter,
}

impl PosterRenderer {
    pub fn new() -> Result<Self, RenderError> {
        Ok(PosterRenderer {
            type_: Typesetter::new().ok_or(RenderError::Font)?,
        })
    }

    /// The poster as an image, before encoding.
    ///
    /// The code is drawn with the mask the QR standard picks (the lowest penalty); if the
    /// poster then does not read at half size (a poster seen small: [`decode::reads_small`]),
    /// the other masks are tried in turn and the first that reads is kept. A mask changes
    /// only which modules are dark: some codes' data put dark modules where, halved and
    /// smoothed, they merged with a finder pattern and no finder was found (for example
    /// `ref=wktezmv5gv` in the demo's design 1: rare, none in one loop of 4,500 random codes,
    /// yet met twice by the suite). The loop tries the standard's pick again among the eight
    /// (the crate does not say which it was); a code that reads with none costs nine draws.
    pub fn draw(
        &self,
        background: &RgbImage,
        layout: &PosterLayout,
        url: &str,
        person: &PosterPerson,
    ) -> Result<RgbImage, RenderError> {
        let matrices = QrMatrices::new(url)?;
        // The code's rows (its box slides inside a smaller background, as drawn).
        let top = layout
            .qr_y
            .min(background.height().saturating_sub(layout.qr_size));
        let band = (top, layout.qr_size);
        let first = self.draw_with(background, layout, &matrices.best, person)?;
        if decode::reads_small(&first, band, url) {
            return Ok(first);
        }
        for pattern in MASKS {
            let poster = self.draw_with(background, layout, &matrices.masked(pattern), person)?;
            if decode::reads_small(&poster, band, url) {
                return Ok(poster);
            }
        }
        // None reads small (a code too small for its box): the standard's pick, which the
        // designer's check refuses before any participant sees it.
        Ok(first)
    }

    fn draw_with(
        &self,
        background: &RgbImage,
        layout: &PosterLayout,
        code: &QrMatrix,
        person: &PosterPerson,
    ) -> Result<RgbImage, RenderError> {
        let (width, height) = background.dimensions();
        let (x, y, size) = (layout.qr_x, layout.qr_y, layout.qr_size);
        if size > width || size > height {
            return Err(RenderError::QrOutside {
                x,
                y,
                size,
                width,
                height,
            });
        }
        // A background replaced by a smaller one keeps working: the box slides back inside.
        let layout = &PosterLayout {
            qr_x: x.min(width - size),
            qr_y: y.min(height - size),
            ..layout.clone()
        };
        let mut poster = background.clone();
        if let Some(card) = layout.card {
            let rect = (card.x.into(), card.y.into(), card.width, card.height);
            rounded_rect(&mut poster, rect, card.radius, card.color, 1.0);
        }
        for block in &layout.texts {
            self.draw_block(&mut poster, block);
        }
        draw_qr(&mut poster, layout, code)?;
        if let (Some(spot), Some(picture)) = (layout.avatar, &person.avatar) {
            round_avatar(
                &mut poster,
                picture,
                spot.x.into(),
                spot.y.into(),
                spot.size,
            );
        }
        let name = truncate(person.label.trim());
        if !name.is_empty() {
            self.draw_name(&mut poster, layout, &name);
        }
        Ok(poster)
    }

    pub fn render(
        &self,
        background: &RgbImage,
        layout: &PosterLayout,
        url: &str,
        person: &PosterPerson,
        format: PosterFormat,
    ) -> Result<Vec<u8>, RenderError> {
        encode(&self.draw(background, layout, url, person)?, format)
    }

    fn draw_block(&self, poster: &mut RgbImage, block: &TextBlock) {
        let px = block.size as f32;
        let width = block
            .width
            .map_or(poster.width() as f32 * 0.86, |w| w as f32);
        let step = self.type_.line_height(px) * 1.15;
        let weight = if block.heavy {
            (block.size / 24).max(1)
        } else {
            0
        };
        for (i, line) in self.type_.wrap(&block.text, px, width).iter().enumerate() {
            let left = block.x as f32 - line.width / 2.0;
            let top = block.y as f32 + i as f32 * step;
            self.type_
                .draw(poster, line, (left, top), px, block.color, weight);
        }
    }

    fn draw_name(&self, poster: &mut RgbImage, layout: &PosterLayout, name: &str) {
        let px = layout
            .name_size
            .unwrap_or((layout.qr_size / 7).clamp(16, 64)) as f32;
        let line = self.type_.line(name, px);
        let line_height = self.type_.line_height(px);
        let (w, h) = (poster.width() as f32, poster.height() as f32);
        let below = (layout.qr_y + layout.qr_size) as f32 + px * 0.5;
        let top = match layout.name_y {
            Some(y) => y as f32,
            None if below + line_height <= h => below,
            None => (layout.qr_y as f32 - line_height - px * 0.5).max(0.0),
        };
        let centre = layout
            .name_x
            .map_or((layout.qr_x + layout.qr_size / 2) as f32, |x| x as f32);
        let left = (centre - line.width / 2.0).clamp(0.0, (w - line.width).max(0.0));
        let pad = px * 0.3;
        fill(
            poster,
            (left - pad) as i64,
            (top - pad * 0.5) as i64,
            (line.width + 2.0 * pad) as u32,
            (line_height + pad) as u32,
            [255, 255, 255],
            0.85,
        );
        let color = layout.name_color.unwrap_or(DARK_GREY);
        self.type_.draw(poster, &line, (left, top), px, color, 0);
    }
}

fn truncate(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() <= MAX_NAME_CHARS {
        return clean;
    }
    let mut short: String = clean.chars().take(MAX_NAME_CHARS - 1).collect();
    short.push('…');
    short
}

/// PNG, or JPEG at the best quality that stays under [`MAX_JPEG_BYTES`].
pub fn encode(img: &RgbImage, format: PosterFormat) -> Result<Vec<u8>, RenderError> {
    let (w, h) = img.dimensions();
    if format == PosterFormat::Png {
        let mut out = Vec::with_capacity(img.as_raw().len() / 4);
        PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub)
            .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)?;
        return Ok(out);
    }
    let (w, h) = (
        u16::try_from(w).map_err(|_| RenderError::TooLarge)?,
        u16::try_from(h).map_err(|_| RenderError::TooLarge)?,
    );
    let mut out = Vec::new();
    for quality in JPEG_QUALITIES {
        out = Vec::with_capacity(img.as_raw().len() / 8);
        jpeg_encoder::Encoder::new(&mut out, quality).encode(
            img.as_raw(),
            w,
            h,
            jpeg_encoder::ColorType::Rgb,
        )?;
        if out.len() <= MAX_JPEG_BYTES {
            break;
        }
    }
    Ok(out)
}

/// A plain background for campaigns without one: a soft tea-green gradient.
pub fn default_background(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |_, y| {
        let t = y as f32 / height.max(1) as f32;
        let mix = |a: f32, b: f32| (a + (b - a) * t) as u8;
        Rgb([mix(236.0, 198.0), mix(246.0, 226.0), mix(232.0, 200.0)])
    })
}

mod qr;
#[cfg(test)]
mod tests;

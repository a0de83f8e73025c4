//! Draws one participant's poster: the campaign background, a white box with the QR code
//! of their invite link, and their nickname under it. Pure CPU work: callers run it on a
//! blocking thread.

use ab_glyph::{point, Font, FontRef, GlyphId, PxScale, ScaleFont};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ImageEncoder, Rgb, RgbImage};
use qrcode::{Color, EcLevel, QrCode};

/// WenQuanYi Micro Hei (Apache-2.0): wide CJK coverage for nicknames.
pub static FONT_BYTES: &[u8] = include_bytes!("../../static/fonts/wqy-microhei.ttc");

const QUIET_ZONE: u32 = 4;
const MAX_NAME_CHARS: usize = 16;

#[derive(Clone, Copy, Debug)]
pub struct PosterLayout {
    pub qr_x: u32,
    pub qr_y: u32,
    pub qr_size: u32,
    pub name_x: Option<u32>,
    pub name_y: Option<u32>,
    pub name_size: Option<u32>,
    pub name_color: Option<[u8; 3]>,
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
    font: FontRef<'static>,
}

impl PosterRenderer {
    pub fn new() -> Result<Self, RenderError> {
        let font =
            FontRef::try_from_slice_and_index(FONT_BYTES, 0).map_err(|_| RenderError::Font)?;
        Ok(PosterRenderer { font })
    }

    pub fn render(
        &self,
        background: &RgbImage,
        layout: &PosterLayout,
        url: &str,
        nickname: &str,
        format: PosterFormat,
    ) -> Result<Vec<u8>, RenderError> {
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
            ..*layout
        };
        let mut poster = background.clone();
        draw_qr(&mut poster, layout, url)?;
        let name = truncate(nickname.trim());
        if !name.is_empty() {
            self.draw_name(&mut poster, layout, &name);
        }
        encode(&poster, format)
    }

    fn draw_name(&self, poster: &mut RgbImage, layout: &PosterLayout, name: &str) {
        let px = layout
            .name_size
            .unwrap_or((layout.qr_size / 7).clamp(16, 64)) as f32;
        let scale = PxScale::from(px);
        let scaled = self.font.as_scaled(scale);
        let fallback = self.font.glyph_id('□');
        let glyphs: Vec<GlyphId> = name
            .chars()
            .map(|c| match self.font.glyph_id(c) {
                GlyphId(0) => fallback,
                id => id,
            })
            .collect();
        let text_width: f32 = glyphs.iter().map(|g| scaled.h_advance(*g)).sum();
        let line_height = scaled.ascent() - scaled.descent();
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
        let left = (centre - text_width / 2.0).clamp(0.0, (w - text_width).max(0.0));
        let pad = px * 0.3;
        fill(
            poster,
            (left - pad) as i64,
            (top - pad * 0.5) as i64,
            (text_width + 2.0 * pad) as u32,
            (line_height + pad) as u32,
            [255, 255, 255],
            0.85,
        );
        let color = layout.name_color.unwrap_or([51, 51, 51]);
        let mut caret = left;
        for id in glyphs {
            let glyph = id.with_scale_and_position(scale, point(caret, top + scaled.ascent()));
            caret += scaled.h_advance(id);
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let (px, py) = (
                    bounds.min.x as i64 + i64::from(gx),
                    bounds.min.y as i64 + i64::from(gy),
                );
                blend(poster, px, py, color, coverage);
            });
        }
    }
}

fn draw_qr(poster: &mut RgbImage, layout: &PosterLayout, url: &str) -> Result<(), RenderError> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)?;
    let modules = code.width() as u32;
    let module_px = layout.qr_size / (modules + 2 * QUIET_ZONE);
    if module_px < 2 {
        return Err(RenderError::QrTooSmall {
            size: layout.qr_size,
        });
    }
    let drawn = module_px * (modules + 2 * QUIET_ZONE);
    let offset = (layout.qr_size - drawn) / 2;
    fill(
        poster,
        layout.qr_x.into(),
        layout.qr_y.into(),
        layout.qr_size,
        layout.qr_size,
        [255, 255, 255],
        1.0,
    );
    let origin_x = layout.qr_x + offset + QUIET_ZONE * module_px;
    let origin_y = layout.qr_y + offset + QUIET_ZONE * module_px;
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (mx, my) = (i as u32 % modules, i as u32 / modules);
            fill(
                poster,
                (origin_x + mx * module_px).into(),
                (origin_y + my * module_px).into(),
                module_px,
                module_px,
                [0, 0, 0],
                1.0,
            );
        }
    }
    Ok(())
}

fn fill(img: &mut RgbImage, x: i64, y: i64, w: u32, h: u32, color: [u8; 3], alpha: f32) {
    let (iw, ih) = (i64::from(img.width()), i64::from(img.height()));
    for py in y.max(0)..(y + i64::from(h)).min(ih) {
        for px in x.max(0)..(x + i64::from(w)).min(iw) {
            blend(img, px, py, color, alpha);
        }
    }
}

fn blend(img: &mut RgbImage, x: i64, y: i64, color: [u8; 3], alpha: f32) {
    if x < 0 || y < 0 || x >= i64::from(img.width()) || y >= i64::from(img.height()) {
        return;
    }
    let alpha = alpha.clamp(0.0, 1.0);
    let pixel = img.get_pixel_mut(x as u32, y as u32);
    for (channel, target) in pixel.0.iter_mut().zip(color) {
        *channel = (f32::from(*channel) * (1.0 - alpha) + f32::from(target) * alpha).round() as u8;
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

fn encode(img: &RgbImage, format: PosterFormat) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::with_capacity(img.as_raw().len() / 4);
    let (w, h) = img.dimensions();
    match format {
        PosterFormat::Png => {
            PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub)
                .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)?
        }
        PosterFormat::Jpeg => {
            let (w, h) = (
                u16::try_from(w).map_err(|_| RenderError::TooLarge)?,
                u16::try_from(h).map_err(|_| RenderError::TooLarge)?,
            );
            jpeg_encoder::Encoder::new(&mut out, 85).encode(
                img.as_raw(),
                w,
                h,
                jpeg_encoder::ColorType::Rgb,
            )?
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

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> PosterLayout {
        PosterLayout {
            qr_x: 470,
            qr_y: 1030,
            qr_size: 220,
            name_x: None,
            name_y: None,
            name_size: None,
            name_color: None,
        }
    }

    fn decode(bytes: &[u8]) -> String {
        let gray = image::load_from_memory(bytes).unwrap().to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(gray);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        grids[0].decode().unwrap().1
    }

    #[test]
    fn the_qr_code_reads_back_as_the_link_in_both_formats() {
        let renderer = PosterRenderer::new().unwrap();
        let bg = default_background(720, 1280);
        let url = "https://fission.test/c/spring-tea?ref=ab23cd45ef";
        for format in [PosterFormat::Png, PosterFormat::Jpeg] {
            let bytes = renderer
                .render(&bg, &layout(), url, "小明🍵同学", format)
                .unwrap();
            assert_eq!(decode(&bytes), url);
        }
    }

    #[test]
    fn misplaced_boxes_and_tiny_codes_are_errors_not_panics() {
        let renderer = PosterRenderer::new().unwrap();
        let small = default_background(200, 300);
        assert!(matches!(
            renderer.render(&small, &layout(), "x", "", PosterFormat::Png),
            Err(RenderError::QrOutside { .. })
        ));
        let tiny = PosterLayout {
            qr_x: 0,
            qr_y: 0,
            qr_size: 40,
            ..layout()
        };
        assert!(matches!(
            renderer.render(
                &small,
                &tiny,
                "https://fission.test/c/x?ref=y",
                "",
                PosterFormat::Png
            ),
            Err(RenderError::QrTooSmall { .. })
        ));
    }

    #[test]
    fn an_overhanging_box_is_moved_inside_and_an_empty_name_draws_nothing() {
        let renderer = PosterRenderer::new().unwrap();
        let bg = default_background(600, 900);
        let url = "https://fission.test/c/spring-tea?ref=zz";
        let bytes = renderer
            .render(&bg, &layout(), url, "", PosterFormat::Png)
            .unwrap();
        assert_eq!(decode(&bytes), url);
    }

    #[test]
    fn long_names_are_cut_and_names_near_the_edge_stay_on_the_poster() {
        assert_eq!(
            truncate("一二三四五六七八九十一二三四五六七八")
                .chars()
                .count(),
            MAX_NAME_CHARS
        );
        let renderer = PosterRenderer::new().unwrap();
        let bg = default_background(720, 1280);
        let edge = PosterLayout {
            qr_x: 500,
            qr_y: 1060,
            ..layout()
        };
        assert!(renderer
            .render(
                &bg,
                &edge,
                "https://fission.test/c/a?ref=b",
                &"名".repeat(40),
                PosterFormat::Jpeg
            )
            .is_ok());
    }
}

//! The QR code of a poster: a link's modules with the standard's mask or another, drawn
//! into the poster's white box.

use image::RgbImage;
use qrcode::bits::Bits;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::ec::construct_codewords;
use qrcode::{Color, EcLevel, QrCode};

use super::{PosterLayout, RenderError, QUIET_ZONE};
use crate::posters::paint::fill;

/// A QR code's modules, row by row, `width` on a side.
pub(super) struct QrMatrix {
    width: u32,
    colors: Vec<Color>,
}

/// The masks a QR code may be drawn with (the standard's eight).
pub(super) const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// A link's QR code (error correction M): as the standard masks it, and unmasked, to be
/// masked otherwise when that one does not read small.
pub(super) struct QrMatrices {
    pub(super) best: QrMatrix,
    unmasked: Canvas,
}

impl QrMatrices {
    pub(super) fn new(url: &str) -> Result<QrMatrices, RenderError> {
        let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)?;
        let version = code.version();
        let mut bits = Bits::new(version);
        bits.push_optimal_data(url.as_bytes())?;
        bits.push_terminator(EcLevel::M)?;
        let (data, ec) = construct_codewords(&bits.into_bytes(), version, EcLevel::M)?;
        let mut unmasked = Canvas::new(version, EcLevel::M);
        unmasked.draw_all_functional_patterns();
        unmasked.draw_data(&data, &ec);
        let best = QrMatrix {
            width: code.width() as u32,
            colors: code.into_colors(),
        };
        Ok(QrMatrices { best, unmasked })
    }

    pub(super) fn masked(&self, pattern: MaskPattern) -> QrMatrix {
        let mut canvas = self.unmasked.clone();
        canvas.apply_mask(pattern);
        QrMatrix {
            width: self.best.width,
            colors: canvas.into_colors(),
        }
    }
}

pub(super) fn draw_qr(
    poster: &mut RgbImage,
    layout: &PosterLayout,
    code: &QrMatrix,
) -> Result<(), RenderError> {
    let modules = code.width;
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
    // Modules start on even pixels: halved, each still covers whole pixels, so a poster
    // seen at half size keeps sharp modules.
    let even = |v: u32| v & !1;
    let origin_x = even(layout.qr_x + offset + QUIET_ZONE * module_px);
    let origin_y = even(layout.qr_y + offset + QUIET_ZONE * module_px);
    for (i, &color) in code.colors.iter().enumerate() {
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

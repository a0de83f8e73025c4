//! Reading a rendered poster's QR code back, as a phone's camera would. The poster designer
//! and the launch checklist refuse a layout whose code does not read: a poster that cannot
//! be scanned loses every friend who sees it.

use image::imageops::FilterType;
use image::{GrayImage, RgbImage};

/// The text of the first QR code found in an encoded image (PNG or JPEG), if any reads.
pub fn decode(bytes: &[u8]) -> Option<String> {
    let gray = image::load_from_memory(bytes).ok()?.to_luma8();
    decode_gray(gray)
}

/// Whether the poster's code reads as `expected`, at full size and at half size (a poster
/// seen small on a screen, or from across a room).
pub fn reads_as(bytes: &[u8], expected: &str) -> bool {
    readings(bytes, expected) == (true, true)
}

/// Whether the code reads as `expected` at full size, and at half size: scaled down both
/// smoothly (Triangle, as a phone's screen does) and sharply (Lanczos3, as image tools do).
pub fn readings(bytes: &[u8], expected: &str) -> (bool, bool) {
    let Ok(image) = image::load_from_memory(bytes) else {
        return (false, false);
    };
    let full = image.to_luma8();
    let small = reads_halved(&full, expected);
    (decode_gray(full).as_deref() == Some(expected), small)
}

/// Whether `gray` halved reads as `expected`, scaled both ways (see [`readings`]).
fn reads_halved(gray: &GrayImage, expected: &str) -> bool {
    let (w, h) = ((gray.width() / 2).max(1), (gray.height() / 2).max(1));
    [FilterType::Triangle, FilterType::Lanczos3]
        .into_iter()
        .all(|filter| {
            decode_gray(image::imageops::resize(gray, w, h, filter)).as_deref() == Some(expected)
        })
}

/// Whether a drawn poster's code, in the rows `top..top + height`, reads as `expected` at
/// half size, scaled both ways as in [`readings`]: the renderer's own check before it keeps
/// a mask. Only a band of whole rows around the code is scaled and read (a quarter of a
/// poster's pixels; the whole took 55 ms a poster): the decoder's threshold is a running
/// average along rows that forgets a row's start well within one row, so the band reads as
/// the same rows of the whole poster would.
pub(crate) fn reads_small(poster: &RgbImage, (top, height): (u32, u32), expected: &str) -> bool {
    // Whole rows from an even one, with a margin for the filters' reach (Lanczos3: 6 px).
    let top = top.saturating_sub(16) & !1;
    let bottom = (top + height + 48).min(poster.height());
    let band = image::imageops::crop_imm(poster, 0, top, poster.width(), bottom - top);
    reads_halved(&image::imageops::grayscale(&*band), expected)
}

fn decode_gray(gray: GrayImage) -> Option<String> {
    let mut prepared = rqrr::PreparedImage::prepare(gray);
    prepared
        .detect_grids()
        .iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posters::person::PosterPerson;
    use crate::posters::render::{default_background, PosterFormat, PosterLayout, PosterRenderer};

    fn layout(size: u32) -> PosterLayout {
        PosterLayout {
            qr_x: 400,
            qr_y: 960,
            qr_size: size,
            ..Default::default()
        }
    }

    #[test]
    fn a_rendered_poster_reads_back_at_full_and_half_size() {
        let renderer = PosterRenderer::new().unwrap();
        let url = "https://fission.test/c/spring-tea?ref=ab23cd45ef";
        let bytes = renderer
            .render(
                &default_background(720, 1280),
                &layout(280),
                url,
                &PosterPerson::new(Some("小明"), None),
                PosterFormat::Png,
            )
            .unwrap();
        assert_eq!(decode(&bytes).as_deref(), Some(url));
        assert!(reads_as(&bytes, url));
        assert!(!reads_as(&bytes, "https://fission.test/c/other"));
    }

    #[test]
    fn garbage_and_images_without_a_code_do_not_read() {
        assert_eq!(decode(b"not an image"), None);
        assert!(!reads_as(b"not an image", "x"));
        let mut png = Vec::new();
        default_background(100, 100)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(decode(&png), None);
    }
}

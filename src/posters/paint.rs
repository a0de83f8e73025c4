//! Pixel work shared by the poster's layers: blending, rectangles, rounded cards and the
//! round avatar, each edge anti-aliased by how much of a pixel the shape covers.

use image::imageops::FilterType;
use image::RgbImage;

/// Mixes `color` into one pixel with `alpha` (0..=1); pixels off the image are ignored.
pub fn blend(img: &mut RgbImage, x: i64, y: i64, color: [u8; 3], alpha: f32) {
    if x < 0 || y < 0 || x >= i64::from(img.width()) || y >= i64::from(img.height()) {
        return;
    }
    let alpha = alpha.clamp(0.0, 1.0);
    if alpha == 0.0 {
        return;
    }
    let pixel = img.get_pixel_mut(x as u32, y as u32);
    for (channel, target) in pixel.0.iter_mut().zip(color) {
        *channel = (f32::from(*channel) * (1.0 - alpha) + f32::from(target) * alpha).round() as u8;
    }
}

/// A solid rectangle, clipped to the image.
pub fn fill(img: &mut RgbImage, x: i64, y: i64, w: u32, h: u32, color: [u8; 3], alpha: f32) {
    let (iw, ih) = (i64::from(img.width()), i64::from(img.height()));
    for py in y.max(0)..(y + i64::from(h)).min(ih) {
        for px in x.max(0)..(x + i64::from(w)).min(iw) {
            blend(img, px, py, color, alpha);
        }
    }
}

/// How much of the pixel centred at (`px`, `py`) lies inside the rounded rectangle.
fn rounded_coverage(px: f32, py: f32, (x, y, w, h): (f32, f32, f32, f32), r: f32) -> f32 {
    let (cx, cy) = (x + w / 2.0, y + h / 2.0);
    let qx = (px - cx).abs() - (w / 2.0 - r);
    let qy = (py - cy).abs() - (h / 2.0 - r);
    let outside = (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt();
    let distance = outside + qx.max(qy).min(0.0) - r;
    (0.5 - distance).clamp(0.0, 1.0)
}

/// A rectangle with rounded corners, `alpha` its opacity.
pub fn rounded_rect(
    img: &mut RgbImage,
    rect: (i64, i64, u32, u32),
    radius: u32,
    color: [u8; 3],
    alpha: f32,
) {
    let (x, y, w, h) = rect;
    let r = (radius.min(w / 2).min(h / 2)) as f32;
    let shape = (x as f32, y as f32, w as f32, h as f32);
    for py in y.max(0)..(y + i64::from(h)).min(i64::from(img.height())) {
        for px in x.max(0)..(x + i64::from(w)).min(i64::from(img.width())) {
            let cover = rounded_coverage(px as f32 + 0.5, py as f32 + 0.5, shape, r);
            blend(img, px, py, color, cover * alpha);
        }
    }
}

/// The picture cut square from its centre, scaled to `size` and drawn as a circle with a
/// white ring, whose top-left corner is (`x`, `y`).
pub fn round_avatar(img: &mut RgbImage, picture: &RgbImage, x: i64, y: i64, size: u32) {
    let (w, h) = picture.dimensions();
    let side = w.min(h).max(1);
    let square = image::imageops::crop_imm(picture, (w - side) / 2, (h - side) / 2, side, side);
    let scaled = image::imageops::resize(&square.to_image(), size, size, FilterType::Lanczos3);
    let ring = (size / 24).max(2) as f32;
    let r = size as f32 / 2.0;
    let (cx, cy) = (x as f32 + r, y as f32 + r);
    let reach = (r + ring).ceil() as i64 + 1;
    for py in (cy as i64 - reach)..=(cy as i64 + reach) {
        for px in (cx as i64 - reach)..=(cx as i64 + reach) {
            let d = ((px as f32 + 0.5 - cx).powi(2) + (py as f32 + 0.5 - cy).powi(2)).sqrt();
            blend(
                img,
                px,
                py,
                [255, 255, 255],
                (r + ring + 0.5 - d).clamp(0.0, 1.0),
            );
            let inside = (r + 0.5 - d).clamp(0.0, 1.0);
            let (sx, sy) = (px - x, py - y);
            if inside > 0.0
                && (0..i64::from(size)).contains(&sx)
                && (0..i64::from(size)).contains(&sy)
            {
                let source = scaled.get_pixel(sx as u32, sy as u32).0;
                blend(img, px, py, source, inside);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn the_avatar_is_round_with_soft_edges() {
        let mut canvas = RgbImage::from_pixel(100, 100, Rgb([0, 0, 0]));
        let red = RgbImage::from_pixel(30, 50, Rgb([255, 0, 0]));
        round_avatar(&mut canvas, &red, 10, 10, 80);
        assert_eq!(
            canvas.get_pixel(50, 50).0,
            [255, 0, 0],
            "the centre is the picture"
        );
        assert_eq!(
            canvas.get_pixel(12, 12).0,
            [0, 0, 0],
            "the corner stays background"
        );
        let edge = (0..100)
            .map(|x| canvas.get_pixel(x, 50).0)
            .collect::<Vec<_>>();
        assert!(
            edge.iter().any(|p| p[1] > 0 && p[1] < 255),
            "some pixels of the ring's edge are partly covered: anti-aliased"
        );
    }

    #[test]
    fn rounded_corners_leave_the_corner_pixel_alone() {
        let mut canvas = RgbImage::from_pixel(60, 60, Rgb([0, 0, 0]));
        rounded_rect(&mut canvas, (0, 0, 60, 60), 20, [255, 255, 255], 1.0);
        assert_eq!(canvas.get_pixel(0, 0).0, [0, 0, 0]);
        assert_eq!(canvas.get_pixel(30, 30).0, [255, 255, 255]);
        assert_eq!(canvas.get_pixel(30, 0).0, [255, 255, 255]);
    }
}

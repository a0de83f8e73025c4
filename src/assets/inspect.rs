//! Checks an upload is a PNG or JPEG within size limits, and decodes it completely,
//! before anything is stored. The header's claimed size is checked before any pixel is
//! decoded, so a decompression bomb is refused for what it claims to be.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};
use zune_core::bytestream::ZCursor;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InspectError {
    #[error("only PNG and JPEG images are accepted")]
    UnsupportedType,
    #[error("the image is {width}x{height} pixels; each side may be at most {max}")]
    TooLarge { width: u32, height: u32, max: u32 },
    #[error("the image has no pixels")]
    Empty,
    #[error("the image does not decode completely: {0}")]
    Corrupt(String),
}

/// Bytes a decoder may hold beyond the pixels themselves (palettes, rows, metadata).
const DECODER_HEADROOM: u64 = 16 << 20;

pub fn inspect(bytes: &[u8], max_side: u32) -> Result<ImageInfo, InspectError> {
    let (format, content_type) = match bytes {
        [0x89, b'P', b'N', b'G', ..] => (ImageFormat::Png, "image/png"),
        [0xFF, 0xD8, 0xFF, ..] => (ImageFormat::Jpeg, "image/jpeg"),
        _ => return Err(InspectError::UnsupportedType),
    };
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| InspectError::Corrupt(e.to_string()))?;
    if width == 0 || height == 0 {
        return Err(InspectError::Empty);
    }
    if width > max_side || height > max_side {
        let max = max_side;
        return Err(InspectError::TooLarge { width, height, max });
    }
    match format {
        ImageFormat::Jpeg => decode_jpeg(bytes, max_side)?,
        _ => decode_png(bytes, width, height)?,
    }
    Ok(ImageInfo {
        content_type,
        width,
        height,
    })
}

/// Strict decoding: the lenient one paints a truncated or damaged scan grey and carries on.
fn decode_jpeg(bytes: &[u8], max_side: u32) -> Result<(), InspectError> {
    let side = usize::try_from(max_side).unwrap_or(usize::MAX);
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(side)
        .set_max_height(side);
    JpegDecoder::new_with_options(ZCursor::new(bytes), options)
        .decode()
        .map(drop)
        .map_err(|e| InspectError::Corrupt(format!("{e:?}")))
}

/// The sides are within limits here; the memory cap fits the widest pixel (16-bit RGBA).
fn decode_png(bytes: &[u8], width: u32, height: u32) -> Result<(), InspectError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Png);
    let mut limits = Limits::default();
    limits.max_alloc = Some(u64::from(width) * u64::from(height) * 8 + DECODER_HEADROOM);
    reader.limits(limits);
    reader
        .decode()
        .map(drop)
        .map_err(|e| InspectError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(img: image::DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), format).unwrap();
        out
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        encoded(image::RgbImage::new(width, height).into(), ImageFormat::Png)
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([
                (x * 7 % 256) as u8,
                (y * 13 % 256) as u8,
                ((x ^ y) % 256) as u8,
            ])
        });
        encoded(img.into(), ImageFormat::Jpeg)
    }

    #[test]
    fn a_small_png_and_jpeg_are_accepted_with_their_size() {
        let info = inspect(&png(30, 20), 4096).unwrap();
        assert_eq!(
            (info.content_type, info.width, info.height),
            ("image/png", 30, 20)
        );
        let info = inspect(&jpeg(64, 48), 4096).unwrap();
        assert_eq!(
            (info.content_type, info.width, info.height),
            ("image/jpeg", 64, 48)
        );
    }

    #[test]
    fn oversized_and_foreign_files_are_refused_saying_why() {
        let over = inspect(&png(300, 20), 256).unwrap_err();
        assert_eq!(
            over.to_string(),
            "the image is 300x20 pixels; each side may be at most 256"
        );
        assert!(
            inspect(&png(256, 256), 256).is_ok(),
            "the limit itself is allowed"
        );
        assert_eq!(
            inspect(b"GIF89a....", 4096),
            Err(InspectError::UnsupportedType)
        );
        let mut truncated = png(64, 64);
        truncated.truncate(60);
        assert!(matches!(
            inspect(&truncated, 4096),
            Err(InspectError::Corrupt(_))
        ));
    }

    #[test]
    fn a_truncated_jpeg_does_not_decode_completely() {
        let full = jpeg(300, 300);
        let third = &full[..full.len() / 3];
        assert!(matches!(
            inspect(third, 4096),
            Err(InspectError::Corrupt(_))
        ));
    }

    #[test]
    fn a_bomb_is_refused_before_its_pixels_are_decoded() {
        // The HTTP test gives the header a valid checksum and reads the message.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&50_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&50_000u32.to_be_bytes());
        assert!(inspect(&bomb, 4096).is_err());
    }
}

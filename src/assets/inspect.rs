//! Checks an upload is a PNG or JPEG within size and pixel limits before anything is
//! stored. Decoding runs under `image::Limits`, so a decompression bomb fails early.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};

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
    #[error("the image is {width}x{height}; the limit is {max}x{max} pixels")]
    TooManyPixels { width: u32, height: u32, max: u32 },
    #[error("the image could not be decoded: {0}")]
    Corrupt(String),
}

pub fn inspect(bytes: &[u8], max_side: u32) -> Result<ImageInfo, InspectError> {
    let (format, content_type) = match bytes {
        [0x89, b'P', b'N', b'G', ..] => (ImageFormat::Png, "image/png"),
        [0xFF, 0xD8, 0xFF, ..] => (ImageFormat::Jpeg, "image/jpeg"),
        _ => return Err(InspectError::UnsupportedType),
    };
    let reader = || {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        let mut limits = Limits::default();
        limits.max_image_width = Some(max_side);
        limits.max_image_height = Some(max_side);
        limits.max_alloc = Some(u64::from(max_side) * u64::from(max_side) * 4 + (16 << 20));
        reader.limits(limits);
        reader
    };
    let (width, height) = reader().into_dimensions().map_err(|e| match e {
        image::ImageError::Limits(_) => InspectError::TooManyPixels {
            width: 0,
            height: 0,
            max: max_side,
        },
        other => InspectError::Corrupt(other.to_string()),
    })?;
    if width > max_side || height > max_side || width == 0 || height == 0 {
        return Err(InspectError::TooManyPixels {
            width,
            height,
            max: max_side,
        });
    }
    reader().decode().map_err(|e| match e {
        image::ImageError::Limits(_) => InspectError::TooManyPixels {
            width,
            height,
            max: max_side,
        },
        other => InspectError::Corrupt(other.to_string()),
    })?;
    Ok(ImageInfo {
        content_type,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::new(width, height);
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_small_png_is_accepted_with_its_size() {
        let info = inspect(&png(30, 20), 4096).unwrap();
        assert_eq!(
            info,
            ImageInfo {
                content_type: "image/png",
                width: 30,
                height: 20
            }
        );
    }

    #[test]
    fn oversized_and_foreign_files_are_refused() {
        assert!(matches!(
            inspect(&png(300, 20), 256),
            Err(InspectError::TooManyPixels { .. })
        ));
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
    fn a_header_claiming_huge_dimensions_is_refused_before_decoding() {
        // A PNG whose IHDR says 100000x100000: a classic decompression bomb header.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(inspect(&bomb, 4096).is_err());
    }
}

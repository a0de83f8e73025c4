use std::io::Cursor;

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{error_code, png, spawn_app_with, Backend, TestApp};

/// A photo-like JPEG (noise compresses badly, so every scan carries data).
fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let n = x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503);
        image::Rgb([(n % 251) as u8, (x % 256) as u8, (y % 256) as u8])
    });
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .unwrap();
    out
}

/// A PNG whose header claims `width`x`height` (with a valid checksum) over one pixel of data.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = png(1, 1);
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

async fn refusal(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_image");
    body["error"]["message"].as_str().unwrap().to_owned()
}

async fn upload(app: &TestApp, bytes: Vec<u8>, field: &str) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        field.to_owned(),
        reqwest::multipart::Part::bytes(bytes).file_name("x.png"),
    );
    app.api
        .post(app.url("/api/v1/assets"))
        .bearer_auth(&app.admin)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

both_backends! {
    async fn an_image_is_uploaded_and_served(app: TestApp) {
        let asset = app.upload_png(64, 48).await;
        assert_eq!(asset["width"], 64);
        assert_eq!(asset["height"], 48);
        let url = asset["url"].as_str().unwrap();
        let served = app.api.get(app.url(url)).send().await.unwrap();
        assert_eq!(served.status(), 200);
        assert_eq!(served.headers()["content-type"], "image/png");
        assert!(served.headers()["cache-control"].to_str().unwrap().contains("immutable"));
        assert_eq!(served.bytes().await.unwrap().to_vec(), png(64, 48));
    }

    async fn non_images_corrupt_files_and_bombs_are_422(app: TestApp) {
        let response = upload(&app, b"<svg onload=alert(1)>".to_vec(), "file").await;
        assert_eq!(response.status(), 422);
        assert_eq!(error_code(response).await, "invalid_image");
        let mut truncated = png(100, 100);
        truncated.truncate(80);
        assert_eq!(upload(&app, truncated, "file").await.status(), 422);
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        assert_eq!(upload(&app, bomb, "file").await.status(), 422);
        assert_eq!(upload(&app, png(5000, 10), "file").await.status(), 422);
    }

    async fn a_truncated_jpeg_is_refused_and_a_whole_one_kept(app: TestApp) {
        let whole = jpeg(600, 400);
        let third = whole[..whole.len() / 3].to_vec();
        let message = refusal(upload(&app, third, "file").await).await;
        assert!(message.contains("does not decode completely"), "{message}");
        let kept = upload(&app, whole, "file").await;
        assert_eq!(kept.status(), 201);
        let kept: Value = kept.json().await.unwrap();
        assert_eq!((kept["width"].as_i64(), kept["height"].as_i64()), (Some(600), Some(400)));
    }

    async fn size_refusals_say_what_is_over(app: TestApp) {
        let message = refusal(upload(&app, png_claiming(50_000, 50_000), "file").await).await;
        assert!(message.contains("50000x50000"), "{message}");
        let message = refusal(upload(&app, png(4097, 8), "file").await).await;
        assert!(message.contains("4097x8") && message.contains("4096"), "{message}");
    }

    async fn a_missing_field_is_422_and_a_huge_file_413(app: TestApp) {
        let response = upload(&app, png(10, 10), "picture").await;
        assert_eq!(response.status(), 422);
        assert_eq!(error_code(response).await, "missing_file");
        let huge = vec![0x89u8; 6 << 20];
        let response = upload(&app, huge, "file").await;
        assert_eq!(response.status(), 413);
    }

    async fn unknown_assets_are_404(app: TestApp) {
        assert_eq!(app.api.get(app.url("/assets/0123abcd")).send().await.unwrap().status(), 404);
        assert_eq!(app.api.get(app.url("/assets/..%2F..%2Fetc")).send().await.unwrap().status(), 404);
    }
}

/// An image exactly at the side limit decodes, even at 16 bits a channel (8 bytes a pixel):
/// it used to be refused as "3000x3000; the limit is 3000x3000".
async fn an_image_at_the_side_limit_is_accepted(backend: Backend) {
    let app = spawn_app_with(backend, &[("FISSION_MAX_IMAGE_SIDE", "3000")]).await;
    let img = image::ImageBuffer::<image::Rgba<u16>, _>::from_pixel(
        3000,
        3000,
        image::Rgba([9, 9, 9, 65535]),
    );
    let mut wide = Vec::new();
    image::DynamicImage::from(img)
        .write_to(&mut Cursor::new(&mut wide), image::ImageFormat::Png)
        .unwrap();
    let response = upload(&app, wide, "file").await;
    assert_eq!(response.status(), 201);
    let message = refusal(upload(&app, png(3001, 1), "file").await).await;
    assert!(
        message.contains("3001x1") && message.contains("3000"),
        "{message}"
    );
}

#[actix_web::test]
async fn an_image_at_the_side_limit_is_accepted_sqlite() {
    an_image_at_the_side_limit_is_accepted(Backend::Sqlite).await;
}

#[actix_web::test]
async fn an_image_at_the_side_limit_is_accepted_postgres() {
    if crate::helpers::postgres_configured() {
        an_image_at_the_side_limit_is_accepted(Backend::Postgres).await;
    }
}

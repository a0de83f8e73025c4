use crate::both_backends;
use crate::helpers::{error_code, png, TestApp};

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

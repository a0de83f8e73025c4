//! The poster designer's API: a layout whose QR code does not scan from a rendered sample
//! poster is refused (and nothing is saved); an unsaved layout is previewed for a sample
//! participant; the layout reads back with the background's size and advice.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{error_code, TestApp, PUBLIC_URL};
use crate::posters::decode_qr;

const GOOD: (u32, u32, u32) = (470, 1030, 220);

fn poster(bg: &Value, (x, y, size): (u32, u32, u32), name: Value) -> Value {
    json!({"background_asset": bg["id"], "qr": {"x": x, "y": y, "size": size}, "name": name})
}

/// The nickname drawn across the middle of the QR code: its white band hides the code.
fn name_over_the_code() -> Value {
    json!({"x": GOOD.0 + GOOD.2 / 2, "y": GOOD.1 + 60, "size": 80})
}

async fn designed(app: &TestApp) -> Value {
    let bg = app.upload_png(720, 1280).await;
    app.create_campaign(
        json!({"slug": "tea", "title": "春茶", "poster": poster(&bg, GOOD, Value::Null)}),
    )
    .await;
    bg
}

async fn saved_poster(app: &TestApp) -> Value {
    let campaign: Value = app
        .get_as("/api/v1/campaigns/tea", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    campaign["poster"].clone()
}

async fn preview(app: &TestApp, token: &str, layout: &Value) -> reqwest::Response {
    app.post_json("/api/v1/campaigns/tea/poster/preview", token, layout)
        .await
}

both_backends! {
    async fn a_layout_whose_code_does_not_scan_is_refused_and_nothing_is_saved(app: TestApp) {
        let bg = designed(&app).await;
        let before = saved_poster(&app).await;
        let hidden = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": poster(&bg, GOOD, name_over_the_code())})).await;
        assert_eq!(hidden.status(), 422);
        assert_eq!(error_code(hidden).await, "poster_qr_unreadable");
        let outside = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": poster(&bg, (600, 1200, 220), Value::Null)})).await;
        assert_eq!(outside.status(), 422);
        assert_eq!(error_code(outside).await, "poster_qr_outside");
        let tiny = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": poster(&bg, (10, 10, 60), Value::Null)})).await;
        assert_eq!(tiny.status(), 422);
        assert_eq!(saved_poster(&app).await, before, "a refused layout changes nothing");

        let created = app.post_json("/api/v1/campaigns", &app.admin, &json!({"slug": "hidden", "title": "t", "poster": poster(&bg, GOOD, name_over_the_code())})).await;
        assert_eq!(error_code(created).await, "poster_qr_unreadable");
        assert_eq!(app.get_as("/api/v1/campaigns/hidden", &app.admin).await.status(), 404);

        let beside = json!({"x": 200, "y": 1100, "size": 40, "color": "#AA3300"});
        let moved = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": poster(&bg, GOOD, beside.clone())})).await;
        assert_eq!(moved.status(), 200, "the nickname beside the code is fine");
        assert_eq!(saved_poster(&app).await["name"], beside);
        let bad_colour = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": {"name": {"color": "red"}}})).await;
        assert_eq!(error_code(bad_colour).await, "invalid_campaign");
    }

    async fn the_preview_draws_an_unsaved_layout_for_a_sample_participant(app: TestApp) {
        let bg = designed(&app).await;
        let before = saved_poster(&app).await;
        let moved = poster(&bg, (60, 80, 300), json!({"x": 210, "y": 400, "size": 36}));
        let response = preview(&app, &app.admin, &moved).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/png");
        assert_eq!(response.headers()["x-fission-qr-reads"], "true");
        let bytes = response.bytes().await.unwrap();
        let image = image::load_from_memory(&bytes).unwrap();
        assert_eq!((image.width(), image.height()), (720, 1280));
        assert_eq!(decode_qr(&bytes), format!("{PUBLIC_URL}/c/tea?ref=yangben234"));
        let moved_again = preview(&app, &app.admin, &poster(&bg, GOOD, Value::Null)).await.bytes().await.unwrap();
        assert_ne!(moved_again, bytes, "another layout, another picture");
        assert_eq!(image.to_luma8().get_pixel(62, 82).0[0], 255, "the code's white box starts at the box's corner");

        let hidden = preview(&app, &app.admin, &poster(&bg, GOOD, name_over_the_code())).await;
        assert_eq!(hidden.status(), 200, "the designer still shows it");
        assert_eq!(hidden.headers()["x-fission-qr-reads"], "false");
        assert_eq!(saved_poster(&app).await, before, "previews save nothing");

        let outside = preview(&app, &app.admin, &poster(&bg, (700, 0, 220), Value::Null)).await;
        assert_eq!(error_code(outside).await, "poster_qr_outside");
        let huge_name = preview(&app, &app.admin, &poster(&bg, GOOD, json!({"size": 5000}))).await;
        assert_eq!(error_code(huge_name).await, "invalid_campaign");
        let unknown = preview(&app, &app.admin, &json!({"background_asset": "nope", "qr": {"x": 0, "y": 0, "size": 200}})).await;
        assert_eq!(error_code(unknown).await, "unknown_asset");
        let viewer = app.token("viewer").await;
        assert_eq!(preview(&app, &viewer, &moved).await.status(), 403);
        assert_eq!(app.post_json("/api/v1/campaigns/nope/poster/preview", &app.admin, &moved).await.status(), 404);
    }

    async fn the_layout_reads_back_with_the_backgrounds_size_and_advice(app: TestApp) {
        app.simple_campaign("plain").await;
        let plain: Value = app.get_as("/api/v1/campaigns/plain/poster", &app.admin).await.json().await.unwrap();
        assert_eq!((plain["width"].as_i64(), plain["height"].as_i64(), plain["saved"].as_bool()), (Some(720), Some(1280), Some(false)));
        assert_eq!(plain["poster"]["qr"], json!({"x": 470, "y": 1030, "size": 220}));
        designed(&app).await;
        let viewer = app.token("viewer").await;
        let good: Value = app.get_as("/api/v1/campaigns/tea/poster", &viewer).await.json().await.unwrap();
        assert_eq!(good["advice"], json!([]));
        assert_eq!(good["background"]["width"], 720);
        let square = app.upload_png(1000, 1000).await;
        let saved = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": {"background_asset": square["id"], "qr": {"x": 700, "y": 700, "size": 260}}})).await;
        assert_eq!(saved.status(), 200);
        let odd: Value = app.get_as("/api/v1/campaigns/tea/poster", &app.admin).await.json().await.unwrap();
        assert_eq!((odd["width"].as_i64(), odd["height"].as_i64()), (Some(1000), Some(1000)));
        assert_eq!(odd["advice"], json!(["unusual_size"]));
    }
}

use serde_json::json;

use crate::both_backends;
use crate::helpers::{mobile, TestApp, PUBLIC_URL};

/// The text of the QR code in a poster image.
pub fn decode_qr(bytes: &[u8]) -> String {
    let gray = image::load_from_memory(bytes).expect("an image").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(gray);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "exactly one QR code on the poster");
    grids[0].decode().expect("a readable QR code").1
}

async fn poster_campaign(app: &TestApp) -> String {
    let bg = app.upload_png(720, 1280).await;
    app.create_campaign(json!({"slug": "tea", "title": "春茶",
        "poster": {"background_asset": bg["id"], "qr": {"x": 470, "y": 1030, "size": 220}}}))
        .await;
    let me = app.join_ok("tea", &mobile(1), None).await;
    me["code"].as_str().unwrap().to_owned()
}

both_backends! {
    async fn a_poster_carries_the_participants_invite_link(app: TestApp) {
        let code = poster_campaign(&app).await;
        for ext in ["png", "jpg"] {
            let response = app.api.get(app.url(&format!("/c/tea/p/{code}.{ext}"))).send().await.unwrap();
            assert_eq!(response.status(), 200, "{ext}");
            let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
            assert_eq!(content_type, if ext == "png" { "image/png" } else { "image/jpeg" });
            let bytes = response.bytes().await.unwrap();
            let img = image::load_from_memory(&bytes).unwrap();
            assert_eq!((img.width(), img.height()), (720, 1280));
            assert_eq!(decode_qr(&bytes), format!("{PUBLIC_URL}/c/tea?ref={code}"));
        }
    }

    async fn posters_are_cached_with_etags_and_change_with_the_design(app: TestApp) {
        let code = poster_campaign(&app).await;
        let url = app.url(&format!("/c/tea/p/{code}.png"));
        let first = app.api.get(&url).send().await.unwrap();
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let first = first.bytes().await.unwrap();
        let again = app.api.get(&url).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(again.status(), 304);
        let cached = app.api.get(&url).send().await.unwrap().bytes().await.unwrap();
        assert_eq!(cached, first);
        let moved = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": {"qr": {"x": 40, "y": 40, "size": 300}}})).await;
        assert_eq!(moved.status(), 200);
        let after = app.api.get(&url).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(after.status(), 200, "a changed design is not served from the old cache");
        assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
        let bytes = after.bytes().await.unwrap();
        assert_ne!(bytes, first);
        assert!(decode_qr(&bytes).ends_with(&code));
    }

    async fn posters_work_without_a_background_and_refuse_unknown_codes(app: TestApp) {
        app.simple_campaign("tea").await;
        let me = app.join_ok("tea", &mobile(1), None).await;
        let code = me["code"].as_str().unwrap();
        let response = app.api.get(app.url(&format!("/c/tea/p/{code}.png"))).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(decode_qr(&response.bytes().await.unwrap()).ends_with(code));
        for path in ["/c/tea/p/zzzzzzzzzz.png", &format!("/c/tea/p/{code}.gif"), "/c/nope/p/abcdefghjk.png", "/c/tea/p/..%2Fsecret.png"] {
            assert_eq!(app.api.get(app.url(path)).send().await.unwrap().status(), 404, "{path}");
        }
    }
}

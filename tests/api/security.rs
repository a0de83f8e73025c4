//! Issue 8, security: the edges every request crosses (bearer scheme, sniffing, metrics).

use serde_json::json;

use crate::both_backends;
use crate::helpers::{error_code, mobile, spawn_app_with, Backend};

fn nosniff(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get("x-content-type-options")
        .is_some_and(|v| v == "nosniff")
}

both_backends! {
    async fn the_bearer_scheme_is_case_insensitive(app: TestApp) {
        for scheme in ["bearer", "BEARER", "Bearer", "bEaReR"] {
            let response = app.api.get(app.url("/api/v1/campaigns"))
                .header("authorization", format!("{scheme} {}", app.admin))
                .send().await.unwrap();
            assert_eq!(response.status(), 200, "{scheme}");
        }
        let response = app.api.get(app.url("/api/v1/campaigns"))
            .header("authorization", format!("Basic {}", app.admin))
            .send().await.unwrap();
        assert_eq!(response.status(), 401);
    }

    async fn json_posters_and_assets_are_never_sniffed(app: TestApp) {
        let bg = app.upload_png(720, 1280).await;
        app.create_campaign(json!({"slug": "tea", "title": "春茶",
            "poster": {"background_asset": bg["id"], "qr": {"x": 470, "y": 1030, "size": 220}}}))
            .await;
        let me = app.join_ok("tea", &mobile(1), None).await;
        let code = me["code"].as_str().unwrap();
        let json = app.get_as("/api/v1/campaigns", &app.admin).await;
        assert!(nosniff(&json), "JSON");
        let error = app.api.get(app.url("/api/v1/campaigns")).send().await.unwrap();
        assert!(nosniff(&error), "an error body");
        let poster = app.api.get(app.url(&format!("/c/tea/p/{code}.png"))).send().await.unwrap();
        assert_eq!(poster.status(), 200);
        assert!(nosniff(&poster), "poster");
        let asset = app.api.get(app.url(&format!("/assets/{}", bg["id"].as_str().unwrap())))
            .send().await.unwrap();
        assert_eq!(asset.status(), 200);
        assert!(nosniff(&asset), "asset");
    }

    async fn a_limit_above_the_documented_maximum_is_refused_or_clamped_as_documented(app: TestApp) {
        app.simple_campaign("tea").await;
        let doc: serde_json::Value = app.api.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        let limit_doc = |path: &str| {
            doc["paths"][path]["get"]["parameters"].as_array().unwrap().iter()
                .find(|p| p["name"] == "limit").unwrap()["description"].as_str().unwrap().to_owned()
        };
        assert!(limit_doc("/api/v1/campaigns/{slug}/leaderboard").contains("1..=1000"));
        assert!(limit_doc("/api/v1/campaigns/{slug}/group-events").contains("1..=1000"));
        let over = app.get_as("/api/v1/campaigns/tea/leaderboard?limit=1001", &app.admin).await;
        assert_eq!(over.status(), 400);
        assert_eq!(error_code(over).await, "invalid_query");
        assert_eq!(app.get_as("/api/v1/campaigns/tea/leaderboard?limit=1000", &app.admin).await.status(), 200);
        let clamped = app.get_as("/api/v1/campaigns/tea/group-events?limit=1000000", &app.admin).await;
        assert_eq!(clamped.status(), 200, "group events clamp, as their parameter says");
    }

    async fn metrics_without_a_token_answer_loopback_only(app: TestApp) {
        let local = app.api.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(local.status(), 200);
        // Through the trusted proxy, as a client elsewhere on the network.
        let remote = app.api.get(app.url("/metrics"))
            .header("x-forwarded-for", "203.0.113.9")
            .send().await.unwrap();
        assert_eq!(remote.status(), 403);
        assert_eq!(error_code(remote).await, "forbidden");
    }
}

async fn metrics_with_a_token_want_it_from_everyone(backend: Backend) {
    let app = spawn_app_with(backend, &[("FISSION_METRICS_TOKEN", "m3tr1cs-s3cret")]).await;
    let bare = app.api.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(bare.status(), 401, "loopback without the token");
    let wrong = app.get_as("/metrics", "nope").await;
    assert_eq!(wrong.status(), 401);
    let remote = app
        .api
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .header("authorization", "bearer m3tr1cs-s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(remote.status(), 200);
    assert!(remote.text().await.unwrap().contains("fission_http"));
}

#[actix_web::test]
async fn metrics_with_a_token_sqlite() {
    metrics_with_a_token_want_it_from_everyone(Backend::Sqlite).await;
}

#[actix_web::test]
async fn metrics_with_a_token_postgres() {
    if crate::helpers::postgres_configured() {
        metrics_with_a_token_want_it_from_everyone(Backend::Postgres).await;
    }
}

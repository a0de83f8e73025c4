use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{error_code, TestApp, PUBLIC_URL};

async fn draft(app: &TestApp) -> Value {
    app.create_campaign(
        json!({"slug": "tea", "title": "春茶上新", "status": "draft",
        "page": {"hero": {"headline": "已保存的标题"}}}),
    )
    .await
}

async fn preview_link(app: &TestApp) -> String {
    let response = app
        .get_as("/api/v1/campaigns/tea/preview-link", &app.admin)
        .await;
    assert_eq!(response.status(), 200);
    let link: Value = response.json().await.unwrap();
    let url = link["url"].as_str().unwrap();
    let expires: chrono::DateTime<chrono::Utc> =
        link["expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((6.9..=7.0).contains(&days), "a week: {days}");
    url.strip_prefix(PUBLIC_URL)
        .expect("a link on the public URL")
        .to_owned()
}

async fn visits(app: &TestApp) -> i64 {
    app.state.visits.flush().await;
    app.stats("tea").await["visits"].as_i64().unwrap()
}

both_backends! {
    async fn a_draft_preview_shows_unsaved_content_and_stores_nothing(app: TestApp) {
        draft(&app).await;
        let response = app.post_json("/api/v1/campaigns/tea/preview", &app.admin,
            &json!({"page": {"hero": {"headline": "还没保存的新标题", "incentive": "邀请3位好友得5元红包"}}})).await;
        assert_eq!(response.status(), 200);
        let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("form-action 'none'") && csp.contains("frame-ancestors 'self'"), "{csp}");
        let html = response.text().await.unwrap();
        assert!(html.contains("还没保存的新标题") && html.contains("邀请3位好友得5元红包"));
        assert!(html.contains("preview-ribbon") && html.contains("预览"));
        assert!(!html.contains("已保存的标题"));

        let saved: Value = app.get_as("/api/v1/campaigns/tea", &app.admin).await.json().await.unwrap();
        assert_eq!(saved["page"]["hero"]["headline"], "已保存的标题");
        assert_eq!(saved["version"], 1);
        assert_eq!(visits(&app).await, 0, "a preview is not a visit");
    }

    async fn an_invalid_draft_gets_the_patch_errors_and_only_writers_preview(app: TestApp) {
        draft(&app).await;
        let bad = app.post_json("/api/v1/campaigns/tea/preview", &app.admin, &json!({"title": ""})).await;
        assert_eq!(bad.status(), 422);
        assert_eq!(error_code(bad).await, "invalid_campaign");
        let renamed = app.post_json("/api/v1/campaigns/tea/preview", &app.admin, &json!({"slug": "other"})).await;
        assert_eq!(error_code(renamed).await, "slug_immutable");
        let viewer = app.token("viewer").await;
        assert_eq!(app.post_json("/api/v1/campaigns/tea/preview", &viewer, &json!({})).await.status(), 403);
        assert_eq!(app.get_as("/api/v1/campaigns/tea/preview-link", &viewer).await.status(), 403);
        assert_eq!(app.post_json("/api/v1/campaigns/nope/preview", &app.admin, &json!({})).await.status(), 404);
    }

    async fn a_signed_link_opens_the_saved_draft_and_nothing_else(app: TestApp) {
        let campaign = draft(&app).await;
        assert_eq!(app.api.get(app.url("/c/tea")).send().await.unwrap().status(), 404, "a draft is not public");
        let path = preview_link(&app).await;
        let response = app.api.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let html = response.text().await.unwrap();
        assert!(html.contains("已保存的标题") && html.contains("preview-ribbon"));
        assert_eq!(visits(&app).await, 0);

        let forged = format!("{}0", path.trim_end_matches(|c: char| c.is_ascii_hexdigit()));
        let later = path.replace("exp=", "exp=9");
        for bad in [forged.as_str(), later.as_str(), "/c/tea/preview", "/c/tea/preview?exp=1&sig=x"] {
            let response = app.api.get(app.url(bad)).send().await.unwrap();
            assert_eq!(response.status(), 403, "{bad}");
            assert!(!response.text().await.unwrap().contains("已保存的标题"), "{bad}");
        }
        // Signed right but expired.
        let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).timestamp();
        let id = campaign["id"].as_str().unwrap();
        let sig = app.state.signer.hash("preview", &[id, &past.to_string()]);
        let expired = app.api.get(app.url(&format!("/c/tea/preview?exp={past}&sig={sig}"))).send().await.unwrap();
        assert_eq!(expired.status(), 403);
        // A link of one campaign does not open another.
        app.create_campaign(json!({"slug": "other", "title": "别的活动", "status": "draft"})).await;
        let other = app.api.get(app.url(&path.replace("/c/tea/", "/c/other/"))).send().await.unwrap();
        assert_eq!(other.status(), 403);
    }
}

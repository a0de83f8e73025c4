use serde_json::json;

use crate::both_backends;
use crate::helpers::error_code;

/// Every admin route of issue 2 with a body that would be valid.
fn admin_routes() -> Vec<(&'static str, &'static str)> {
    vec![
        ("GET", "/api/v1/campaigns"),
        ("POST", "/api/v1/campaigns"),
        ("GET", "/api/v1/campaigns/spring-tea"),
        ("PATCH", "/api/v1/campaigns/spring-tea"),
        ("POST", "/api/v1/campaigns/spring-tea/seeds"),
        (
            "GET",
            "/api/v1/campaigns/spring-tea/participants/abcdefghjk",
        ),
        ("GET", "/api/v1/campaigns/spring-tea/stats"),
        ("GET", "/api/v1/campaigns/spring-tea/leaderboard"),
        ("POST", "/api/v1/assets"),
    ]
}

both_backends! {
    async fn admin_routes_without_a_token_are_401(app: TestApp) {
        for (method, path) in admin_routes() {
            let request = app.api.request(method.parse().unwrap(), app.url(path)).json(&json!({}));
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{method} {path}");
            assert_eq!(error_code(response).await, "unauthorized");
        }
    }

    async fn forged_and_malformed_tokens_are_401(app: TestApp) {
        for token in ["fsn_forged", "not-a-token", &format!("{}x", app.admin)] {
            let response = app.get_as("/api/v1/campaigns", token).await;
            assert_eq!(response.status(), 401, "{token}");
        }
    }

    async fn viewers_read_but_cannot_change_anything(app: TestApp) {
        app.simple_campaign("spring-tea").await;
        let viewer = app.token("viewer").await;
        assert_eq!(app.get_as("/api/v1/campaigns", &viewer).await.status(), 200);
        assert_eq!(app.get_as("/api/v1/campaigns/spring-tea/stats", &viewer).await.status(), 200);
        let create = app.post_json("/api/v1/campaigns", &viewer, &json!({"slug": "x-y", "title": "t"})).await;
        assert_eq!(create.status(), 403);
        assert_eq!(error_code(create).await, "forbidden");
        let patch = app.patch_json("/api/v1/campaigns/spring-tea", &viewer, &json!({"title": "hacked"})).await;
        assert_eq!(patch.status(), 403);
        let seeds = app.post_json("/api/v1/campaigns/spring-tea/seeds", &viewer, &json!({"channel": "s", "count": 1})).await;
        assert_eq!(seeds.status(), 403);
    }

    async fn finance_cannot_edit_campaigns_and_marketers_can(app: TestApp) {
        let finance = app.token("finance").await;
        let marketer = app.token("marketer").await;
        let body = json!({"slug": "tea-2", "title": "t"});
        assert_eq!(app.post_json("/api/v1/campaigns", &finance, &body).await.status(), 403);
        assert_eq!(app.post_json("/api/v1/campaigns", &marketer, &body).await.status(), 201);
        assert_eq!(app.get_as("/api/v1/campaigns/tea-2/stats", &finance).await.status(), 200);
    }
}

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::error_code;

fn full_body() -> Value {
    json!({
        "slug": "spring-tea", "title": "春茶上新", "status": "active",
        "starts_at": null, "ends_at": "2030-01-01T00:00:00Z",
        "page": {"hero": {"headline": "邀好友品新茶", "incentive": "邀3人得5元"}, "proof": {"certifications": ["SC"]}, "closing": {"cta": "加入"}},
        "qualification": {"require_group_join": true, "hold_hours": 72},
        "budget": {"amount": 100000, "currency": "CNY"},
        "rules": [
            {"id": "m3", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 500}},
            {"id": "pi", "kind": "per_invite", "max_per_inviter": 10, "reward": {"type": "cash", "amount": 100}},
            {"id": "wb", "kind": "invitee_bonus", "reward": {"type": "coupon", "pool": "welcome"}},
            {"id": "lb", "kind": "leaderboard", "top": 3, "reward": {"type": "physical", "sku": "book", "stock": 3}}
        ]
    })
}

both_backends! {
    async fn a_campaign_is_created_read_listed_and_changed(app: TestApp) {
        let created = app.create_campaign(full_body()).await;
        assert_eq!(created["slug"], "spring-tea");
        assert_eq!(created["qualification"]["hold_hours"], 72);
        assert_eq!(created["budget"]["amount"], 100000);
        assert_eq!(created["rules"][1]["max_per_inviter"], 10);
        assert_eq!(created["landing_url"], "https://fission.test/c/spring-tea");

        let read: Value = app.get_as("/api/v1/campaigns/spring-tea", &app.admin).await.json().await.unwrap();
        assert_eq!(read["page"]["hero"]["headline"], "邀好友品新茶");
        let list: Value = app.get_as("/api/v1/campaigns", &app.admin).await.json().await.unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1);

        let patched = app.patch_json("/api/v1/campaigns/spring-tea", &app.admin, &json!({"title": "春茶二期", "page": {"hero": {"headline": "新标题"}}})).await;
        assert_eq!(patched.status(), 200);
        let patched: Value = patched.json().await.unwrap();
        assert_eq!(patched["title"], "春茶二期");
        assert_eq!(patched["page"]["hero"]["headline"], "新标题");
        // Fields the patch did not name are kept.
        assert_eq!(patched["page"]["hero"]["incentive"], "邀3人得5元");
        assert_eq!(patched["rules"].as_array().unwrap().len(), 4);
    }

    async fn a_taken_slug_is_409(app: TestApp) {
        app.simple_campaign("spring-tea").await;
        let again = app.post_json("/api/v1/campaigns", &app.admin, &json!({"slug": "spring-tea", "title": "x"})).await;
        assert_eq!(again.status(), 409);
        assert_eq!(error_code(again).await, "slug_taken");
    }

    async fn bad_bodies_are_refused_and_store_nothing(app: TestApp) {
        let cases = [
            json!({"slug": "Bad Slug", "title": "t"}),
            json!({"slug": "ok-slug", "title": ""}),
            json!({"slug": "ok-slug", "title": "t", "status": "launched"}),
            json!({"slug": "ok-slug", "title": "t", "rules": [{"id": "m", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 5}}]}),
            json!({"slug": "ok-slug", "title": "t", "budget": {"amount": 10}, "rules": [{"id": "m", "kind": "teleport", "reward": {"type": "cash", "amount": 5}}]}),
            json!({"slug": "ok-slug", "title": "t", "budget": {"amount": -1}}),
            json!({"slug": "ok-slug", "title": "t", "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-11-01T00:00:00Z"}),
            json!({"slug": "ok-slug", "title": "t", "poster": {"background_asset": "nope", "qr": {"x": 1, "y": 1, "size": 100}}}),
            json!({"slug": 7, "title": "t"}),
            json!({"slug": "ok-slug", "title": "t", "poster": {"qr": {"x": 1, "y": 1, "size": 100}}}),
        ];
        for body in cases {
            let response = app.post_json("/api/v1/campaigns", &app.admin, &body).await;
            assert_eq!(response.status(), 422, "{body}");
        }
        let malformed = app.api.post(app.url("/api/v1/campaigns")).bearer_auth(&app.admin)
            .header("content-type", "application/json").body("{\"slug\": ").send().await.unwrap();
        assert_eq!(malformed.status(), 400);
        assert_eq!(error_code(malformed).await, "invalid_json");
        let list: Value = app.get_as("/api/v1/campaigns", &app.admin).await.json().await.unwrap();
        assert_eq!(list, json!([]));
    }

    async fn a_bad_patch_changes_nothing(app: TestApp) {
        app.create_campaign(full_body()).await;
        for patch in [json!({"slug": "renamed"}), json!({"budget": {"amount": -5}}), json!({"rules": [{"id": "x"}]}), json!([1])] {
            let response = app.patch_json("/api/v1/campaigns/spring-tea", &app.admin, &patch).await;
            assert_eq!(response.status(), 422, "{patch}");
        }
        let read: Value = app.get_as("/api/v1/campaigns/spring-tea", &app.admin).await.json().await.unwrap();
        assert_eq!(read["slug"], "spring-tea");
        assert_eq!(read["budget"]["amount"], 100000);
        assert_eq!(read["version"], 1);
        assert_eq!(app.get_as("/api/v1/campaigns/nope", &app.admin).await.status(), 404);
    }

    async fn the_poster_qr_must_fit_on_its_background(app: TestApp) {
        let bg = app.upload_png(300, 400).await;
        let body = json!({"slug": "tea", "title": "t", "poster": {"background_asset": bg["id"], "qr": {"x": 200, "y": 10, "size": 150}}});
        let response = app.post_json("/api/v1/campaigns", &app.admin, &body).await;
        assert_eq!(response.status(), 422);
        assert_eq!(error_code(response).await, "poster_qr_outside");
        let body = json!({"slug": "tea", "title": "t", "poster": {"background_asset": bg["id"], "qr": {"x": 100, "y": 200, "size": 150}}});
        assert_eq!(app.post_json("/api/v1/campaigns", &app.admin, &body).await.status(), 201);
    }
}

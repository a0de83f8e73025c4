//! Issue 8 item 2: control characters (NUL first) are refused at the edge on both
//! backends: 422 `invalid_text` in bodies and queries, 404 in path segments, never 5xx,
//! and nothing stored.

use serde_json::{json, Value};

use crate::both_backends;
use crate::groups::{add_group, event, groups, send_events};
use crate::helpers::{error_code, mobile, TestApp};

const NUL: &str = "\u{0}";

async fn assert_invalid_text(response: reqwest::Response, what: &str) {
    assert_eq!(response.status(), 422, "{what}");
    assert_eq!(error_code(response).await, "invalid_text", "{what}");
}

async fn campaign_slugs(app: &TestApp) -> Vec<Value> {
    let list: Value = app
        .get_as("/api/v1/campaigns", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    let items = list.get("items").unwrap_or(&list);
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].clone())
        .collect()
}

both_backends! {
    async fn nul_in_a_slug_title_or_code_is_refused_and_nothing_is_stored(app: TestApp) {
        for body in [json!({"slug": format!("te{NUL}a"), "title": "t"}),
                     json!({"slug": "tea", "title": format!("春茶{NUL}")}),
                     json!({"slug": "tea", "title": "t", "page": {"hero": {"headline": "a\u{7}b"}}})] {
            let response = app.post_json("/api/v1/campaigns", &app.admin, &body).await;
            assert_invalid_text(response, &body.to_string()).await;
        }
        assert!(campaign_slugs(&app).await.is_empty(), "nothing was stored");
        app.simple_campaign("tea").await;
        let patch = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"title": format!("a{NUL}")})).await;
        assert_invalid_text(patch, "a title by PATCH").await;
        // Newlines and tabs stay welcome where text spans lines.
        let copy = json!({"page": {"closing": {"text": "第一行\n第二行\t!"}}});
        assert_eq!(app.patch_json("/api/v1/campaigns/tea", &app.admin, &copy).await.status(), 200);
        // A code in the public join and the landing link.
        let join = app.api.post(app.url("/api/v1/public/campaigns/tea/participants"))
            .json(&json!({"phone": mobile(1), "consent": true, "ref": format!("AB{NUL}CD")})).send().await.unwrap();
        assert_invalid_text(join, "ref in the public join").await;
        let landing = app.api.get(app.url("/c/tea?ref=AB%00CD")).send().await.unwrap();
        assert_invalid_text(landing, "ref in the query").await;
        let form = app.api.post(app.url("/c/tea/join"))
            .form(&[("phone", mobile(2)), ("consent", "on".into()), ("name", format!("王{NUL}"))]).send().await.unwrap();
        assert_invalid_text(form, "a name in the join form").await;
        assert_eq!(app.stats("tea").await["leads"], 0, "no lead was stored");
        // Path segments: slugs and codes are not found.
        for path in ["/c/te%00a", "/api/v1/campaigns/tea%00", "/api/v1/campaigns/tea/participants/AB%00CD", "/c/tea/p/AB%00.png"] {
            let response = app.get_as(path, &app.admin).await;
            assert_eq!(response.status(), 404, "{path}");
            assert_eq!(error_code(response).await, "not_found", "{path}");
        }
    }

    async fn nul_in_a_group_name_event_or_member_list_is_refused(app: TestApp) {
        app.simple_campaign("tea").await;
        let qr = app.upload_png(100, 100).await;
        let body = json!({"name": format!("1群{NUL}"), "capacity": 5, "qr_asset": qr["id"]});
        assert_invalid_text(app.post_json("/api/v1/campaigns/tea/groups", &app.admin, &body).await, "a group name").await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let friend = app.join_ok("tea", &mobile(1), None).await;
        let at = "2026-11-22T10:00:00Z";
        for (what, e) in [("an event id", event(&format!("e{NUL}1"), "member_joined", &g, json!({"participant_code": friend["code"]}), at)),
                          ("a member_ref", event("e2", "member_joined", &g, json!({"member_ref": format!("wx{NUL}")}), at))] {
            assert_invalid_text(send_events(&app, json!([e])).await, what).await;
        }
        assert_eq!(groups(&app, "tea").await[0]["members"], 0, "no event was applied");
        // The signature covers the raw body, which reaches the webhook intact.
        let fine = send_events(&app, json!([event("e3", "member_joined", &g, json!({"participant_code": friend["code"]}), at)])).await;
        assert_eq!(fine.status(), 200);
        let url = app.url(&format!("/api/v1/campaigns/tea/groups/{}/members", g["id"].as_str().unwrap()));
        let csv = format!("member_ref,phone,joined_at\nwx-a{NUL},{},2026-11-22 18:00:00\n", mobile(1));
        let import = app.api.post(&url).bearer_auth(&app.admin).header("content-type", "text/csv").body(csv).send().await.unwrap();
        assert_invalid_text(import, "a member-list cell").await;
        assert_eq!(groups(&app, "tea").await[0]["members"], 1, "the list changed nothing");
        let codes = app.api.post(app.url("/api/v1/campaigns/tea/coupon-pools/welcome/codes")).bearer_auth(&app.admin)
            .header("content-type", "text/plain").body("A1\nB\u{0}2\n").send().await.unwrap();
        assert_invalid_text(codes, "a coupon code").await;
    }

    async fn nul_in_a_payout_result_is_refused_even_in_a_long_file(app: TestApp) {
        let line = |i: usize| json!({"grant_id": format!("g-{i:06}"), "status": "paid", "provider_ref": format!("wx-{i}")});
        let mut lines: Vec<Value> = (0..100_000).map(line).collect();
        let long = app.post_json("/api/v1/payouts/nope/results", &app.admin, &json!(lines)).await;
        assert_eq!(long.status(), 404, "a 100,000-line file reaches the handler");
        lines[99_999]["grant_id"] = json!(format!("g{NUL}"));
        let bad = app.post_json("/api/v1/payouts/nope/results", &app.admin, &json!(lines)).await;
        assert_invalid_text(bad, "a grant_id on the last line").await;
        // No token is still 401 first.
        let anonymous = app.api.post(app.url("/api/v1/payouts/nope/results"))
            .json(&json!([{"grant_id": format!("g{NUL}"), "status": "paid"}])).send().await.unwrap();
        assert_eq!(anonymous.status(), 401);
    }
}

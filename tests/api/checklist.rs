use serde_json::{json, Value};

use crate::both_backends;
use crate::groups::add_group;
use crate::helpers::{error_code, TestApp};

/// A draft that passes every item once it has a group: poster, budget, honest words.
async fn ready_draft(app: &TestApp) -> Value {
    let bg = app.upload_png(720, 1280).await;
    app.create_campaign(json!({
        "slug": "tea", "title": "春茶上新", "status": "draft",
        "page": {"hero": {"incentive": "邀请3位好友入群得5元红包"}, "consent_text": "同意将手机号用于本次活动联系与发奖"},
        "poster": {"background_asset": bg["id"], "qr": {"x": 470, "y": 1030, "size": 220}},
        "qualification": {"require_group_join": true, "hold_hours": 0},
        "budget": {"amount": 1000},
        "rules": [{"id": "m3", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 500}}]
    }))
    .await
}

async fn checklist(app: &TestApp) -> Value {
    let response = app
        .get_as("/api/v1/campaigns/tea/checklist", &app.admin)
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn item<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("item {id} in {list}"))
}

fn passed(list: &Value, id: &str) -> bool {
    item(list, id)["passed"].as_bool().unwrap()
}

async fn patch(app: &TestApp, body: Value) -> reqwest::Response {
    app.patch_json("/api/v1/campaigns/tea", &app.admin, &body)
        .await
}

async fn status(app: &TestApp) -> String {
    let c: Value = app
        .get_as("/api/v1/campaigns/tea", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    c["status"].as_str().unwrap().to_owned()
}

both_backends! {
    async fn a_missing_group_blocks_the_launch_until_one_is_added(app: TestApp) {
        ready_draft(&app).await;
        let list = checklist(&app).await;
        assert_eq!(list["ready"], false, "{list}");
        assert!(!passed(&list, "groups"));
        assert_eq!(item(&list, "groups")["level"], "blocking");
        assert_eq!(item(&list, "groups")["fix_url"], "/admin/campaigns/tea/groups");
        for id in ["poster", "budget", "wechat_words", "group_promise", "amount_promise", "consent"] {
            assert!(passed(&list, id), "{id}: {list}");
        }
        let refused = patch(&app, json!({"status": "active"})).await;
        assert_eq!(refused.status(), 422);
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "launch_checklist_failed");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("groups") && !message.contains("poster"), "{message}");
        assert_eq!(status(&app).await, "draft", "nothing changed");

        // A VIP group is not in the live code's pool: still nobody can join.
        let qr = app.upload_png(200, 200).await;
        let vip = app.post_json("/api/v1/campaigns/tea/groups", &app.admin,
            &json!({"name": "VIP", "capacity": 50, "kind": "vip", "qr_asset": qr["id"]})).await;
        assert_eq!(vip.status(), 201);
        assert!(!passed(&checklist(&app).await, "groups"));

        add_group(&app, "tea", "品鉴1群", 200).await;
        let list = checklist(&app).await;
        assert_eq!(list["ready"], true, "{list}");
        let live = patch(&app, json!({"status": "active"})).await;
        assert_eq!(live.status(), 200);
        assert_eq!(status(&app).await, "active");
        assert_eq!(app.api.get(app.url("/c/tea")).send().await.unwrap().status(), 200);
    }

    async fn a_poster_without_background_and_a_short_budget_block_the_launch(app: TestApp) {
        ready_draft(&app).await;
        add_group(&app, "tea", "品鉴1群", 200).await;
        let list = checklist(&app).await;
        assert!(passed(&list, "poster") && passed(&list, "budget"), "{list}");

        let response = patch(&app, json!({"poster": {"background_asset": null}, "budget": {"amount": 499}})).await;
        assert_eq!(response.status(), 200);
        let list = checklist(&app).await;
        assert!(!passed(&list, "poster"), "{list}");
        assert!(item(&list, "poster")["message"].as_str().unwrap().contains("背景"));
        assert!(!passed(&list, "budget"));
        assert!(item(&list, "budget")["message"].as_str().unwrap().contains("4.99"), "amounts in yuan: {list}");
        let refused = patch(&app, json!({"status": "active"})).await;
        assert_eq!(refused.status(), 422);
        let body: Value = refused.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("poster") && message.contains("budget"), "{message}");

        // Launching and fixing in the same patch: judged on the result.
        let bg = app.upload_png(720, 1280).await;
        let fixed = patch(&app, json!({"status": "active", "budget": {"amount": 500},
            "poster": {"background_asset": bg["id"]}})).await;
        assert_eq!(fixed.status(), 200);
    }

    async fn sharing_words_block_and_promises_the_rules_do_not_keep_warn(app: TestApp) {
        ready_draft(&app).await;
        add_group(&app, "tea", "品鉴1群", 200).await;
        let response = patch(&app, json!({
            "qualification": {"require_group_join": false},
            "page": {"hero": {"incentive": "分享到朋友圈集赞，进群领8元红包"}, "consent_text": null}
        })).await;
        assert_eq!(response.status(), 200);
        let list = checklist(&app).await;
        let words = item(&list, "wechat_words");
        assert_eq!((words["level"].as_str(), words["passed"].as_bool()), (Some("blocking"), Some(false)));
        let message = words["message"].as_str().unwrap();
        assert!(message.contains("分享到朋友圈") && message.contains("集赞"), "{message}");
        assert!(list["forbidden_words"].as_array().unwrap().iter().any(|w| w == "转发"), "the list is shown");
        for id in ["group_promise", "amount_promise", "consent"] {
            assert_eq!(item(&list, id)["level"], "warning");
            assert!(!passed(&list, id), "{id}: {list}");
        }
        assert!(item(&list, "amount_promise")["message"].as_str().unwrap().contains("8.00元"));
        assert_eq!(list["ready"], false);
        assert_eq!(error_code(patch(&app, json!({"status": "active"})).await).await, "launch_checklist_failed");

        // Honest words: the warnings alone do not stop the launch.
        let response = patch(&app, json!({"page": {"hero": {"incentive": "进群领8元红包"}}})).await;
        assert_eq!(response.status(), 200);
        let list = checklist(&app).await;
        assert!(passed(&list, "wechat_words"));
        assert!(!passed(&list, "group_promise") && !passed(&list, "amount_promise"));
        assert_eq!(list["ready"], true, "{list}");
        assert_eq!(patch(&app, json!({"status": "active"})).await.status(), 200);
    }

    async fn a_qr_code_too_small_to_scan_blocks_the_launch(app: TestApp) {
        ready_draft(&app).await;
        add_group(&app, "tea", "品鉴1群", 200).await;
        let response = patch(&app, json!({"poster": {"qr": {"x": 0, "y": 0, "size": 120}}})).await;
        assert_eq!(response.status(), 200);
        let list = checklist(&app).await;
        let poster = item(&list, "poster");
        assert_eq!(poster["passed"], false, "{list}");
        assert_eq!(poster["fix_url"], "/admin/campaigns/tea/poster");
        assert_eq!(error_code(patch(&app, json!({"status": "active"})).await).await, "launch_checklist_failed");
    }

    async fn the_checklist_is_read_by_every_role_and_a_live_campaign_is_not_gated_again(app: TestApp) {
        ready_draft(&app).await;
        let viewer = app.token("viewer").await;
        assert_eq!(app.get_as("/api/v1/campaigns/tea/checklist", &viewer).await.status(), 200);
        assert_eq!(app.api.get(app.url("/api/v1/campaigns/tea/checklist")).send().await.unwrap().status(), 401);
        assert_eq!(app.get_as("/api/v1/campaigns/nope/checklist", &app.admin).await.status(), 404);
        assert_eq!(app.patch_json("/api/v1/campaigns/tea", &viewer, &json!({"status": "active"})).await.status(), 403);
        // Created live (the API's default) and changed while live: no launch, no gate.
        app.simple_campaign("live").await;
        let changed = app.patch_json("/api/v1/campaigns/live", &app.admin, &json!({"title": "新标题", "status": "active"})).await;
        assert_eq!(changed.status(), 200);
    }
}

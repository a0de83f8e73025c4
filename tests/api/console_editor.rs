use serde_json::{json, Value};

use fission::auth::Role;

use crate::both_backends;
use crate::console_browser::{csrf_of, Browser};
use crate::groups::add_group;
use crate::helpers::TestApp;

async fn signed_in(app: &TestApp, role: Role) -> Browser {
    Browser::signed_in(app, role).await.0
}

async fn campaign(app: &TestApp) -> Value {
    app.get_as("/api/v1/campaigns/tea", &app.admin)
        .await
        .json()
        .await
        .unwrap()
}

async fn draft(app: &TestApp) {
    app.create_campaign(json!({"slug": "tea", "title": "春茶上新", "status": "draft",
        "budget": {"amount": 100000},
        "rules": [{"id": "m3", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 500}}]}))
        .await;
}

/// A whole editor form as a marketer would send it.
fn form<'a>(csrf: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("_csrf", csrf),
        ("version", "1"),
        ("title", "春茶上新"),
        ("starts_at", "2026-12-01T08:00"),
        ("ends_at", "2026-12-31T20:00"),
        ("hero_headline", "春茶上新，邀好友品鉴"),
        (
            "hero_incentive",
            "邀请3位好友入群得5.50元红包\n邀请越多得越多",
        ),
        ("proof_items_lines", "48小时发货|产地直发\n正品保障"),
        ("consent_text", "同意用于活动联系"),
        ("require_group_join", "on"),
        ("hold_hours", "48"),
        ("budget", "1234.56"),
        ("rule-0-id", "m3"),
        ("rule-0-kind", "milestone"),
        ("rule-0-count", "3"),
        ("rule-0-reward", "cash"),
        ("rule-0-value", "5.50"),
        ("rule-1-id", ""),
        ("rule-1-kind", "milestone"),
        ("rule-1-reward", "cash"),
        ("fraud_ip_burst_leads", "8"),
        ("fraud_ip_burst_minutes", "15"),
        ("fraud_quick_leave_minutes", "20"),
        ("fraud_hold_score", "40"),
        ("fraud_reject_score", "90"),
    ];
    for (key, value) in changes {
        fields.retain(|(k, _)| k != key);
        fields.push((key, value));
    }
    fields
}

both_backends! {
    async fn the_editor_stores_yuan_as_fen_and_beijing_time_as_utc(app: TestApp) {
        draft(&app).await;
        let browser = signed_in(&app, Role::Marketer).await;
        let page = browser.get("/admin/campaigns/tea").await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("value=\"1000.00\"") && html.contains("value=\"5.00\""), "amounts shown in yuan");
        assert!(html.contains("id=\"checklist\"") && html.contains("preview?exp="), "checklist and signed link");
        let csrf = csrf_of(&html);
        let saved = browser.post_form("/admin/campaigns/tea", &form(&csrf, &[])).await;
        assert_eq!(saved.status(), 303);
        assert_eq!(saved.headers()["location"], "/admin/campaigns/tea?saved=1");
        let c = campaign(&app).await;
        assert_eq!(c["budget"]["amount"], 123_456);
        assert_eq!(c["rules"][0]["reward"]["amount"], 550);
        assert_eq!(c["rules"].as_array().unwrap().len(), 1, "the blank row adds nothing");
        assert_eq!(c["starts_at"], "2026-12-01T00:00:00Z");
        assert_eq!(c["ends_at"], "2026-12-31T12:00:00Z");
        assert_eq!(c["qualification"], json!({"require_group_join": true, "hold_hours": 48}));
        assert_eq!(c["page"]["hero"]["incentive"], "邀请3位好友入群得5.50元红包\n邀请越多得越多");
        assert_eq!(c["page"]["proof"]["items"], json!([{"title": "48小时发货", "text": "产地直发"}, {"title": "正品保障", "text": ""}]));
        let fraud = &c["fraud"];
        assert_eq!((&fraud["ip_burst_leads"], &fraud["ip_burst_minutes"], &fraud["quick_leave_minutes"]), (&json!(8), &json!(15), &json!(20)));
        assert_eq!((&fraud["hold_score"], &fraud["reject_score"]), (&json!(40), &json!(90)));
        let again = browser.get("/admin/campaigns/tea").await.text().await.unwrap();
        assert!(again.contains("value=\"2026-12-01T08:00\"") && again.contains("value=\"1234.56\""), "shown back in Beijing time and yuan");
    }

    async fn bad_input_comes_back_beside_its_field_in_chinese_and_nothing_is_saved(app: TestApp) {
        draft(&app).await;
        let browser = signed_in(&app, Role::Marketer).await;
        let csrf = browser.csrf("/admin/campaigns/tea").await;
        let refused = browser.post_form("/admin/campaigns/tea", &form(&csrf, &[("budget", "12.345"), ("hold_hours", "很久"), ("rule-0-value", "五元")])).await;
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        for (field, words) in [("budget", "两位小数"), ("hold_hours", "0 到 2160"), ("rule-0-value", "请输入金额")] {
            let error = html.split(&format!("id=\"e-{field}\"")).nth(1).map(|rest| rest.split("</p>").next().unwrap_or_default());
            let error = error.or_else(|| html.contains(words).then_some(words)).unwrap_or_default();
            assert!(error.contains(words), "{field}: {error}");
        }
        assert!(html.contains("value=\"12.345\"") && html.contains("value=\"很久\"") && html.contains("value=\"五元\""), "what was typed is kept");
        // The service's own rules, in Chinese beside the field.
        let backwards = browser.post_form("/admin/campaigns/tea", &form(&csrf, &[("ends_at", "2026-11-01T08:00")])).await;
        assert_eq!(backwards.status(), 422);
        assert!(backwards.text().await.unwrap().contains("结束时间必须晚于开始时间"));
        let no_budget = browser.post_form("/admin/campaigns/tea", &form(&csrf, &[("budget", "")])).await;
        assert!(no_budget.text().await.unwrap().contains("有现金奖励时必须填写预算"));
        let c = campaign(&app).await;
        assert_eq!((c["version"].as_i64(), c["budget"]["amount"].as_i64()), (Some(1), Some(100_000)), "nothing saved");
        // A form of an older version does not overwrite a newer campaign.
        app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"title": "改过的标题"})).await;
        let stale = browser.post_form("/admin/campaigns/tea", &form(&csrf, &[])).await;
        assert_eq!(stale.status(), 422);
        assert_eq!(campaign(&app).await["title"], "改过的标题");
    }

    async fn forms_need_their_token_and_a_writer(app: TestApp) {
        draft(&app).await;
        let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let away = anonymous.get(app.url("/admin/campaigns/tea")).send().await.unwrap();
        assert_eq!(away.status(), 303);
        let marketer = signed_in(&app, Role::Marketer).await;
        let forged = marketer.post_form("/admin/campaigns/tea", &form("not-the-token", &[])).await;
        assert_eq!(forged.status(), 403);
        let viewer = signed_in(&app, Role::Viewer).await;
        let page = viewer.get("/admin/campaigns/tea").await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("fieldset class=\"ed-fieldset\" disabled") && !html.contains("id=\"launch\""), "read only for a viewer");
        let csrf = csrf_of(&html);
        assert_eq!(viewer.post_form("/admin/campaigns/tea", &form(&csrf, &[])).await.status(), 403);
        assert_eq!(viewer.post_form("/admin/campaigns/tea/status", &[("_csrf", csrf.as_str()), ("status", "active")]).await.status(), 403);
        assert_eq!(campaign(&app).await["version"], 1);
    }

    async fn the_phone_frame_previews_the_unsaved_form_and_launch_waits_for_the_checklist(app: TestApp) {
        draft(&app).await;
        let bg = app.upload_png(720, 1280).await;
        app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": {"background_asset": bg["id"]}})).await;
        let browser = signed_in(&app, Role::Marketer).await;
        let csrf = browser.csrf("/admin/campaigns/tea").await;
        let preview = browser.post_form("/admin/campaigns/tea/preview", &form(&csrf, &[("hero_headline", "只在预览里的标题")])).await;
        assert_eq!(preview.status(), 200);
        let html = preview.text().await.unwrap();
        assert!(html.contains("只在预览里的标题") && html.contains("preview-ribbon"));
        let broken = browser.post_form("/admin/campaigns/tea/preview", &form(&csrf, &[("budget", "abc")])).await;
        assert_eq!(broken.status(), 422);
        assert!(broken.text().await.unwrap().contains("请输入金额"));
        assert_eq!(campaign(&app).await["version"], 2, "previews store nothing");

        let saved = browser.post_form("/admin/campaigns/tea", &form(&csrf, &[("version", "2")])).await;
        assert_eq!(saved.status(), 303);
        let editor = browser.get("/admin/campaigns/tea").await.text().await.unwrap();
        assert!(editor.contains("id=\"launch\"") && editor.contains(" disabled>"), "launch waits for a group");
        let launch = [("_csrf", csrf.as_str()), ("status", "active")];
        let refused = browser.post_form("/admin/campaigns/tea/status", &launch).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("上线检查未通过"));
        assert_eq!(campaign(&app).await["status"], "draft");
        add_group(&app, "tea", "品鉴1群", 200).await;
        let launched = browser.post_form("/admin/campaigns/tea/status", &launch).await;
        assert_eq!(launched.status(), 303);
        assert_eq!(campaign(&app).await["status"], "active");
    }
}

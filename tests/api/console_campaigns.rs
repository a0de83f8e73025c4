//! The console's campaign list, a new campaign from the template and a clone.

use fission::auth::Role;

use crate::both_backends;
use crate::console_browser::{location, Browser};

both_backends! {
    async fn the_list_shows_status_leads_today_and_budget_left_in_yuan(app: TestApp) {
        app.create_campaign(serde_json::json!({
            "slug": "spring-tea", "title": "春茶上新", "status": "active",
            "starts_at": "2026-03-01T02:00:00Z",
            "budget": {"amount": 123456, "currency": "CNY"},
        }))
        .await;
        app.join_ok("spring-tea", "13800138000", None).await;
        app.join_ok("spring-tea", "13800138001", None).await;
        let (browser, _) = Browser::signed_in(&app, Role::Marketer).await;
        let (status, html) = browser.page("/admin/campaigns").await;
        assert_eq!(status, 200);
        let row = &html[html.find("data-slug=\"spring-tea\"").unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains("进行中"), "status badge: {row}");
        assert!(row.contains("2026-03-01 10:00"), "start in Beijing time: {row}");
        assert!(row.contains("<td class=\"num\">2</td>"), "two leads today: {row}");
        assert!(row.contains("¥1234.56"), "budget left in yuan: {row}");
        assert!(row.contains("href=\"/admin/campaigns/spring-tea\""), "links the editor");
    }

    async fn a_marketer_creates_a_campaign_from_the_template(app: TestApp) {
        let (browser, _) = Browser::signed_in(&app, Role::Marketer).await;
        let token = browser.csrf("/admin/new-campaign").await;
        let bad = browser
            .post_form("/admin/new-campaign", &[("slug", "Spring Tea!"), ("title", "秋茶"), ("_csrf", &token)])
            .await;
        assert_eq!(bad.status(), 422);
        let bad = bad.text().await.unwrap();
        assert!(bad.contains("链接标识需 2-64 个字符"), "the slug's own message");
        assert!(bad.contains("value=\"Spring Tea!\"") && bad.contains("value=\"秋茶\""), "typed values kept");
        let created = browser
            .post_form("/admin/new-campaign", &[("slug", "autumn-tea"), ("title", "秋茶上新"), ("_csrf", &token)])
            .await;
        assert_eq!(created.status(), 303);
        assert_eq!(location(&created), "/admin/campaigns?created=autumn-tea");
        let api = app.get_as("/api/v1/campaigns/autumn-tea", &app.admin).await;
        assert_eq!(api.status(), 200);
        let campaign: serde_json::Value = api.json().await.unwrap();
        assert_eq!(campaign["status"], "draft");
        assert_eq!(campaign["title"], "秋茶上新");
        assert_eq!(campaign["page"]["hero"]["headline"], "春茶上新，邀好友一起品鉴", "the demo's content");
        assert_eq!(campaign["rules"].as_array().unwrap().len(), 3);
        assert!(campaign["poster"]["background_asset"].is_string());
        // The template's background is stored once, whatever the number of campaigns.
        let again = browser
            .post_form("/admin/new-campaign", &[("slug", "winter-tea"), ("title", "冬茶"), ("_csrf", &token)])
            .await;
        assert_eq!(again.status(), 303);
        let other: serde_json::Value = app.get_as("/api/v1/campaigns/winter-tea", &app.admin).await.json().await.unwrap();
        assert_eq!(other["poster"]["background_asset"], campaign["poster"]["background_asset"]);
        let taken = browser
            .post_form("/admin/new-campaign", &[("slug", "autumn-tea"), ("title", "重复"), ("_csrf", &token)])
            .await;
        assert_eq!(taken.status(), 422);
        assert!(taken.text().await.unwrap().contains("已被其他活动使用"));
        let (_, list) = browser.page("/admin/campaigns?created=autumn-tea").await;
        assert!(list.contains("活动已创建") && list.contains("秋茶上新"));
    }

    async fn a_clone_is_a_draft_with_the_same_settings_and_a_new_slug(app: TestApp) {
        app.create_campaign(serde_json::json!({
            "slug": "spring-tea", "title": "春茶上新", "status": "active",
            "budget": {"amount": 50000, "currency": "CNY"},
            "rules": [{"id": "m3", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 500}}],
        }))
        .await;
        let (browser, _) = Browser::signed_in(&app, Role::Marketer).await;
        let (status, form) = browser.page("/admin/campaigns/spring-tea/clone").await;
        assert_eq!(status, 200);
        assert!(form.contains("value=\"spring-tea-copy\""), "a new slug is suggested");
        let token = crate::console_browser::csrf_of(&form);
        let path = "/admin/campaigns/spring-tea/clone";
        let empty = browser.post_form(path, &[("slug", "tea-2"), ("title", "  "), ("_csrf", &token)]).await;
        assert_eq!(empty.status(), 422);
        assert!(empty.text().await.unwrap().contains("请填写活动名称"));
        let done = browser.post_form(path, &[("slug", "tea-2"), ("title", "春茶二期"), ("_csrf", &token)]).await;
        assert_eq!(done.status(), 303);
        let copy: serde_json::Value = app.get_as("/api/v1/campaigns/tea-2", &app.admin).await.json().await.unwrap();
        let source: serde_json::Value = app.get_as("/api/v1/campaigns/spring-tea", &app.admin).await.json().await.unwrap();
        assert_eq!(copy["status"], "draft");
        assert_eq!(copy["rules"], source["rules"]);
        assert_eq!(copy["budget"], source["budget"]);
        assert_eq!(source["status"], "active", "the source is untouched");
        assert_eq!(browser.get("/admin/campaigns/no-such/clone").await.status(), 404);
    }
}

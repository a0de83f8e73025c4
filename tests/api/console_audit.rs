//! The console's audit page (admins) and review queue (marketers decide, viewers look).

use fission::auth::Role;
use serde_json::{json, Value};

use crate::both_backends;
use crate::console_browser::{csrf_of, location, Browser};
use crate::reviews::{campaign, held_friends};

both_backends! {
    async fn admins_read_who_changed_what_with_the_fields_before_and_after(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "春茶", "budget": {"amount": 1000}})).await;
        app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"budget": {"amount": 2550}})).await;
        let (admin, _) = Browser::signed_in(&app, Role::Admin).await;
        let (status, html) = admin.page("/admin/audit?action=campaign.changed").await;
        assert_eq!(status, 200);
        let row = &html[html.find("data-action=\"campaign.changed\"").expect("the change is listed")..];
        let row = &row[..row.find("</tr>\n").unwrap()];
        assert!(row.contains("修改活动") && row.contains("test admin"), "{row}");
        assert!(row.contains("budget.amount") && row.contains("<del>1000</del>") && row.contains("<ins>2550</ins>"), "{row}");
        assert!(!html.contains("data-action=\"campaign.created\""), "filtered by action");

        // A change made in the console is recorded with the signed-in user.
        let (tokens_page, email) = Browser::signed_in(&app, Role::Admin).await;
        let token = tokens_page.csrf("/admin/tokens").await;
        let made = tokens_page.post_form("/admin/tokens", &[("name", "bi"), ("role", "viewer"), ("expires_in", ""), ("_csrf", &token)]).await;
        assert_eq!(made.status(), 200);
        let (_, html) = admin.page(&format!("/admin/audit?actor={email}")).await;
        assert!(html.contains("创建 API 令牌") && html.contains("控制台用户"), "{html}");

        let (status, bad) = admin.page("/admin/audit?since=yesterday&campaign=tea").await;
        assert_eq!(status, 422);
        assert!(bad.contains("请输入日期") && bad.contains("value=\"yesterday\"") && bad.contains("value=\"tea\""));
        for role in [Role::Marketer, Role::Viewer, Role::Finance] {
            let (browser, _) = Browser::signed_in(&app, role).await;
            assert_eq!(browser.get("/admin/audit").await.status(), 403, "{role:?}");
        }
    }

    async fn a_marketer_approves_and_rejects_from_the_queue_with_notes(app: TestApp) {
        campaign(&app, 1).await;
        let (_, held) = held_friends(&app, 1, "a", 2).await;
        let (marketer, email) = Browser::signed_in(&app, Role::Marketer).await;
        let (status, html) = marketer.page("/admin/campaigns/tea/reviews").await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("data-review=\"{}\"", held[0])) && html.contains("与邀请人同设备"));
        assert!(html.contains("同一设备和网络"), "the flag's reason is shown");
        let token = csrf_of(&html);
        let path = format!("/admin/campaigns/tea/reviews/{}", held[0]);
        let approved = marketer.post_form(&path, &[("decision", "approve"), ("note", "家人共用"), ("_csrf", &token)]).await;
        assert_eq!(approved.status(), 303);
        assert!(location(&approved).starts_with("/admin/campaigns/tea/reviews?done="));
        let too_long = "长".repeat(501);
        let refused = marketer.post_form(&format!("/admin/campaigns/tea/reviews/{}", held[1]),
            &[("decision", "reject"), ("note", &too_long), ("_csrf", &token)]).await;
        assert_eq!(refused.status(), 422);
        let page = refused.text().await.unwrap();
        assert!(page.contains("备注最多 500 字") && page.contains(&too_long), "the typed note is kept");
        let opposite = marketer.post_form(&path, &[("decision", "reject"), ("note", ""), ("_csrf", &token)]).await;
        assert_eq!(opposite.status(), 409);
        assert!(opposite.text().await.unwrap().contains("已有相反的决定"));
        let no_token = marketer.post_form(&format!("/admin/campaigns/tea/reviews/{}", held[1]), &[("decision", "reject")]).await;
        assert_eq!(no_token.status(), 403);
        let bulk = marketer.post_form("/admin/campaigns/tea/reviews/bulk", &[("rule", "same_device_as_inviter"), ("inviter", ""), ("decision", "reject"), ("note", "小号"), ("_csrf", &token)]).await;
        assert_eq!((bulk.status().as_u16(), location(&bulk)), (303, "/admin/campaigns/tea/reviews?bulk=1".to_owned()));

        let audit: Value = app.get_as("/api/v1/audit?action=review.approved", &app.admin).await.json().await.unwrap();
        assert_eq!(audit["entries"][0]["actor"]["name"], email.as_str());
        assert_eq!(audit["entries"][0]["after"]["note"], "家人共用");
        let (_, empty) = marketer.page("/admin/campaigns/tea/reviews").await;
        assert!(empty.contains("没有待审核的邀请"));
    }

    async fn a_viewer_sees_the_queue_without_buttons_and_cannot_decide(app: TestApp) {
        campaign(&app, 0).await;
        let (_, held) = held_friends(&app, 1, "a", 1).await;
        let (viewer, _) = Browser::signed_in(&app, Role::Viewer).await;
        let (status, html) = viewer.page("/admin/campaigns/tea/reviews").await;
        assert_eq!(status, 200);
        assert!(html.contains(&held[0]) && html.contains("只能查看"));
        assert!(!html.contains("value=\"approve\""));
        let token = csrf_of(&html);
        let refused = viewer.post_form(&format!("/admin/campaigns/tea/reviews/{}", held[0]), &[("decision", "approve"), ("_csrf", &token)]).await;
        assert_eq!(refused.status(), 403);
        assert_eq!(viewer.get("/admin/campaigns/nope/reviews").await.status(), 404);
    }
}

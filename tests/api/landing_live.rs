//! The landing page as a brand's campaign page: who sent you, how many are in, how long is
//! left, the rules written from the rules, and a returning participant's progress.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{mobile, phone};
use crate::landing::{csrf_from, page, unescape};

fn rules_section(html: &str) -> &str {
    let start = html.find("id=\"rules\"").expect("a rules section");
    let end = start + html[start..].find("</section>").unwrap();
    &html[start..end]
}

both_backends! {
    async fn the_inviter_is_named_by_nickname_and_never_by_phone(app: TestApp) {
        app.simple_campaign("tea").await;
        let named = app.api
            .post(app.url("/api/v1/public/campaigns/tea/participants"))
            .json(&json!({"phone": mobile(1), "consent": true, "name": "小王<b>"}))
            .send().await.unwrap();
        let named: serde_json::Value = named.json().await.unwrap();
        let unnamed = app.join_ok("tea", &mobile(2), None).await;

        let (_, html) = page(&app, &phone(), &format!("/c/tea?ref={}", named["code"].as_str().unwrap())).await;
        assert!(html.contains("<b>小王&lt;b&gt;</b> 邀请你一起参与"), "{html}");
        let (_, html) = page(&app, &phone(), &format!("/c/tea?ref={}", unnamed["code"].as_str().unwrap())).await;
        assert!(html.contains("<b>你的好友</b> 邀请你一起参与"));
        assert!(!html.contains(&mobile(2)[7..]), "no part of the inviter's phone");
        let (_, html) = page(&app, &phone(), "/c/tea?ref=zzzzzzzzzz").await;
        assert!(!html.contains("邀请你一起参与"), "an unknown code names nobody");
        let (_, html) = page(&app, &phone(), "/c/tea").await;
        assert!(!html.contains("邀请你一起参与"));
    }

    async fn the_count_is_real_and_the_countdown_runs_to_the_end(app: TestApp) {
        let ends = (chrono::Utc::now() + chrono::Duration::hours(50)).to_rfc3339();
        app.create_campaign(json!({"slug": "tea", "title": "t", "status": "active", "ends_at": ends})).await;
        let (_, html) = page(&app, &phone(), "/c/tea").await;
        assert!(!html.contains("人参与</span>"), "nobody yet: no count at all, never a padded one");
        assert!(html.contains("距活动结束还有 <b>2 天 1 小时</b>") || html.contains("距活动结束还有 <b>2 天 2 小时</b>"), "{html}");

        app.create_campaign(json!({"slug": "milk", "title": "t", "status": "active"})).await;
        for n in 1..=3 {
            app.join_ok("milk", &mobile(n), None).await;
        }
        app.api.post(app.url("/api/v1/campaigns/milk/seeds")).bearer_auth(&app.admin)
            .json(&json!({"channel": "staff", "count": 2})).send().await.unwrap();
        let (_, html) = page(&app, &phone(), "/c/milk").await;
        assert!(html.contains("已有 <b>3</b> 人参与"), "seeds are staff, not participants");
        assert!(!html.contains("距活动结束"), "no end date, no countdown");
    }

    async fn the_rules_section_is_written_from_the_rules(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "status": "active",
            "starts_at": "2026-01-01T02:00:00Z", "ends_at": "2099-01-31T15:59:00Z",
            "budget": {"amount": 100000},
            "qualification": {"require_group_join": true, "hold_hours": 72},
            "page": {"rules_notes": ["奖品颜色随机发放"]},
            "rules": [
                {"id": "m3", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 500}},
                {"id": "pi", "kind": "per_invite", "max_per_inviter": 10, "reward": {"type": "cash", "amount": 100}},
                {"id": "lb", "kind": "leaderboard", "top": 3, "reward": {"type": "physical", "sku": "book", "name": "茶书", "stock": 3}}
            ]})).await;
        let (_, html) = page(&app, &phone(), "/c/tea").await;
        let rules = rules_section(&html);
        for line in [
            "活动时间：2026年1月1日 10:00 至 2099年1月31日 23:59（北京时间）",
            "留下手机号并加入活动社群，且在群内保留满 72 小时，计为 1 位有效邀请",
            "累计有效邀请 3 位好友，获得5.00元红包",
            "每有效邀请 1 位好友，获得1.00元红包，每人最多计 10 位",
            "排名前 3 位的参与者获得茶书（共 3 份）",
            "奖励数量有限，发完即止",
            "奖品颜色随机发放",
        ] {
            assert!(rules.contains(line), "missing {line:?} in {rules}");
        }
        // Change the rules and the section follows (the cached page is per version).
        let response = app.patch_json("/api/v1/campaigns/tea", &app.admin,
            &json!({"qualification": {"require_group_join": false, "hold_hours": 0}})).await;
        assert_eq!(response.status(), 200);
        let (_, html) = page(&app, &phone(), "/c/tea").await;
        let rules = rules_section(&html);
        assert!(rules.contains("好友通过你的专属海报或链接留下手机号，计为 1 位有效邀请"), "{rules}");
        assert!(!rules.contains("社群"));
    }

    async fn a_returning_participant_sees_their_progress_instead_of_the_form(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "status": "active",
            "budget": {"amount": 10000},
            "rules": [{"id": "m3", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 500}}]})).await;
        let browser = phone();
        let (_, html) = page(&app, &browser, "/c/tea").await;
        let csrf = csrf_from(&html);
        let response = browser.post(app.url("/c/tea/join"))
            .form(&[("phone", mobile(1).as_str()), ("consent", "yes"), ("csrf", &csrf)])
            .send().await.unwrap();
        assert_eq!(response.status(), 303);
        let me = app.join_ok("tea", &mobile(1), None).await;
        app.join_ok("tea", &mobile(2), Some(me["code"].as_str().unwrap())).await;

        let (status, html) = page(&app, &browser, "/c/tea").await;
        assert_eq!(status, 200);
        assert!(html.contains("欢迎回来"), "{html}");
        assert!(unescape(&html).contains("href=\"/c/tea/me\""));
        let first_screen = &html[..html.find("<details").expect("another number behind a fold")];
        assert!(!first_screen.contains("name=\"phone\""), "no empty form for someone who joined");
        assert!(html.contains("<strong>1</strong>已成功邀请"));
        assert!(html.contains("再邀请 <b>2</b> 位好友即可获得 <b>5.00元红包</b>"));
        // Someone else on the same page still gets the form, from the cache.
        let (_, html) = page(&app, &phone(), "/c/tea").await;
        assert!(html.contains("name=\"phone\"") && !html.contains("欢迎回来"));
    }

    async fn a_campaign_not_yet_open_counts_down_to_its_start(app: TestApp) {
        let starts = (chrono::Utc::now() + chrono::Duration::minutes(3 * 60 + 30)).to_rfc3339();
        app.create_campaign(json!({"slug": "soon", "title": "t", "status": "active", "starts_at": starts})).await;
        let (status, html) = page(&app, &phone(), "/c/soon").await;
        assert_eq!(status, 200);
        assert!(html.contains("活动尚未开始"));
        assert!(html.contains("距活动开始还有 <b>3 小时 29 分</b>") || html.contains("距活动开始还有 <b>3 小时 30 分</b>"), "{html}");
    }

    async fn my_page_puts_the_group_first_when_joining_is_what_counts(app: TestApp) {
        for (slug, join) in [("tea", true), ("milk", false)] {
            app.create_campaign(json!({"slug": slug, "title": "t", "status": "active",
                "qualification": {"require_group_join": join, "hold_hours": 0}})).await;
            crate::groups::add_group(&app, slug, "一群", 100).await;
            let browser = phone();
            let (_, html) = page(&app, &browser, &format!("/c/{slug}")).await;
            let csrf = csrf_from(&html);
            let joined = browser.post(app.url(&format!("/c/{slug}/join")))
                .form(&[("phone", mobile(1).as_str()), ("consent", "yes"), ("csrf", &csrf)])
                .send().await.unwrap();
            assert_eq!(joined.status(), 303);
            let (status, me) = page(&app, &browser, &format!("/c/{slug}/me")).await;
            assert_eq!(status, 200);
            let group = me.find("id=\"group\"").expect("a group card");
            let poster = me.find("我的专属海报").unwrap();
            assert_eq!(group < poster, join, "{slug}: the group card comes first only when joining counts");
            assert_eq!(me.contains("第一步：加入活动社群"), join);
            assert!(me.contains("加入「一群」"));
        }
    }
}

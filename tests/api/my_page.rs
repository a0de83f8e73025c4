//! The participant's own page: the invitees with their state in plain words, the copy
//! button (its one script allowed by hash, nothing else), and the guide to WeChat's menu.

use base64::Engine;
use serde_json::json;
use sha2::Digest;

use crate::both_backends;
use crate::helpers::{mobile, person_ip, phone, Client, TestApp};
use crate::landing::{csrf_from, page};

/// Joins on the page's form in `browser`; returns the participant's invite code.
async fn join_here(app: &TestApp, browser: &Client, slug: &str, number: &str) -> String {
    let (_, html) = page(app, browser, &format!("/c/{slug}")).await;
    let csrf = csrf_from(&html);
    let joined = browser
        .post(app.url(&format!("/c/{slug}/join")))
        .form(&[("phone", number), ("consent", "yes"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), 303);
    let (_, me) = page(app, browser, &format!("/c/{slug}/me")).await;
    me.split("?ref=")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

async fn invite(app: &TestApp, slug: &str, number: &str, code: &str, name: Option<&str>) {
    let response = app
        .api
        .post(app.url(&format!("/api/v1/public/campaigns/{slug}/participants")))
        .header("x-forwarded-for", person_ip(number))
        .json(&json!({"phone": number, "consent": true, "ref": code, "name": name}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

fn invitees(html: &str) -> &str {
    let start = html.find("id=\"invitees\"").expect("an invitee section");
    &html[start..start + html[start..].find("</section>").unwrap()]
}

both_backends! {
    async fn my_invitees_are_listed_masked_with_their_state_in_plain_words(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "status": "active",
            "qualification": {"require_group_join": false, "hold_hours": 0},
            "rules": [{"id": "m3", "kind": "milestone", "invites": 3, "reward": {"type": "points", "points": 30}}]})).await;
        let browser = phone();
        let code = join_here(&app, &browser, "tea", &mobile(1)).await;
        let (_, html) = page(&app, &browser, "/c/tea/me").await;
        assert!(invitees(&html).contains("还没有好友"), "an empty list says so");

        invite(&app, "tea", &mobile(2), &code, None).await;
        invite(&app, "tea", &mobile(3), &code, Some("小李")).await;
        let (_, html) = page(&app, &browser, "/c/tea/me").await;
        let list = invitees(&html);
        let masked = format!("{}****{}", &mobile(2)[..3], &mobile(2)[7..]);
        assert!(list.contains(&masked), "{list}");
        assert!(!html.contains(&mobile(2)), "never the whole number");
        assert!(list.contains("小李"));
        assert_eq!(list.matches(">已计入</span>").count(), 2, "{html}");
        assert!(html.contains("再邀请 <b>1</b> 位好友即可获得"), "the next milestone");
        assert!(html.contains("<progress max=\"3\" value=\"2\">"));

        app.create_campaign(json!({"slug": "milk", "title": "t", "status": "active",
            "qualification": {"require_group_join": true, "hold_hours": 72}})).await;
        let code = join_here(&app, &browser, "milk", &mobile(4)).await;
        invite(&app, "milk", &mobile(5), &code, None).await;
        let (_, html) = page(&app, &browser, "/c/milk/me").await;
        let list = invitees(&html);
        assert!(list.contains(">待入群</span>") && list.contains("好友加入活动社群后才开始计算"), "{list}");
    }

    async fn the_copy_button_runs_the_one_script_the_policy_allows(app: TestApp) {
        app.simple_campaign("tea").await;
        let browser = phone();
        join_here(&app, &browser, "tea", &mobile(1)).await;
        let response = browser.get(app.url("/c/tea/me")).send().await.unwrap();
        let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
        let html = response.text().await.unwrap();
        assert!(html.contains("data-copy=\"invite-link\""));
        assert!(html.contains("id=\"invite-link-hint\""));
        assert_eq!(html.matches("<script").count(), 1, "one script");
        let script = html.split("<script>").nth(1).unwrap().split("</script>").next().unwrap();
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script.as_bytes()));
        let script_src = csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).unwrap();
        assert_eq!(script_src, format!("script-src 'sha256-{hash}'"), "only this script: {csp}");
        assert!(!csp.contains("http"), "nothing from elsewhere: {csp}");
        assert!(script.contains("navigator.clipboard") && script.contains("长按复制"), "a fallback without the clipboard API");

        assert!(html.contains("href=\"#share\""), "分享给好友 opens the guide");
        let guide = html.split("id=\"share\"").nth(1).expect("the guide to WeChat's menu");
        assert!(guide.contains("点击右上角“…”<br>发送给朋友"), "{guide}");

        let (_, landing) = page(&app, &phone(), "/c/tea").await;
        assert!(!landing.contains("<script"), "the landing page runs no script");
    }
}

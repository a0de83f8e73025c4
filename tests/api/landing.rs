use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{mobile, phone, TestApp};

/// The value of the form token in a rendered page.
pub fn csrf_from(html: &str) -> String {
    let at = html.find("name=\"csrf\"").expect("a csrf field");
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    let tag = &html[start..end];
    let value = tag
        .split("value=\"")
        .nth(1)
        .expect("a value")
        .split('"')
        .next()
        .unwrap();
    value.to_owned()
}

/// The page's text with the entities tera writes turned back into characters.
pub fn unescape(html: &str) -> String {
    html.replace("&#x2F;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub async fn page(app: &TestApp, browser: &crate::helpers::Client, path: &str) -> (u16, String) {
    let response = browser.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn submit(
    app: &TestApp,
    browser: &crate::helpers::Client,
    slug: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .post(app.url(&format!("/c/{slug}/join")))
        .form(form)
        .send()
        .await
        .unwrap()
}

both_backends! {
    async fn the_landing_page_has_three_sections_and_the_form_first(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "春茶上新",
            "page": {"hero": {"headline": "邀好友品新茶", "incentive": "邀3人得5元红包"},
                     "proof": {"testimonials": [{"name": "李女士", "quote": "茶很香"}]},
                     "closing": {"title": "还没参与？"}}})).await;
        let (status, html) = page(&app, &phone(), "/c/tea").await;
        assert_eq!(status, 200);
        assert!(html.len() < 30 * 1024, "page is {} bytes", html.len());
        let hero = html.find("邀好友品新茶").unwrap();
        let form = html.find("id=\"join\"").unwrap();
        let proof = html.find("茶很香").unwrap();
        let closing = html.find("还没参与？").unwrap();
        assert!(hero < proof && form < proof && proof < closing, "hero and form, then proof, then closing");
        assert!(html.contains("type=\"checkbox\"") && html.contains("name=\"consent\""));
        assert!(!html.contains("checked"), "consent is never pre-ticked");
        assert!(html.contains("og:title"));
        for external in ["http://", "https://"] {
            for line in html.lines().filter(|l| l.contains("src=") || l.contains("href=")) {
                assert!(!line.contains(&format!("src=\"{external}")) && !line.contains(&format!("href=\"{external}")), "external asset: {line}");
            }
        }
    }

    async fn marketer_text_is_escaped(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "<b>t</b>",
            "page": {"hero": {"headline": "<script>alert(1)</script>", "incentive": "\"><img src=x onerror=alert(1)>"},
                     "proof": {"testimonials": [{"name": "<i>x</i>", "quote": "<iframe src=//evil>"}]}}})).await;
        let (_, html) = page(&app, &phone(), "/c/tea").await;
        assert!(!html.contains("<script>alert(1)"));
        assert!(!html.contains("<img src=x"));
        assert!(!html.contains("<iframe"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"));
    }

    async fn unknown_future_and_ended_campaigns_get_a_friendly_page(app: TestApp) {
        let (status, html) = page(&app, &phone(), "/c/nope").await;
        assert_eq!(status, 404);
        assert!(html.contains("活动不存在"));
        app.create_campaign(json!({"slug": "later", "title": "t", "starts_at": "2099-01-01T00:00:00Z"})).await;
        let (status, html) = page(&app, &phone(), "/c/later").await;
        assert_eq!(status, 200);
        assert!(html.contains("尚未开始"));
        assert!(!unescape(&html).contains("/c/later/join"), "no join form, only the remind-me one");
        app.create_campaign(json!({"slug": "over", "title": "t", "status": "ended"})).await;
        let (_, html) = page(&app, &phone(), "/c/over").await;
        assert!(html.contains("已结束"));
    }

    async fn the_form_leads_to_my_page_with_my_invite_link(app: TestApp) {
        app.simple_campaign("tea").await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let code = inviter["code"].as_str().unwrap();
        let browser = phone();
        let (_, html) = page(&app, &browser, &format!("/c/tea?ref={code}&ch=poster-a")).await;
        let csrf = csrf_from(&html);
        let response = submit(&app, &browser, "tea", &[("phone", "139 0000 0002"), ("consent", "yes"), ("csrf", &csrf)]).await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/c/tea/me");
        let (status, me) = page(&app, &browser, "/c/tea/me").await;
        assert_eq!(status, 200);
        assert!(unescape(&me).contains("https://fission.test/c/tea?ref="), "{me}");
        assert!(me.contains(".jpg") || me.contains(".png"));
        let detail: Value = app.get_as(&format!("/api/v1/campaigns/tea/participants/{code}"), &app.admin).await.json().await.unwrap();
        assert_eq!(detail["invitees"].as_array().unwrap().len(), 1);
        assert_eq!(detail["invitees"][0]["channel"], "poster-a");
    }

    async fn the_first_invite_link_in_the_window_wins(app: TestApp) {
        app.simple_campaign("tea").await;
        let first = app.join_ok("tea", &mobile(1), None).await;
        let second = app.join_ok("tea", &mobile(2), None).await;
        let browser = phone();
        page(&app, &browser, &format!("/c/tea?ref={}", first["code"].as_str().unwrap())).await;
        let (_, html) = page(&app, &browser, &format!("/c/tea?ref={}", second["code"].as_str().unwrap())).await;
        let response = submit(&app, &browser, "tea", &[("phone", &mobile(3)), ("consent", "on"), ("csrf", &csrf_from(&html))]).await;
        assert_eq!(response.status(), 303);
        let detail: Value = app.get_as(&format!("/api/v1/campaigns/tea/participants/{}", first["code"].as_str().unwrap()), &app.admin).await.json().await.unwrap();
        assert_eq!(detail["invitees"].as_array().unwrap().len(), 1, "the first link gets the credit");
    }

    async fn a_channel_poster_does_not_hold_the_referral_slot(app: TestApp) {
        app.simple_campaign("tea").await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let code = inviter["code"].as_str().unwrap();
        let browser = phone();
        page(&app, &browser, "/c/tea?ch=poster-a").await;
        let (_, html) = page(&app, &browser, &format!("/c/tea?ref={code}")).await;
        let response = submit(&app, &browser, "tea", &[("phone", &mobile(2)), ("consent", "yes"), ("csrf", &csrf_from(&html))]).await;
        assert_eq!(response.status(), 303);
        let detail: Value = app.get_as(&format!("/api/v1/campaigns/tea/participants/{code}"), &app.admin).await.json().await.unwrap();
        assert_eq!(detail["invitees"].as_array().unwrap().len(), 1, "the friend's link opened after the poster is credited");
        assert_eq!(detail["invitees"][0]["channel"], "poster-a", "the poster's channel is kept");
    }

    async fn the_first_inviter_still_wins_over_a_later_poster_and_link(app: TestApp) {
        app.simple_campaign("tea").await;
        let first = app.join_ok("tea", &mobile(1), None).await;
        let second = app.join_ok("tea", &mobile(2), None).await;
        let (first, second) = (first["code"].as_str().unwrap(), second["code"].as_str().unwrap());
        let browser = phone();
        page(&app, &browser, &format!("/c/tea?ref={first}")).await;
        page(&app, &browser, "/c/tea?ch=poster-a").await;
        let (_, html) = page(&app, &browser, &format!("/c/tea?ref={second}")).await;
        submit(&app, &browser, "tea", &[("phone", &mobile(3)), ("consent", "yes"), ("csrf", &csrf_from(&html))]).await;
        let detail: Value = app.get_as(&format!("/api/v1/campaigns/tea/participants/{first}"), &app.admin).await.json().await.unwrap();
        assert_eq!(detail["invitees"].as_array().unwrap().len(), 1);
    }

    async fn visitors_behind_one_network_are_told_apart_by_their_cookie(app: TestApp) {
        app.simple_campaign("tea").await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let code = inviter["code"].as_str().unwrap();
        // Two people behind one carrier NAT with the same phone and WeChat build.
        for n in [2, 3] {
            let browser = phone();
            let (_, html) = page(&app, &browser, &format!("/c/tea?ref={code}")).await;
            page(&app, &browser, "/c/tea").await;
            let response = submit(&app, &browser, "tea", &[("phone", &mobile(n)), ("consent", "yes"), ("csrf", &csrf_from(&html))]).await;
            assert_eq!(response.status(), 303);
        }
        app.state.visits.flush().await;
        let stats = app.stats("tea").await;
        assert_eq!(stats["visits"], 4);
        assert_eq!(stats["unique_visitors"], 2, "two people, each seen twice: {stats}");
        let detail: Value = app.get_as(&format!("/api/v1/campaigns/tea/participants/{code}"), &app.admin).await.json().await.unwrap();
        for invitee in detail["invitees"].as_array().unwrap() {
            let path = format!("/api/v1/campaigns/tea/participants/{}", invitee["code"].as_str().unwrap());
            let invitee: Value = app.get_as(&path, &app.admin).await.json().await.unwrap();
            assert_eq!(invitee["fraud_flags"], json!([]), "two phones are not one device");
        }
    }

    async fn form_errors_re_render_the_page_with_a_message_and_422(app: TestApp) {
        app.simple_campaign("tea").await;
        let browser = phone();
        let (_, html) = page(&app, &browser, "/c/tea").await;
        let csrf = csrf_from(&html);
        let response = submit(&app, &browser, "tea", &[("phone", "12345"), ("consent", "yes"), ("csrf", &csrf)]).await;
        assert_eq!(response.status(), 422);
        let body = response.text().await.unwrap();
        assert!(body.contains("role=\"alert\""));
        assert!(body.contains("value=\"12345\""), "what the person typed is kept");
        let response = submit(&app, &browser, "tea", &[("phone", &mobile(4)), ("csrf", &csrf)]).await;
        assert_eq!(response.status(), 422);
        assert_eq!(app.stats("tea").await["leads"], 0);
    }

    async fn forged_or_cross_site_form_posts_are_refused(app: TestApp) {
        app.simple_campaign("tea").await;
        let browser = phone();
        let (_, html) = page(&app, &browser, "/c/tea").await;
        let csrf = csrf_from(&html);
        let no_token = submit(&app, &browser, "tea", &[("phone", &mobile(1)), ("consent", "yes")]).await;
        assert_eq!(no_token.status(), 403);
        let stranger = phone();
        let stolen = submit(&app, &stranger, "tea", &[("phone", &mobile(1)), ("consent", "yes"), ("csrf", &csrf)]).await;
        assert_eq!(stolen.status(), 403, "a token belongs to its visitor");
        let cross = browser.post(app.url("/c/tea/join")).header("origin", "https://evil.example")
            .form(&[("phone", mobile(1).as_str()), ("consent", "yes"), ("csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(cross.status(), 403);
        assert_eq!(app.stats("tea").await["leads"], 0);
    }

    async fn my_page_without_having_joined_sends_me_to_the_form(app: TestApp) {
        app.simple_campaign("tea").await;
        let response = phone().get(app.url("/c/tea/me")).send().await.unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/c/tea#join");
    }

    async fn a_person_whose_phone_comes_back_to_the_page_has_returned(app: TestApp) {
        // The fraud rules' "never came back" weighs invitees whose device shows no page
        // view a minute or more after joining: the device is the visitor cookie's key.
        app.simple_campaign("tea").await;
        let browser = phone();
        let (_, html) = page(&app, &browser, "/c/tea").await;
        let joined = submit(&app, &browser, "tea", &[("phone", &mobile(2)), ("consent", "yes"), ("csrf", &csrf_from(&html))]).await;
        assert_eq!(joined.status(), 303);
        let db = &*app.state.db;
        let id: String = fission::with_db!(db, read, |pool| {
            sqlx::query_scalar("SELECT id FROM participants").fetch_one(pool).await.unwrap()
        });
        let returned = || async { fission::fraud::store::member(db, &id).await.unwrap().unwrap().returned };
        app.state.visits.flush().await;
        assert!(!returned().await, "the view before joining is not a return");
        // As if the person had joined two minutes ago, then opened the page again.
        fission::with_db!(db, write, |pool| {
            sqlx::query("UPDATE participants SET created_at = created_at - 120000").execute(pool).await.unwrap().rows_affected()
        });
        page(&app, &browser, "/c/tea").await;
        app.state.visits.flush().await;
        assert!(returned().await, "a later view from the same phone is a return");
        // Someone else's phone coming to the page is not this person's return.
        fission::with_db!(db, write, |pool| {
            sqlx::query("DELETE FROM visits").execute(pool).await.unwrap().rows_affected()
        });
        page(&app, &phone(), "/c/tea").await;
        app.state.visits.flush().await;
        assert!(!returned().await);
    }

    async fn a_phone_taking_gzip_gets_the_same_page_compressed(app: TestApp) {
        app.simple_campaign("tea").await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let path = format!("/c/tea?ref={}&ch=poster-a", inviter["code"].as_str().unwrap());
        let browser = phone();
        // The first view sets the visitor cookie: later views carry the same form token.
        page(&app, &browser, &path).await;
        let (_, plain) = page(&app, &browser, &path).await;
        for accept in ["gzip, deflate, br", "br;q=1, gzip;q=0.5", "GZIP", "*"] {
            let response = browser.get(app.url(&path)).header("accept-encoding", accept).send().await.unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()["content-encoding"], "gzip", "{accept}");
            assert_eq!(response.headers()["vary"], "accept-encoding");
            let body = response.bytes().await.unwrap();
            assert!(body.len() < plain.len() / 2, "{} of {} bytes", body.len(), plain.len());
            let mut html = String::new();
            std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut html).unwrap();
            assert_eq!(html, plain, "the same page, banner, form token and link included");
        }
        // Refused or not asked for: the page as it is.
        for accept in ["identity", "gzip;q=0, identity", "br"] {
            let response = browser.get(app.url(&path)).header("accept-encoding", accept).send().await.unwrap();
            assert!(response.headers().get("content-encoding").is_none(), "{accept}");
            assert_eq!(response.text().await.unwrap(), plain);
        }
        app.state.visits.flush().await;
        assert_eq!(app.stats("tea").await["visits"], 9, "each view counted once, compressed or not");
    }

    async fn views_are_counted_honestly(app: TestApp) {
        app.simple_campaign("tea").await;
        let alice = phone();
        for _ in 0..3 {
            page(&app, &alice, "/c/tea?ch=poster-a").await;
        }
        let head = alice.head(app.url("/c/tea?ch=poster-a")).send().await.unwrap();
        assert_eq!(head.status(), 200);
        let crawler = crate::helpers::Client::new(reqwest::Client::builder().user_agent("facebookexternalhit/1.1").build().unwrap());
        crawler.get(app.url("/c/tea?ch=poster-a")).send().await.unwrap();
        app.state.visits.flush().await;
        let stats = app.stats("tea").await;
        assert_eq!(stats["visits"], 3, "HEAD and the previewer are not views: {stats}");
        assert_eq!(stats["unique_visitors"], 1);
        assert_eq!(stats["bot_visits"], 1);
        assert_eq!(stats["by_channel"][0]["channel"], "poster-a");
        assert_eq!(stats["by_channel"][0]["visits"], 3);
    }
}

#[actix_web::test]
async fn cookies_are_secure_and_http_only_behind_an_https_public_url() {
    let app = crate::helpers::spawn_app_with(
        crate::helpers::Backend::Sqlite,
        &[("FISSION_COOKIE_SECURE", "true")],
    )
    .await;
    app.simple_campaign("tea").await;
    let response = phone()
        .get(app.url("/c/tea?ref=abcdefghjk"))
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(!cookies.is_empty());
    for c in cookies {
        assert!(
            c.contains("Secure") && c.contains("HttpOnly") && c.contains("SameSite=Lax"),
            "{c}"
        );
    }
}

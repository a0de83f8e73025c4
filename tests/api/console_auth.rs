//! Signing in to the console, sessions, CSRF and roles, over real HTTP with a browser
//! that keeps cookies.

use fission::auth::Role;

use crate::both_backends;
use crate::console_browser::{create_user, location, set_cookie, Browser, PASSWORD};
use crate::helpers::{spawn_app_with, Backend, TestApp};

async fn count_campaigns(app: &TestApp) -> usize {
    fission::campaigns::service::list(&app.state.db, None, 500, 0)
        .await
        .unwrap()
        .len()
}

both_backends! {
    async fn signing_in_opens_the_console_with_a_strict_http_only_cookie(app: TestApp) {
        create_user(&app, "ops@brand.test", Role::Marketer).await;
        let browser = Browser::new(&app);
        let response = browser.sign_in("  OPS@Brand.test ", PASSWORD).await;
        assert_eq!(response.status(), 303);
        assert_eq!(location(&response), "/admin/campaigns");
        let cookie = set_cookie(response.headers(), "fission_console").expect("a session cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        assert!(cookie.contains("Path=/admin"), "{cookie}");
        let (status, html) = browser.page("/admin/campaigns").await;
        assert_eq!(status, 200);
        assert!(html.contains("ops@brand.test"), "the signed-in user is shown");
        assert!(html.contains("运营"), "with the role");
    }

    async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(app: TestApp) {
        create_user(&app, "ops@brand.test", Role::Marketer).await;
        let browser = Browser::new(&app);
        let wrong = browser.sign_in("ops@brand.test", "not-the-password").await;
        assert_eq!(wrong.status(), 422);
        assert!(set_cookie(wrong.headers(), "fission_console").is_none());
        let wrong = wrong.text().await.unwrap();
        let unknown = browser.sign_in("nobody@brand.test", PASSWORD).await;
        assert_eq!(unknown.status(), 422);
        let unknown = unknown.text().await.unwrap();
        assert!(wrong.contains("邮箱或密码不正确"), "{wrong}");
        assert!(unknown.contains("邮箱或密码不正确"));
        assert!(unknown.contains("value=\"nobody@brand.test\""), "what was typed is kept");
        assert_eq!(browser.get("/admin/campaigns").await.status(), 303, "still signed out");
    }

    async fn a_disabled_account_is_signed_out_and_cannot_sign_in(app: TestApp) {
        let (browser, email) = Browser::signed_in(&app, Role::Marketer).await;
        assert_eq!(browser.get("/admin/campaigns").await.status(), 200);
        fission::users::service::disable(&app.state.db, &email, &fission::audit::Actor::system("test")).await.unwrap();
        assert_eq!(browser.get("/admin/campaigns").await.status(), 303, "its session ended");
        let again = browser.sign_in(&email, PASSWORD).await;
        assert_eq!(again.status(), 403);
        assert!(again.text().await.unwrap().contains("该账号已停用"));
    }

    async fn people_not_signed_in_are_sent_to_the_sign_in_form(app: TestApp) {
        let browser = Browser::new(&app);
        let home = browser.get("/admin").await;
        assert_eq!(home.status(), 303);
        let list = browser.get("/admin/campaigns?x=1").await;
        assert_eq!(list.status(), 303);
        assert_eq!(location(&list), "/admin/login?next=%2Fadmin%2Fcampaigns%3Fx%3D1");
        let (status, html) = browser.page(&location(&list)).await;
        assert_eq!(status, 200);
        assert!(html.contains("name=\"email\"") && html.contains("name=\"password\""));
        // After signing in, back to the page asked for; never to another site.
        create_user(&app, "ops@brand.test", Role::Marketer).await;
        let token = crate::console_browser::csrf_of(&html);
        let fields = |next: &'static str| {
            vec![("email", "ops@brand.test"), ("password", PASSWORD), ("_csrf", token.as_str()), ("next", next)]
        };
        let back = browser.post_form("/admin/login", &fields("/admin/campaigns?x=1")).await;
        assert_eq!(location(&back), "/admin/campaigns?x=1");
        let token = browser.csrf("/admin/login").await;
        let evil = browser
            .post_form("/admin/login", &[("email", "ops@brand.test"), ("password", PASSWORD), ("_csrf", &token), ("next", "//evil.example/admin")])
            .await;
        assert_eq!(location(&evil), "/admin/campaigns");
    }

    async fn a_session_is_refused_after_sign_out(app: TestApp) {
        create_user(&app, "ops@brand.test", Role::Marketer).await;
        let browser = Browser::new(&app);
        let signed_in = browser.sign_in("ops@brand.test", PASSWORD).await;
        let cookie = set_cookie(signed_in.headers(), "fission_console").unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        // The cookie replayed by someone who copied it: works until sign-out only.
        let replay = || async {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .get(browser.url("/admin/campaigns"))
                .header("Cookie", &cookie)
                .send()
                .await
                .unwrap()
                .status()
        };
        assert_eq!(replay().await, 200);
        let token = browser.csrf("/admin/campaigns").await;
        let out = browser.post_form("/admin/logout", &[("_csrf", &token)]).await;
        assert_eq!(out.status(), 303);
        assert_eq!(location(&out), "/admin/login");
        assert!(set_cookie(out.headers(), "fission_console").is_some_and(|c| c.contains("Max-Age=0")));
        assert_eq!(browser.get("/admin/campaigns").await.status(), 303);
        assert_eq!(replay().await, 303, "the server ended the session itself");
    }

    async fn a_form_without_its_csrf_token_or_from_another_site_is_refused(app: TestApp) {
        let (browser, _) = Browser::signed_in(&app, Role::Marketer).await;
        let before = count_campaigns(&app).await;
        let form = [("slug", "no-token"), ("title", "无令牌")];
        let missing = browser.post_form("/admin/new-campaign", &form).await;
        assert_eq!(missing.status(), 403);
        assert!(missing.text().await.unwrap().contains("表单已失效"));
        let wrong = browser
            .post_form("/admin/new-campaign", &[("slug", "no-token"), ("title", "x"), ("_csrf", "forged")])
            .await;
        assert_eq!(wrong.status(), 403);
        let token = browser.csrf("/admin/new-campaign").await;
        let fields = [("slug", "cross-site"), ("title", "跨站"), ("_csrf", token.as_str())];
        let cross = browser.post_form_from("https://evil.example", "/admin/new-campaign", &fields).await;
        assert_eq!(cross.status(), 403, "a cross-site Origin is refused even with the token");
        assert_eq!(count_campaigns(&app).await, before, "nothing was created");
        let same = browser.post_form("/admin/new-campaign", &fields).await;
        assert_eq!(same.status(), 303, "the same form from our own page works");
    }

    async fn a_viewer_sees_no_change_buttons_and_cannot_create_clone_or_revoke(app: TestApp) {
        app.simple_campaign("spring-tea").await;
        let (viewer, _) = Browser::signed_in(&app, Role::Viewer).await;
        let (status, html) = viewer.page("/admin/campaigns").await;
        assert_eq!(status, 200);
        assert!(html.contains("spring-tea"));
        assert!(!html.contains("/admin/new-campaign"), "no create button");
        assert!(!html.contains("/clone"), "no clone button");
        let token = viewer.csrf("/admin/campaigns").await;
        let create = viewer
            .post_form("/admin/new-campaign", &[("slug", "mine"), ("title", "x"), ("_csrf", &token)])
            .await;
        assert_eq!(create.status(), 403);
        let clone = viewer
            .post_form("/admin/campaigns/spring-tea/clone", &[("slug", "mine"), ("title", "x"), ("_csrf", &token)])
            .await;
        assert_eq!(clone.status(), 403);
        assert_eq!(viewer.get("/admin/new-campaign").await.status(), 403);
        assert_eq!(viewer.get("/admin/tokens").await.status(), 403);
        let (record, _) = fission::auth::tokens::issue(&app.state.db, "ci", Role::Viewer, chrono::Utc::now(), None, &fission::audit::Actor::system("test"))
            .await
            .unwrap();
        let revoke = viewer
            .post_form(&format!("/admin/tokens/{}/revoke", record.id), &[("_csrf", &token)])
            .await;
        assert_eq!(revoke.status(), 403);
        assert_eq!(count_campaigns(&app).await, 1);
        let tokens = fission::auth::tokens::list(&app.state.db).await.unwrap();
        assert!(tokens.iter().all(|t| t.revoked_at.is_none()), "nothing revoked");
    }

    async fn a_session_expires_after_inactivity(app: TestApp) {
        let (browser, _) = Browser::signed_in(&app, Role::Marketer).await;
        assert_eq!(browser.get("/admin/campaigns").await.status(), 200);
        // Last used nine hours ago: past the default eight.
        let long_ago = chrono::Utc::now().timestamp_millis() - 9 * 3600 * 1000;
        fission::with_db!(&*app.state.db, write, |pool| {
            sqlx::query("UPDATE console_sessions SET last_seen_at = $1")
                .bind(long_ago)
                .execute(pool)
                .await
                .unwrap();
        });
        assert_eq!(browser.get("/admin/campaigns").await.status(), 303);
    }

    async fn use_keeps_a_session_alive(app: TestApp) {
        let (browser, _) = Browser::signed_in(&app, Role::Marketer).await;
        // Last used seven hours ago: still live, and this use moves last_seen to now.
        let earlier = chrono::Utc::now().timestamp_millis() - 7 * 3600 * 1000;
        fission::with_db!(&*app.state.db, write, |pool| {
            sqlx::query("UPDATE console_sessions SET last_seen_at = $1")
                .bind(earlier)
                .execute(pool)
                .await
                .unwrap();
        });
        assert_eq!(browser.get("/admin/campaigns").await.status(), 200);
        let seen: i64 = fission::with_db!(&*app.state.db, read, |pool| {
            sqlx::query_scalar("SELECT last_seen_at FROM console_sessions")
                .fetch_one(pool)
                .await
                .unwrap()
        });
        assert!(seen > earlier + 3600 * 1000, "touched");
    }

    async fn failed_sign_ins_are_limited_per_account(app: TestApp) {
        create_user(&app, "ops@brand.test", Role::Marketer).await;
        let browser = Browser::new(&app);
        for _ in 0..5 {
            assert_eq!(browser.sign_in("ops@brand.test", "guess-guess").await.status(), 422);
        }
        let right = browser.sign_in("OPS@brand.test", PASSWORD).await;
        assert_eq!(right.status(), 429, "even the right password waits");
        assert!(right.text().await.unwrap().contains("登录失败次数过多"));
        // Another account from the same address is not locked by this one's failures.
        create_user(&app, "fin@brand.test", Role::Finance).await;
        assert_eq!(browser.sign_in("fin@brand.test", PASSWORD).await.status(), 303);
    }

    async fn admins_create_and_revoke_tokens_on_the_tokens_page(app: TestApp) {
        let (admin, _) = Browser::signed_in(&app, Role::Admin).await;
        let token = admin.csrf("/admin/tokens").await;
        let bad = admin
            .post_form("/admin/tokens", &[("name", "CRM 同步"), ("role", "marketer"), ("expires_in", "soon"), ("_csrf", &token)])
            .await;
        assert_eq!(bad.status(), 422);
        let bad = bad.text().await.unwrap();
        assert!(bad.contains("有效期写法如 90d"), "the field's own message");
        assert!(bad.contains("value=\"CRM 同步\""), "what was typed is kept");
        let created = admin
            .post_form("/admin/tokens", &[("name", "CRM 同步"), ("role", "marketer"), ("expires_in", "90d"), ("_csrf", &token)])
            .await;
        assert_eq!(created.status(), 200);
        let html = created.text().await.unwrap();
        let at = html.find("fsn_").expect("the secret is shown once");
        let secret: String = html[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
        assert_eq!(app.get_as("/api/v1/campaigns", &secret).await.status(), 200, "the token works");
        let (_, listed) = admin.page("/admin/tokens").await;
        assert!(listed.contains("CRM 同步"));
        assert!(!listed.contains(&secret), "never shown again");
        let id = fission::auth::tokens::list(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.name == "CRM 同步")
            .unwrap()
            .id;
        let revoked = admin
            .post_form(&format!("/admin/tokens/{id}/revoke"), &[("_csrf", &token)])
            .await;
        assert_eq!(revoked.status(), 303);
        assert_eq!(app.get_as("/api/v1/campaigns", &secret).await.status(), 401, "refused from now on");
        let (_, listed) = admin.page("/admin/tokens").await;
        assert!(listed.contains("已吊销"));
    }
}

#[actix_web::test]
async fn failed_sign_ins_are_limited_per_address() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("FISSION_CONSOLE_SIGN_IN_FAILURES_PER_ADDRESS", "3")],
    )
    .await;
    create_user(&app, "ops@brand.test", Role::Marketer).await;
    let browser = Browser::new(&app);
    for n in 0..3 {
        let email = format!("guess{n}@brand.test");
        assert_eq!(browser.sign_in(&email, "guess-guess").await.status(), 422);
    }
    assert_eq!(
        browser.sign_in("ops@brand.test", PASSWORD).await.status(),
        429
    );
}

//! Issue 8 item 1: a phone number is not a login. A known phone submitted from a browser
//! that is not its participant's gets the poster and invite link, never the participant's
//! cookie, rewards or shipping form, until the number is proved by a six-digit SMS code
//! (the `log` provider; the test reads the code from its in-process memory).

use serde_json::json;

use crate::both_backends;
use crate::helpers::{mobile, phone, spawn_second, Client, TestApp};
use crate::landing::{csrf_from, unescape};
use crate::rewards::run_jobs;
use crate::security_limits::join_on_page_from;

const IP: &str = "10.1.2.3";

async fn join(app: &TestApp, browser: &Client, number: &str) -> reqwest::Response {
    join_on_page_from(app, browser, number, IP).await
}

/// A stranger's browser that submitted `number` and holds the proof page's token.
async fn asked(app: &TestApp, number: &str) -> (Client, String) {
    let browser = phone();
    let page = join(app, &browser, number).await;
    assert_eq!(
        page.status(),
        200,
        "a known phone from another browser is asked"
    );
    let csrf = csrf_from(&page.text().await.unwrap());
    (browser, csrf)
}

async fn send(app: &TestApp, browser: &Client, number: &str, csrf: &str) -> reqwest::Response {
    browser
        .post(app.url("/c/tea/verify/send"))
        .header("x-forwarded-for", IP)
        .form(&[("phone", number), ("csrf", csrf)])
        .send()
        .await
        .unwrap()
}

async fn prove(
    app: &TestApp,
    browser: &Client,
    number: &str,
    csrf: &str,
    code: &str,
) -> reqwest::Response {
    browser
        .post(app.url("/c/tea/verify"))
        .header("x-forwarded-for", IP)
        .form(&[("phone", number), ("csrf", csrf), ("code", code)])
        .send()
        .await
        .unwrap()
}

fn sent_code(app: &TestApp, number: &str) -> String {
    app.state
        .sms
        .last_logged_code(number)
        .expect("a code was sent")
}

/// Another six-digit code than `code`.
fn wrong(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

struct Sent {
    number: String,
    browser: Client,
    csrf: String,
    code: String,
}

/// A participant's number, and a stranger's browser that had a code sent to it.
async fn a_code_sent(app: &TestApp) -> Sent {
    app.simple_campaign("tea").await;
    let number = mobile(1);
    join(app, &phone(), &number).await;
    let (browser, csrf) = asked(app, &number).await;
    assert_eq!(send(app, &browser, &number, &csrf).await.status(), 200);
    let code = sent_code(app, &number);
    Sent {
        number,
        browser,
        csrf,
        code,
    }
}

async fn code_rows(app: &TestApp) -> Vec<(String, i64)> {
    fission::with_db!(&*app.state.db, read, |pool| sqlx::query_as::<
        _,
        (String, i64),
    >(
        "SELECT code_hash, CAST(attempts AS BIGINT) FROM phone_codes"
    )
    .fetch_all(pool)
    .await
    .unwrap())
}

both_backends! {
    async fn a_known_phone_from_another_browser_gets_no_cookie_and_nothing_private(app: TestApp) {
        app.simple_campaign("tea").await;
        let owner = phone();
        let number = mobile(1);
        assert_eq!(join(&app, &owner, &number).await.status(), 303);
        let mine = owner.get(app.url("/c/tea/me")).send().await.unwrap();
        assert_eq!(mine.status(), 200, "the owner sees their page");
        let stranger = phone();
        let response = join(&app, &stranger, &number).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().starts_with("fx_me")),
            "no participant cookie for a phone number alone");
        let html = unescape(&response.text().await.unwrap());
        assert!(html.contains("/c/tea?ref="), "the invite link");
        assert!(html.contains("/p/") && html.contains(".jpg"), "the poster");
        assert!(!html.contains("name=\"address\""), "no shipping form");
        assert!(html.contains("发送验证码") && html.contains("/c/tea/verify/send"), "the way to prove the number");
        let page = stranger.get(app.url("/c/tea/me")).send().await.unwrap();
        assert_eq!(page.status(), 303, "the stranger has no participant page");
        // The participant on their own device is never asked, and no code is sent.
        assert_eq!(join(&app, &owner, &number).await.status(), 303);
        assert_eq!(app.state.sms.last_logged_code(&number), None);
    }

    async fn the_owner_on_a_new_device_proves_the_number_and_sees_their_rewards(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "rules": [{"id": "box", "kind": "milestone", "invites": 1,
            "reward": {"type": "physical", "sku": "tea-box", "stock": 5, "name": "新茶礼盒"}}]})).await;
        let number = mobile(1);
        assert_eq!(join(&app, &phone(), &number).await.status(), 303);
        let campaign = fission::campaigns::store::by_slug(&app.state.db, "tea").await.unwrap().unwrap();
        let owner = fission::participants::store::by_phone(&app.state.db, &campaign.id, &number).await.unwrap().unwrap();
        app.join_ok("tea", &mobile(2), Some(&owner.code)).await;
        run_jobs(&app).await;

        let (new_device, csrf) = asked(&app, &number).await;
        let sent = send(&app, &new_device, &number, &csrf).await;
        assert_eq!(sent.status(), 200);
        let html = sent.text().await.unwrap();
        assert!(html.contains("name=\"code\"") && html.contains("139****0001"), "the page asks for the code");
        let code = sent_code(&app, &number);
        assert_eq!(code.len(), 6);
        let rows = code_rows(&app).await;
        assert_eq!(rows.len(), 1);
        assert!(!rows[0].0.contains(&code) && rows[0].0.len() == 32, "only the code's HMAC is stored");

        let proved = prove(&app, &new_device, &number, &csrf, &code).await;
        assert_eq!(proved.status(), 303);
        assert_eq!(proved.headers()["location"], "/c/tea/me");
        let me = new_device.get(app.url("/c/tea/me")).send().await.unwrap();
        assert_eq!(me.status(), 200);
        let me = me.text().await.unwrap();
        assert!(me.contains("新茶礼盒") && me.contains("name=\"address\""), "their prize and its shipping form");
        let again = prove(&app, &phone(), &number, &csrf, &code).await;
        assert_eq!(again.status(), 403, "another browser cannot replay the form");
        let (other, other_csrf) = asked(&app, &number).await;
        let replay = prove(&app, &other, &number, &other_csrf, &code).await;
        assert_eq!(replay.status(), 422, "a code works once");
        assert!(replay.text().await.unwrap().contains("验证码已使用过"));
    }

    async fn five_wrong_codes_lock_the_code(app: TestApp) {
        let Sent { number, browser, csrf, code } = a_code_sent(&app).await;
        for left in (0..5).rev() {
            let tried = prove(&app, &browser, &number, &csrf, &wrong(&code)).await;
            assert_eq!(tried.status(), 422);
            let html = tried.text().await.unwrap();
            if left > 0 {
                assert!(html.contains(&format!("还可以再试 {left} 次")), "{html}");
            } else {
                assert!(html.contains("尝试次数过多"), "{html}");
            }
        }
        let late = prove(&app, &browser, &number, &csrf, &code).await;
        assert_eq!(late.status(), 422, "the right code after five tries is refused");
        assert!(late.headers().get("set-cookie").is_none());
        assert!(late.text().await.unwrap().contains("尝试次数过多"));
        assert_eq!(code_rows(&app).await[0].1, 5, "tries stop counting at five");
    }

    async fn racing_guesses_on_two_servers_get_five_tries_in_all(app: TestApp) {
        let Sent { number, browser, csrf, code } = a_code_sent(&app).await;
        let second = spawn_second(&app, &[]).await;
        let guesses: Vec<String> = (1..=10).map(|i| format!("{:06}", (code.parse::<u32>().unwrap() + i) % 1_000_000)).collect();
        let tries = guesses.iter().enumerate().map(|(i, guess)| {
            let server = if i % 2 == 0 { &app } else { &second };
            prove(server, &browser, &number, &csrf, guess)
        });
        for tried in futures_util::future::join_all(tries).await {
            assert_eq!(tried.status(), 422);
        }
        assert_eq!(code_rows(&app).await[0].1, 5, "never more than five tries, whatever the race");
        let late = prove(&app, &browser, &number, &csrf, &code).await;
        assert!(late.text().await.unwrap().contains("尝试次数过多"));
    }

    async fn an_expired_code_is_refused(app: TestApp) {
        let Sent { number, browser, csrf, code } = a_code_sent(&app).await;
        let past = chrono::Utc::now().timestamp_millis() - 1;
        fission::with_db!(&*app.state.db, write, |pool| sqlx::query("UPDATE phone_codes SET expires_at = $1")
            .bind(past)
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap());
        let tried = prove(&app, &browser, &number, &csrf, &code).await;
        assert_eq!(tried.status(), 422);
        assert!(tried.text().await.unwrap().contains("验证码已过期"));
        let me = browser.get(app.url("/c/tea/me")).send().await.unwrap();
        assert_eq!(me.status(), 303, "still no participant page");
    }

    async fn a_second_code_within_a_minute_is_429(app: TestApp) {
        let Sent { number, code: first, .. } = a_code_sent(&app).await;
        let (other, other_csrf) = asked(&app, &number).await;
        let again = send(&app, &other, &number, &other_csrf).await;
        assert_eq!(again.status(), 429, "one code per phone per minute, whatever the browser");
        assert!(again.text().await.unwrap().contains("发送太频繁"));
        assert_eq!(code_rows(&app).await.len(), 1, "nothing stored for a refused send");
        assert_eq!(sent_code(&app, &number), first);
    }

    async fn two_servers_racing_send_one_code(app: TestApp) {
        app.simple_campaign("tea").await;
        let number = mobile(1);
        join(&app, &phone(), &number).await;
        let second = spawn_second(&app, &[]).await;
        let (a, a_csrf) = asked(&app, &number).await;
        let (b, b_csrf) = asked(&app, &number).await;
        let (one, two) = tokio::join!(
            send(&app, &a, &number, &a_csrf),
            send(&second, &b, &number, &b_csrf)
        );
        let mut statuses = [one.status().as_u16(), two.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 429], "the limit is the database's, not one server's");
        assert_eq!(code_rows(&app).await.len(), 1);
    }
}

#[test]
fn the_proof_routes_are_in_the_document_for_anyone() {
    let doc = fission::routes::document();
    for (path, id) in [
        ("/c/{slug}/verify/send", "sendPhoneCode"),
        ("/c/{slug}/verify", "verifyPhoneCode"),
    ] {
        let op = &doc["paths"][path]["post"];
        assert_eq!(op["operationId"], id, "{path}");
        assert!(op.get("security").is_none(), "{path} is public: no token");
    }
    assert!(doc["paths"]["/c/{slug}/verify/send"]["post"]["responses"]["429"].is_object());
}

//! "提醒我": a campaign that has not started takes phones on its page and sends each one
//! SMS when it opens, once, however many servers run the job.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{mobile, phone, spawn_second, TestApp};
use crate::landing::{csrf_from, page, unescape};

async fn upcoming(app: &TestApp, slug: &str) {
    let starts = (chrono::Utc::now() + chrono::Duration::hours(26)).to_rfc3339();
    app.create_campaign(
        json!({"slug": slug, "title": "春茶预售", "status": "active", "starts_at": starts}),
    )
    .await;
}

async fn remind(
    app: &TestApp,
    browser: &crate::helpers::Client,
    slug: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let response = browser
        .post(app.url(&format!("/c/{slug}/remind")))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn open_now(app: &TestApp, slug: &str) {
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let response = app
        .patch_json(
            &format!("/api/v1/campaigns/{slug}"),
            &app.admin,
            &json!({"starts_at": past}),
        )
        .await;
    assert_eq!(response.status(), 200);
}

async fn run_jobs(app: &TestApp) {
    fission::jobs::run_once(&app.state, chrono::Utc::now())
        .await
        .expect("the jobs run");
}

both_backends! {
    async fn a_reminder_sign_up_is_exported_with_the_person_and_erased_with_them(app: TestApp) {
        upcoming(&app, "tea").await;
        let browser = phone();
        let (_, html) = page(&app, &browser, "/c/tea").await;
        let csrf = csrf_from(&html);
        let (status, _) = remind(&app, &browser, "tea", &[("phone", &mobile(1)), ("consent", "yes"), ("csrf", &csrf)]).await;
        assert_eq!(status, 200);
        open_now(&app, "tea").await;
        run_jobs(&app).await;
        let joined = app.join_ok("tea", &mobile(1), None).await;
        let code = joined["code"].as_str().unwrap();

        let export: serde_json::Value = app
            .get_as(&format!("/api/v1/campaigns/tea/participants/{code}/export"), &app.admin)
            .await
            .json()
            .await
            .unwrap();
        let reminders = export["reminders"].as_array().unwrap();
        assert_eq!(reminders.len(), 1, "{export}");
        assert_eq!(reminders[0]["phone_hashed"], true, "sent: only the phone's keyed hash is kept");
        assert!(reminders[0]["sent_at"].is_string());

        let erased = app
            .api
            .request(reqwest::Method::DELETE, app.url(&format!("/api/v1/campaigns/tea/participants/{code}")))
            .bearer_auth(&app.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(erased.status(), 200);
        let left: i64 = fission::with_db!(app.state.db.as_ref(), read, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM campaign_reminders").fetch_one(pool).await.unwrap()
        });
        assert_eq!(left, 0, "the sign-up went with the person");
    }

    async fn a_campaign_not_yet_open_offers_a_reminder_instead_of_the_form(app: TestApp) {
        upcoming(&app, "tea").await;
        let browser = phone();
        let (status, html) = page(&app, &browser, "/c/tea").await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"remind\""), "{html}");
        assert!(unescape(&html).contains("action=\"/c/tea/remind\""));
        assert!(html.contains("距活动开始还有 <b>1 天 1 小时</b>") || html.contains("距活动开始还有 <b>1 天 2 小时</b>"), "{html}");
        assert!(!unescape(&html).contains("action=\"/c/tea/join"), "no join form before the start");
        assert!(html.contains("id=\"rules\""), "the rules are there to read already");
    }

    async fn a_reminder_keeps_what_was_typed_after_an_error_and_says_so_in_chinese(app: TestApp) {
        upcoming(&app, "tea").await;
        let browser = phone();
        let (_, html) = page(&app, &browser, "/c/tea").await;
        let csrf = csrf_from(&html);
        let (status, html) = remind(&app, &browser, "tea", &[("phone", "12345"), ("consent", "yes"), ("csrf", &csrf)]).await;
        assert_eq!(status, 422);
        assert!(html.contains("value=\"12345\""), "the number is kept");
        assert!(html.contains("name=\"consent\" value=\"yes\" required checked"), "the ticked box is kept");
        let alert = html.split("id=\"remind-error\">").nth(1).unwrap().split("</p>").next().unwrap();
        assert!(!alert.chars().any(|c| c.is_ascii_alphabetic()), "Chinese only: {alert}");

        let (status, html) = remind(&app, &browser, "tea", &[("phone", &mobile(1)), ("csrf", &csrf)]).await;
        assert_eq!(status, 422, "no consent, no reminder");
        assert!(html.contains("请勾选同意"));
        let (status, _) = remind(&app, &browser, "tea", &[("phone", &mobile(1)), ("consent", "yes"), ("csrf", "forged")]).await;
        assert_eq!(status, 403);
        let (status, _) = remind(&app, &phone(), "tea", &[("phone", &mobile(1)), ("consent", "yes"), ("csrf", &csrf)]).await;
        assert_eq!(status, 403, "another browser's token is refused");

        open_now(&app, "tea").await;
        run_jobs(&app).await;
        assert_eq!(app.state.sms.logged_openings(&mobile(1)), 0, "nothing was stored, nothing is sent");
    }

    async fn a_reminder_is_sent_once_when_the_campaign_opens(app: TestApp) {
        upcoming(&app, "tea").await;
        let browser = phone();
        let (_, html) = page(&app, &browser, "/c/tea").await;
        let csrf = csrf_from(&html);
        let (status, html) = remind(&app, &browser, "tea", &[("phone", &mobile(1)), ("consent", "yes"), ("csrf", &csrf)]).await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("已预约：活动开始时会发一条短信到 {}****{}", &mobile(1)[..3], &mobile(1)[7..])), "{html}");
        let (status, _) = remind(&app, &browser, "tea", &[("phone", &mobile(1)), ("consent", "yes"), ("csrf", &csrf)]).await;
        assert_eq!(status, 200, "asking twice is fine and changes nothing");

        run_jobs(&app).await;
        assert_eq!(app.state.sms.logged_openings(&mobile(1)), 0, "not before the start");
        open_now(&app, "tea").await;
        run_jobs(&app).await;
        run_jobs(&app).await;
        assert_eq!(app.state.sms.logged_openings(&mobile(1)), 1, "one SMS, however often the job runs");

        let (status, _) = remind(&app, &browser, "tea", &[("phone", &mobile(2)), ("consent", "yes"), ("csrf", &csrf)]).await;
        assert_eq!(status, 303, "once open, the page's own form takes over");
    }

    async fn two_servers_send_each_reminder_once(app: TestApp) {
        upcoming(&app, "tea").await;
        let browser = phone();
        let (_, html) = page(&app, &browser, "/c/tea").await;
        let csrf = csrf_from(&html);
        for n in 1..=30 {
            let (status, _) = remind(&app, &browser, "tea", &[("phone", &mobile(n)), ("consent", "yes"), ("csrf", &csrf)]).await;
            assert_eq!(status, 200);
        }
        open_now(&app, "tea").await;
        let other = spawn_second(&app, &[]).await;
        let now = chrono::Utc::now();
        // Both servers' own job loops run meanwhile too.
        let (a, b) = tokio::join!(
            fission::pages::reminders::send_due(&app.state, now),
            fission::pages::reminders::send_due(&other.state, now),
        );
        assert!(a.unwrap() + b.unwrap() <= 30);
        // A reminder one server's own loop has claimed but not sent yet is not counted
        // anywhere until it is sent: wait for the jobs to finish the lot (or give up).
        let sends = |n: u32| app.state.sms.logged_openings(&mobile(n)) + other.state.sms.logged_openings(&mobile(n));
        for _ in 0..100 {
            if (1..=30).map(sends).sum::<u32>() >= 30 {
                break;
            }
            run_jobs(&other).await;
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        for n in 1..=30 {
            assert_eq!(sends(n), 1, "phone {n}");
        }
        run_jobs(&other).await;
        let total: u32 = (1..=30).map(sends).sum();
        assert_eq!(total, 30);
    }
}

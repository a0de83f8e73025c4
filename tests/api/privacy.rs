//! Privacy: consent recorded per person, export and erasure (admin-only, audited), and the
//! retention of raw visits.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::helpers::{mobile, phone, TestApp};
use crate::landing::csrf_from;

const CONSENT: &str = "我同意茶园联系我并发放奖励";

async fn count(app: &TestApp, sql: &str) -> i64 {
    fission::with_db!(app.state.db.as_ref(), read, |pool| {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

async fn delete(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.api
        .request(reqwest::Method::DELETE, app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Joins through the page's form on a browser of its own; returns the invite code.
async fn join_on_page(app: &TestApp, slug: &str, number: &str) -> String {
    let browser = phone();
    let html = browser
        .get(app.url(&format!("/c/{slug}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = [
        ("phone", number),
        ("consent", "yes"),
        ("name", "小茶"),
        ("csrf", &csrf_from(&html)),
    ];
    let response = browser
        .post(app.url(&format!("/c/{slug}/join")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let me = browser
        .get(app.url(&format!("/c/{slug}/me")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = me.find("?ref=").expect("an invite link") + 5;
    me[at..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

both_backends! {
    async fn consent_is_recorded_exported_and_erasure_keeps_the_money(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "budget": {"amount": 1000},
            "page": {"consent_text": CONSENT},
            "rules": [{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}}]})).await;
        let inviter = join_on_page(&app, "tea", &mobile(1)).await;
        app.join_ok("tea", &mobile(2), Some(&inviter)).await;
        fission::jobs::run_once(&app.state, chrono::Utc::now()).await.unwrap();
        let export_path = format!("/api/v1/campaigns/tea/participants/{inviter}/export");

        let marketer = app.token("marketer").await;
        assert_eq!(app.get_as(&export_path, &marketer).await.status(), 403, "admins only");
        let response = app.get_as(&export_path, &app.admin).await;
        assert_eq!(response.status(), 200);
        let export: Value = response.json().await.unwrap();
        assert_eq!(export["personal"]["phone"], mobile(1), "unmasked: {export}");
        assert_eq!(export["personal"]["name"], "小茶");
        assert!(export["personal"]["visitor_hash"].is_string());
        assert_eq!(export["consent"]["channel"], "page");
        assert_eq!(export["consent"]["text_sha256"], hex::encode(Sha256::digest(CONSENT.as_bytes())));
        assert!(export["consent"]["given_at"].is_string());
        assert_eq!(export["participant"]["grants"][0]["amount"], 100);
        assert!(!export["ledger"].as_array().unwrap().is_empty());
        let invitee = &export["participant"]["invitees"][0]["code"];
        let path = format!("/api/v1/campaigns/tea/participants/{}/export", invitee.as_str().unwrap());
        let other: Value = app.get_as(&path, &app.admin).await.json().await.unwrap();
        assert_eq!(other["consent"]["channel"], "api");
        assert!(other["referral"]["state"].is_string());

        let poster = app.url(&format!("/c/tea/p/{inviter}.png"));
        let with_name = app.api.get(&poster).send().await.unwrap().bytes().await.unwrap();
        let before: Value = app.get_as("/api/v1/campaigns/tea/reconciliation", &app.admin).await.json().await.unwrap();
        let person = format!("/api/v1/campaigns/tea/participants/{inviter}");
        assert_eq!(delete(&app, &person, &marketer).await.status(), 403);
        let response = delete(&app, &person, &app.admin).await;
        assert_eq!(response.status(), 200);
        let erased: Value = response.json().await.unwrap();
        assert_eq!(erased["code"], inviter.as_str());
        assert_eq!(erased["grants_kept"], 1);
        let again: Value = delete(&app, &person, &app.admin).await.json().await.unwrap();
        assert_eq!(again["erased_at"], erased["erased_at"], "erasing twice changes nothing");

        let export: Value = app.get_as(&export_path, &app.admin).await.json().await.unwrap();
        assert_eq!(export["personal"]["phone"], Value::Null);
        assert_eq!(export["personal"]["name"], Value::Null);
        assert_eq!(export["personal"]["visitor_hash"], Value::Null);
        assert_eq!(export["personal"]["ip_hash"], Value::Null);
        assert!(export["personal"]["erased_at"].is_string());
        assert_eq!(export["participant"]["grants"][0]["amount"], 100, "the money record stays");
        let without = app.api.get(&poster).send().await.unwrap().bytes().await.unwrap();
        assert_ne!(with_name, without, "the cached poster with the nickname is gone");
        let after: Value = app.get_as("/api/v1/campaigns/tea/reconciliation", &app.admin).await.json().await.unwrap();
        assert_eq!(after, before, "reconciliation is unchanged");
        assert_eq!(after["balanced"], true);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM participants WHERE phone IS NOT NULL").await, 1);
        let audited = "SELECT COUNT(*) FROM audit_log WHERE action IN ('participant.exported', 'participant.erased')";
        assert_eq!(count(&app, audited).await, 5, "three exports and two erasures are audited");
    }

    async fn unknown_people_cannot_be_exported_or_erased(app: TestApp) {
        app.simple_campaign("tea").await;
        let response = app.get_as("/api/v1/campaigns/tea/participants/abcdefghjk/export", &app.admin).await;
        assert_eq!(response.status(), 404);
        let response = delete(&app, "/api/v1/campaigns/nope/participants/abcdefghjk", &app.admin).await;
        assert_eq!(response.status(), 404);
    }

    async fn raw_visits_past_retention_are_deleted_and_counts_stay(app: TestApp) {
        app.simple_campaign("tea").await;
        for _ in 0..2 {
            phone().get(app.url("/c/tea?ch=poster-a")).send().await.unwrap();
        }
        app.state.visits.flush().await;
        let raw = "SELECT COUNT(*) FROM visits";
        let now = chrono::Utc::now();
        fission::jobs::run_once(&app.state, now + chrono::Duration::days(89)).await.unwrap();
        assert_eq!(count(&app, raw).await, 2, "inside the default 90 days");
        fission::jobs::run_once(&app.state, now + chrono::Duration::days(91)).await.unwrap();
        assert_eq!(count(&app, raw).await, 0);
        let stats = app.stats("tea").await;
        assert_eq!(stats["visits"], 2, "{stats}");
        assert_eq!(stats["unique_visitors"], 2);
    }

    async fn a_retention_backlog_larger_than_a_chunk_is_deleted_in_one_run(app: TestApp) {
        // Stamped now and pruned as of 100 days on: the server's own job loop (at the real
        // time) never touches them, so the figures below are this call's alone.
        let now = chrono::Utc::now();
        let written = fission::with_db!(&*app.state.db, write, |pool| {
            sqlx::query(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12001) \
                 INSERT INTO visits (campaign_id, channel, ref_code, visitor_hash, is_bot, user_agent, visited_at) \
                 SELECT 'c-old', '', NULL, 'v' || CAST(i AS TEXT), FALSE, 'ua', $1 + i FROM n",
            )
            .bind(now.timestamp_millis() - 20_000)
            .execute(pool)
            .await
            .unwrap()
            .rows_affected()
        });
        assert_eq!(written, 12_001);
        let later = now + chrono::Duration::days(100);
        // Written after the backlog, inside retention as of `later`.
        fission::with_db!(&*app.state.db, write, |pool| {
            sqlx::query(
                "INSERT INTO visits (campaign_id, channel, ref_code, visitor_hash, is_bot, user_agent, visited_at) \
                 VALUES ('c-new', '', NULL, 'fresh', FALSE, 'ua', $1)",
            )
            .bind(later.timestamp_millis() - 1_000)
            .execute(pool)
            .await
            .unwrap();
        });
        let deleted = fission::visits::prune_raw(&app.state.db, later, 90).await.unwrap();
        assert_eq!(deleted, 12_001, "three chunks of at most 5,000");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM visits").await, 1);
        assert_eq!(fission::visits::prune_raw(&app.state.db, later, 90).await.unwrap(), 0);
    }
}

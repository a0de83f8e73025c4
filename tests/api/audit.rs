//! Issue 9 item 7: every change made through the admin API is in the audit log, with
//! who, when, what, and the state before and after; admins read it page by page.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{error_code, TestApp};
use crate::rewards::{inviter_with_friends, rules_campaign, run_jobs};

/// The audit entries matching a query string, newest first (one page of up to 500).
async fn audit(app: &TestApp, query: &str) -> Vec<Value> {
    let response = app
        .get_as(&format!("/api/v1/audit?limit=500&{query}"), &app.admin)
        .await;
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.unwrap();
    page["entries"].as_array().unwrap().clone()
}

/// The only entry with this action.
async fn one(app: &TestApp, action: &str) -> Value {
    let entries = audit(app, &format!("action={action}")).await;
    assert_eq!(entries.len(), 1, "one {action}: {entries:?}");
    entries[0].clone()
}

/// A new token of this role with its id (the audit log names actors by id).
async fn token_with_id(app: &TestApp, name: &str, role: &str) -> (String, String) {
    let created: Value = app
        .post_json(
            "/api/v1/tokens",
            &app.admin,
            &json!({"name": name, "role": role}),
        )
        .await
        .json()
        .await
        .unwrap();
    (
        created["secret"].as_str().unwrap().to_owned(),
        created["token"]["id"].as_str().unwrap().to_owned(),
    )
}

both_backends! {
    async fn a_campaign_change_is_recorded_with_its_rules_and_budget_before_and_after(app: TestApp) {
        let (marketer, marketer_id) = token_with_id(&app, "运营小李", "marketer").await;
        let body = json!({"slug": "tea", "title": "春茶", "budget": {"amount": 1000},
            "rules": [{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}}]});
        assert_eq!(app.post_json("/api/v1/campaigns", &marketer, &body).await.status(), 201);
        let patch = json!({"title": "春茶上新", "budget": {"amount": 5000},
            "rules": [{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 200}}]});
        assert_eq!(app.patch_json("/api/v1/campaigns/tea", &marketer, &patch).await.status(), 200);

        let created = one(&app, "campaign.created").await;
        assert_eq!(created["actor"], json!({"kind": "token", "id": marketer_id, "name": "运营小李"}));
        assert_eq!((created["campaign"].as_str(), created["subject"].as_str()), (Some("tea"), Some("tea")));
        assert!(created["before"].is_null());
        assert_eq!(created["after"]["budget"]["amount"], 1000);

        let changed = one(&app, "campaign.changed").await;
        assert_eq!(changed["actor"]["id"], marketer_id.as_str());
        assert_eq!((changed["before"]["title"].as_str(), changed["after"]["title"].as_str()), (Some("春茶"), Some("春茶上新")));
        assert_eq!((changed["before"]["budget"]["amount"].as_i64(), changed["after"]["budget"]["amount"].as_i64()), (Some(1000), Some(5000)));
        assert_eq!(changed["before"]["rules"][0]["reward"]["amount"], 100);
        assert_eq!(changed["after"]["rules"][0]["reward"]["amount"], 200);
        let at: chrono::DateTime<chrono::Utc> = changed["at"].as_str().unwrap().parse().unwrap();
        assert!((chrono::Utc::now() - at).num_seconds() < 60);

        // A refused change is not a change.
        let bad = app.patch_json("/api/v1/campaigns/tea", &marketer, &json!({"budget": {"amount": -1}})).await;
        assert_eq!(bad.status(), 422);
        assert_eq!(audit(&app, "campaign=tea").await.len(), 2);
    }

    async fn groups_assets_coupons_seeds_and_payouts_are_recorded(app: TestApp) {
        app.create_campaign(rules_campaign(json!([{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}}]), 1000)).await;
        let qr = app.upload_png(300, 300).await;
        let uploaded = one(&app, "asset.uploaded").await;
        assert_eq!((uploaded["subject"].as_str(), uploaded["after"]["width"].as_i64()), (qr["id"].as_str(), Some(300)));

        let group: Value = app.post_json("/api/v1/campaigns/tea/groups", &app.admin,
            &json!({"name": "品鉴1群", "capacity": 200, "qr_asset": qr["id"]})).await.json().await.unwrap();
        let id = group["id"].as_str().unwrap();
        assert_eq!(one(&app, "group.created").await["after"]["name"], "品鉴1群");
        let path = format!("/api/v1/campaigns/tea/groups/{id}");
        assert_eq!(app.patch_json(&path, &app.admin, &json!({"capacity": 150})).await.status(), 200);
        assert_eq!(app.patch_json(&path, &app.admin, &json!({"closed": true})).await.status(), 200);
        let changed = one(&app, "group.changed").await;
        assert_eq!((changed["before"]["capacity"].as_i64(), changed["after"]["capacity"].as_i64()), (Some(200), Some(150)));
        let closed = one(&app, "group.closed").await;
        assert_eq!((closed["before"]["closed"].as_bool(), closed["after"]["closed"].as_bool()), (Some(false), Some(true)));
        assert_eq!(closed["subject"], id);

        let codes = app.api.post(app.url("/api/v1/campaigns/tea/coupon-pools/welcome/codes"))
            .bearer_auth(&app.admin).header("content-type", "text/plain").body("SECRET-CODE-1\nSECRET-CODE-2\n")
            .send().await.unwrap();
        assert_eq!(codes.status(), 200);
        let imported = one(&app, "coupons.imported").await;
        assert_eq!((imported["subject"].as_str(), imported["after"]["imported"].as_i64()), (Some("welcome"), Some(2)));
        assert!(!imported.to_string().contains("SECRET-CODE"), "the codes are worth money: {imported}");

        let seeds = app.post_json("/api/v1/campaigns/tea/seeds", &app.admin, &json!({"channel": "staff", "count": 2})).await;
        assert_eq!(seeds.status(), 201);
        assert_eq!(one(&app, "seeds.created").await["after"]["codes"].as_array().unwrap().len(), 2);

        inviter_with_friends(&app, 1, 2).await;
        run_jobs(&app).await;
        let payout: Value = app.post_json("/api/v1/campaigns/tea/payouts", &app.admin, &json!({})).await.json().await.unwrap();
        let created = one(&app, "payout.created").await;
        assert_eq!((created["subject"].as_str(), created["after"]["total"].as_i64()), (payout["id"].as_str(), Some(200)));
        let lines = app.get_as(&format!("/api/v1/payouts/{}.csv", payout["id"].as_str().unwrap()), &app.admin).await.text().await.unwrap();
        let grant = lines.lines().nth(1).unwrap().split(',').nth(2).unwrap().to_owned();
        let results = json!([{"grant_id": grant, "status": "paid", "provider_ref": "wx-1"}]);
        app.post_json(&format!("/api/v1/payouts/{}/results", payout["id"].as_str().unwrap()), &app.admin, &results).await;
        assert_eq!(one(&app, "payout.results").await["after"]["paid"], 1);
        // Nothing here happened outside the campaign but the upload.
        let outside: Vec<Value> = audit(&app, "").await.into_iter().filter(|e| e["campaign"].is_null()).collect();
        assert!(outside.iter().all(|e| e["action"] == "asset.uploaded" || e["action"] == "token.created"), "{outside:?}");
    }

    async fn tokens_are_recorded_and_their_secret_never_is(app: TestApp) {
        let (secret, id) = token_with_id(&app, "ci robot", "viewer").await;
        let created = audit(&app, "action=token.created").await;
        // The test's own admin token was made at start-up, by the system, not over the API.
        assert_eq!(created.len(), 2);
        assert_eq!(created[1]["actor"]["kind"], "system");
        let created = &created[0];
        assert_eq!(created["actor"]["kind"], "token");
        assert_eq!(created["subject"], id.as_str());
        assert_eq!((created["after"]["name"].as_str(), created["after"]["role"].as_str()), (Some("ci robot"), Some("viewer")));
        assert!(created["campaign"].is_null());
        for _ in 0..2 {
            let revoked = app.api.delete(app.url(&format!("/api/v1/tokens/{id}"))).bearer_auth(&app.admin).send().await.unwrap();
            assert_eq!(revoked.status(), 200);
        }
        let revoked = one(&app, "token.revoked").await;
        assert!(revoked["before"]["revoked_at"].is_null());
        assert!(revoked["after"]["revoked_at"].is_string());
        let everything = app.get_as("/api/v1/audit?limit=500", &app.admin).await.text().await.unwrap();
        assert!(!everything.contains(&secret), "a token's secret is in the audit log");
        assert!(!everything.contains(&app.admin), "the admin's secret is in the audit log");
    }

    async fn the_log_is_paged_newest_first_and_filtered(app: TestApp) {
        let (marketer, marketer_id) = token_with_id(&app, "m", "marketer").await;
        for i in 0..7 {
            let token = if i % 2 == 0 { &app.admin } else { &marketer };
            let body = json!({"slug": format!("c{i}"), "title": "t"});
            assert_eq!(app.post_json("/api/v1/campaigns", token, &body).await.status(), 201);
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = "/api/v1/audit?action=campaign.created&limit=3".to_owned();
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page: Value = app.get_as(&path, &app.admin).await.json().await.unwrap();
            let entries = page["entries"].as_array().unwrap();
            assert!(entries.len() <= 3);
            seen.extend(entries.iter().map(|e| e["campaign"].as_str().unwrap().to_owned()));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        let newest_first: Vec<String> = (0..7).rev().map(|i| format!("c{i}")).collect();
        assert_eq!(seen, newest_first);

        let theirs = audit(&app, &format!("actor={marketer_id}")).await;
        assert_eq!(theirs.len(), 3);
        assert!(theirs.iter().all(|e| e["actor"]["id"] == marketer_id.as_str()));
        assert_eq!(audit(&app, "campaign=c3").await.len(), 1);
        let later = (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        assert!(audit(&app, &format!("since={later}")).await.is_empty());
        assert_eq!(audit(&app, &format!("action=campaign.created&until={later}")).await.len(), 7);

        let bad = app.get_as("/api/v1/audit?cursor=nonsense", &app.admin).await;
        assert_eq!(bad.status(), 400);
        assert_eq!(error_code(bad).await, "invalid_query");
        assert_eq!(app.get_as("/api/v1/audit?since=yesterday", &app.admin).await.status(), 400);
    }

    async fn only_admins_read_the_log(app: TestApp) {
        for role in ["marketer", "finance", "viewer"] {
            let token = app.token(role).await;
            let response = app.get_as("/api/v1/audit", &token).await;
            assert_eq!(response.status(), 403, "{role}");
            assert_eq!(error_code(response).await, "forbidden");
        }
        assert_eq!(app.api.get(app.url("/api/v1/audit")).send().await.unwrap().status(), 401);
    }
}

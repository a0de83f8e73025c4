//! Money defects of issue 8: a revoked grant is never paid after its line fails, a
//! campaign ended by its status awards its leaderboard, the journal and a reconciliation
//! that checks it, and coupon-pool and stock races across two servers.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{mobile, spawn_second, TestApp};
use crate::rewards::{code, detail, inviter_with_friends, rules_campaign, run_jobs};
use fission::participants::qualification;

async fn reconciliation(app: &TestApp) -> Value {
    let rec = app
        .get_as("/api/v1/campaigns/tea/reconciliation", &app.admin)
        .await;
    assert_eq!(rec.status(), 200);
    rec.json().await.unwrap()
}

/// Flags the friend with this phone in campaign `tea` for review, as a fraud rule would.
pub(crate) async fn flag_friend(app: &TestApp, phone: &str) {
    let campaign = fission::campaigns::store::by_slug(&app.state.db, "tea")
        .await
        .unwrap()
        .unwrap();
    let friend = fission::participants::store::by_phone(&app.state.db, &campaign.id, phone)
        .await
        .unwrap()
        .unwrap();
    qualification::on_flagged(
        &app.state.db,
        &friend.id,
        "manual_review",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
}

/// Runs the reward jobs three times on each server, all at once.
async fn race_jobs(app: &TestApp, second: &TestApp) {
    let now = chrono::Utc::now();
    let runs = (0..6).map(|i| {
        let state = if i % 2 == 0 {
            app.state.clone()
        } else {
            second.state.clone()
        };
        async move { fission::jobs::run_once(&state, now).await.unwrap() }
    });
    futures_util::future::join_all(runs).await;
    run_jobs(app).await;
}

/// `n` inviters with one friend each, the joins split over both servers.
async fn pairs_on_two_servers(app: &TestApp, second: &TestApp, n: u32) {
    let mut inviters = Vec::new();
    for i in 0..n {
        inviters.push(app.join_ok("tea", &mobile(5000 + i), None).await);
    }
    let joins = inviters.iter().enumerate().map(|(i, inviter)| async move {
        let server = if i % 2 == 0 { app } else { second };
        server
            .join_ok("tea", &mobile(6000 + i as u32), Some(code(inviter)))
            .await
    });
    futures_util::future::join_all(joins).await;
}

both_backends! {
    async fn a_grant_revoked_in_a_batch_whose_payment_fails_is_never_paid(app: TestApp) {
        app.create_campaign(rules_campaign(json!([{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}}]), 1000)).await;
        let (inviter, _) = inviter_with_friends(&app, 1, 1).await;
        run_jobs(&app).await;
        let batch: Value = app.post_json("/api/v1/campaigns/tea/payouts", &app.admin, &json!({})).await.json().await.unwrap();
        assert_eq!(batch["count"], 1);
        flag_friend(&app, &mobile(2)).await;
        run_jobs(&app).await;
        let grant = detail(&app, code(&inviter)).await["grants"][0].clone();
        assert_eq!((grant["status"].as_str(), grant["flag"].as_str()), (Some("paying"), Some("revoked_after_payment")));
        let results = json!([{"grant_id": grant["grant_id"], "status": "failed", "provider_ref": "wx-1"}]);
        let out: Value = app.post_json(&format!("/api/v1/payouts/{}/results", batch["id"].as_str().unwrap()), &app.admin, &results).await.json().await.unwrap();
        assert_eq!(out["failed"], 1);
        let grant = detail(&app, code(&inviter)).await["grants"][0].clone();
        assert_eq!(grant["status"], "revoked", "a revoked grant whose payment failed stays revoked");
        let next: Value = app.post_json("/api/v1/campaigns/tea/payouts", &app.admin, &json!({})).await.json().await.unwrap();
        assert_eq!(next["count"], 0, "and is never paid in a later batch");
        let campaign: Value = app.get_as("/api/v1/campaigns/tea", &app.admin).await.json().await.unwrap();
        assert_eq!(campaign["budget"]["granted"], 0, "its amount went back to the budget");
        let rec = reconciliation(&app).await;
        assert_eq!((rec["granted"].as_i64(), rec["unpaid"].as_i64(), rec["revoked"].as_i64()), (Some(100), Some(0), Some(100)));
        assert_eq!(rec["balanced"], true, "{rec}");
        assert_eq!(rec["flagged_grants"], json!([]));
    }

    async fn a_campaign_ended_by_its_status_awards_its_leaderboard_after_the_hold(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": false, "hold_hours": 1},
            "rules": [{"id": "lb", "kind": "leaderboard", "top": 1, "reward": {"type": "physical", "sku": "set", "stock": 1}}]})).await;
        let (first, _) = inviter_with_friends(&app, 1, 2).await;
        let (second, _) = inviter_with_friends(&app, 100, 1).await;
        let later = chrono::Utc::now() + chrono::Duration::hours(2);
        fission::jobs::run_once(&app.state, later).await.unwrap();
        assert_eq!(detail(&app, code(&first)).await["grants"], json!([]), "nothing while it runs");
        let ended = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"status": "ended"})).await;
        assert_eq!(ended.status(), 200);
        run_jobs(&app).await;
        assert_eq!(detail(&app, code(&first)).await["grants"], json!([]), "nothing before the hold has run");
        let later = chrono::Utc::now() + chrono::Duration::hours(2);
        fission::jobs::run_once(&app.state, later).await.unwrap();
        fission::jobs::run_once(&app.state, later).await.unwrap();
        let grants = detail(&app, code(&first)).await["grants"].clone();
        assert_eq!(grants.as_array().map(Vec::len), Some(1), "the end is when it was ended: {grants}");
        assert_eq!(grants[0]["reason"], "rank:1");
        assert_eq!(detail(&app, code(&second)).await["grants"], json!([]));
    }

    async fn the_journal_lists_every_entry_and_reconciliation_checks_it(app: TestApp) {
        app.create_campaign(rules_campaign(json!([{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}}]), 10_000)).await;
        let (inviter, _) = inviter_with_friends(&app, 1, 2).await;
        run_jobs(&app).await;
        let batch: Value = app.post_json("/api/v1/campaigns/tea/payouts", &app.admin, &json!({})).await.json().await.unwrap();
        let rec = reconciliation(&app).await;
        assert_eq!((rec["balanced"].as_bool(), rec["payout_results"]["pending"].as_i64()), (Some(true), Some(200)), "in a batch: {rec}");
        let grants = detail(&app, code(&inviter)).await["grants"].clone();
        let (paid, failed) = (grants[0]["grant_id"].as_str().unwrap(), grants[1]["grant_id"].as_str().unwrap());
        let results = json!([{"grant_id": paid, "status": "paid", "provider_ref": "=1+2"}, {"grant_id": failed, "status": "failed", "provider_ref": "wx-2"}]);
        app.post_json(&format!("/api/v1/payouts/{}/results", batch["id"].as_str().unwrap()), &app.admin, &results).await;
        let marketer = app.token("marketer").await;
        assert_eq!(app.get_as("/api/v1/campaigns/tea/journal.csv", &marketer).await.status(), 403);
        let finance = app.token("finance").await;
        let journal = app.get_as("/api/v1/campaigns/tea/journal.csv", &finance).await;
        assert_eq!(journal.status(), 200);
        let text = journal.text().await.unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), "\u{feff}at,grant_id,participant_code,phone_masked,kind,amount,actor,note");
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        let kinds: Vec<&str> = rows.iter().map(|r| r[4]).collect();
        assert_eq!(kinds, vec!["granted", "granted", "batched", "batched", "paid", "failed"], "{text}");
        assert!(rows.iter().all(|r| r[3] == "139****0001" && r[2] == code(&inviter)));
        assert!(!text.contains(&mobile(1)), "phones are masked");
        let paid_row = rows.iter().find(|r| r[4] == "paid").unwrap();
        assert_eq!((paid_row[1], paid_row[5], paid_row[7]), (paid, "100", "'=1+2"), "formulas are neutralised");
        let rec = reconciliation(&app).await;
        assert_eq!(rec["balanced"], true, "{rec}");
        assert_eq!(rec["journal"], json!({"granted": 200, "revoked": 0, "paid": 100, "failed": 100}));
        assert_eq!(rec["payout_results"], json!({"pending": 0, "paid": 100, "failed": 100}));
        assert_eq!(rec["imbalances"], json!([]));
        // A grant marked paid without the journal or a payout result knowing of it.
        let failed_id = failed.to_owned();
        fission::with_db!(&*app.state.db, write, |pool| {
            sqlx::query("UPDATE grants SET status = 'paid' WHERE id = $1").bind(&failed_id).execute(pool).await.unwrap();
        });
        let rec = reconciliation(&app).await;
        assert_eq!(rec["balanced"], false, "{rec}");
        assert_eq!((rec["paid"].as_i64(), rec["journal"]["paid"].as_i64()), (Some(200), Some(100)));
        let problems: Vec<&str> = rec["imbalances"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert_eq!(problems, vec!["paid: grants vs journal: 200 != 100", "paid: grants vs payout results: 200 != 100"]);
    }

    async fn two_servers_racing_on_a_coupon_pool_give_each_code_once(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "rules": [{"id": "wb", "kind": "invitee_bonus", "reward": {"type": "coupon", "pool": "welcome"}}]})).await;
        let codes: Vec<String> = (0..5).map(|i| format!("CODE-{i}")).collect();
        let imported: Value = app.api.post(app.url("/api/v1/campaigns/tea/coupon-pools/welcome/codes")).bearer_auth(&app.admin)
            .header("content-type", "text/plain").body(codes.join("\n")).send().await.unwrap().json().await.unwrap();
        assert_eq!(imported["available"], 5);
        let second = spawn_second(&app, &[]).await;
        pairs_on_two_servers(&app, &second, 12).await;
        race_jobs(&app, &second).await;
        let mut given = Vec::new();
        for i in 0..12 {
            let friend = app.get_as(&format!("/api/v1/campaigns/tea/participants/{}", friend_code(&app, 6000 + i).await), &app.admin).await;
            let friend: Value = friend.json().await.unwrap();
            for g in friend["grants"].as_array().unwrap() {
                given.push(g["coupon_code"].as_str().unwrap().to_owned());
            }
        }
        given.sort();
        assert_eq!(given, codes, "12 friends, 5 codes: each code given once, none twice");
        let stats = app.stats("tea").await;
        assert_eq!((stats["rewards"][0]["granted"].as_i64(), stats["rewards"][0]["remaining"].as_i64()), (Some(5), Some(0)));
    }

    async fn two_servers_racing_on_physical_stock_give_exactly_the_stock(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "rules": [{"id": "box", "kind": "milestone", "invites": 1,
            "reward": {"type": "physical", "sku": "tea-box", "stock": 3}}]})).await;
        let second = spawn_second(&app, &[]).await;
        pairs_on_two_servers(&app, &second, 12).await;
        race_jobs(&app, &second).await;
        let mut winners = 0;
        for i in 0..12 {
            let inviter: Value = app.get_as(&format!("/api/v1/campaigns/tea/participants/{}", friend_code(&app, 5000 + i).await), &app.admin).await.json().await.unwrap();
            winners += inviter["grants"].as_array().unwrap().len();
        }
        assert_eq!(winners, 3, "12 inviters reach the milestone; the stock of 3 goes to exactly 3");
        let stats = app.stats("tea").await;
        assert_eq!((stats["rewards"][0]["granted"].as_i64(), stats["rewards"][0]["remaining"].as_i64()), (Some(3), Some(0)));
        assert_eq!(stats["rewards"][0]["exhausted"], true);
    }
}

/// The invite code of the participant with `mobile(n)`.
async fn friend_code(app: &TestApp, n: u32) -> String {
    let campaign = fission::campaigns::store::by_slug(&app.state.db, "tea")
        .await
        .unwrap()
        .unwrap();
    fission::participants::store::by_phone(&app.state.db, &campaign.id, &mobile(n))
        .await
        .unwrap()
        .unwrap()
        .code
        .to_string()
}

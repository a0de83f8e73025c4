use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{error_code, mobile, spawn_second, TestApp};
use fission::participants::qualification;

pub(crate) async fn run_jobs(app: &TestApp) {
    fission::jobs::run_once(&app.state, chrono::Utc::now())
        .await
        .unwrap();
}

pub(crate) async fn detail(app: &TestApp, code: &str) -> Value {
    app.get_as(
        &format!("/api/v1/campaigns/tea/participants/{code}"),
        &app.admin,
    )
    .await
    .json()
    .await
    .unwrap()
}

pub(crate) fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap()
}

/// An inviter and `n` friends who qualify at once.
pub(crate) async fn inviter_with_friends(
    app: &TestApp,
    first_phone: u32,
    n: u32,
) -> (Value, Vec<Value>) {
    let inviter = app.join_ok("tea", &mobile(first_phone), None).await;
    let mut friends = Vec::new();
    for i in 1..=n {
        friends.push(
            app.join_ok("tea", &mobile(first_phone + i), Some(code(&inviter)))
                .await,
        );
    }
    (inviter, friends)
}

pub(crate) fn rules_campaign(rules: Value, budget: i64) -> Value {
    json!({"slug": "tea", "title": "t", "budget": {"amount": budget}, "rules": rules})
}

both_backends! {
    async fn each_rule_kind_grants_once_however_often_the_engine_runs(app: TestApp) {
        app.create_campaign(rules_campaign(json!([
            {"id": "m3", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 500}},
            {"id": "pi", "kind": "per_invite", "max_per_inviter": 2, "reward": {"type": "cash", "amount": 100}},
            {"id": "wb", "kind": "invitee_bonus", "reward": {"type": "points", "points": 50}}
        ]), 100_000)).await;
        let (inviter, friends) = inviter_with_friends(&app, 1, 3).await;
        for _ in 0..3 {
            run_jobs(&app).await;
        }
        let grants = detail(&app, code(&inviter)).await["grants"].as_array().unwrap().clone();
        let mut kinds: Vec<(String, i64)> = grants.iter().map(|g| (g["rule_id"].as_str().unwrap().to_owned(), g["amount"].as_i64().unwrap())).collect();
        kinds.sort();
        assert_eq!(kinds, vec![("m3".into(), 500), ("pi".into(), 100), ("pi".into(), 100)], "the cap holds per_invite at 2");
        for f in &friends {
            let g = detail(&app, code(f)).await["grants"].clone();
            assert_eq!(g.as_array().unwrap().len(), 1);
            assert_eq!(g[0]["reward_type"], "points");
            assert_eq!(g[0]["status"], "granted");
        }
        let stats = app.stats("tea").await;
        assert_eq!(stats["grants"], 6);
        assert_eq!(stats["granted_amount"], 700);
        let campaign: Value = app.get_as("/api/v1/campaigns/tea", &app.admin).await.json().await.unwrap();
        assert_eq!(campaign["budget"]["granted"], 700);
    }

    async fn the_budget_is_never_passed_and_exhaustion_is_visible(app: TestApp) {
        app.create_campaign(rules_campaign(json!([{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}}]), 250)).await;
        inviter_with_friends(&app, 1, 4).await;
        run_jobs(&app).await;
        let stats = app.stats("tea").await;
        assert_eq!(stats["granted_amount"], 200);
        assert_eq!(stats["budget_remaining"], 50);
        assert_eq!(stats["rewards"][0]["exhausted"], true);
        let campaign: Value = app.get_as("/api/v1/campaigns/tea", &app.admin).await.json().await.unwrap();
        assert_eq!(campaign["budget"]["remaining"], 50);
    }

    async fn coupon_codes_are_given_once_each_until_the_pool_runs_out(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "rules": [{"id": "wb", "kind": "invitee_bonus", "reward": {"type": "coupon", "pool": "welcome"}}]})).await;
        let url = app.url("/api/v1/campaigns/tea/coupon-pools/welcome/codes");
        let imported: Value = app.api.post(&url).bearer_auth(&app.admin).header("content-type", "text/plain").body("CODE-A\nCODE-B\n\nCODE-A\n").send().await.unwrap().json().await.unwrap();
        assert_eq!(imported, json!({"pool": "welcome", "imported": 2, "duplicates": 1, "available": 2}));
        let viewer = app.token("viewer").await;
        assert_eq!(app.api.post(&url).bearer_auth(&viewer).body("X").send().await.unwrap().status(), 403);
        assert_eq!(app.api.post(&url).bearer_auth(&app.admin).body("").send().await.unwrap().status(), 422);
        let (_, friends) = inviter_with_friends(&app, 1, 3).await;
        run_jobs(&app).await;
        let mut codes = Vec::new();
        for f in &friends {
            for g in detail(&app, code(f)).await["grants"].as_array().unwrap() {
                codes.push(g["coupon_code"].as_str().unwrap().to_owned());
            }
        }
        codes.sort();
        assert_eq!(codes, vec!["CODE-A", "CODE-B"], "two codes, two grants, never one code twice");
    }

    async fn physical_stock_runs_out_and_the_winner_gives_an_address(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "rules": [{"id": "box", "kind": "milestone", "invites": 1, "reward": {"type": "physical", "sku": "tea-box", "stock": 1, "name": "新茶礼盒"}}]})).await;
        let browser = crate::helpers::phone();
        let html = browser.get(app.url("/c/tea")).send().await.unwrap().text().await.unwrap();
        let csrf = crate::landing::csrf_from(&html);
        browser.post(app.url("/c/tea/join")).form(&[("phone", mobile(1).as_str()), ("consent", "yes"), ("csrf", csrf.as_str())]).send().await.unwrap();
        let mine = detail(&app, &fission::participants::store::by_phone(&app.state.db, &fission::campaigns::store::by_slug(&app.state.db, "tea").await.unwrap().unwrap().id, &mobile(1)).await.unwrap().unwrap().code).await;
        app.join_ok("tea", &mobile(2), Some(code(&mine))).await;
        let other = app.join_ok("tea", &mobile(3), None).await;
        app.join_ok("tea", &mobile(4), Some(code(&other))).await;
        run_jobs(&app).await;
        assert_eq!(detail(&app, code(&mine)).await["grants"].as_array().unwrap().len(), 1);
        assert_eq!(detail(&app, code(&other)).await["grants"].as_array().unwrap().len(), 0, "stock of one");
        let stats = app.stats("tea").await;
        assert_eq!(stats["rewards"][0]["remaining"], 0);
        assert_eq!(stats["rewards"][0]["exhausted"], true, "the marketer sees the stock is gone");
        let me = browser.get(app.url("/c/tea/me")).send().await.unwrap().text().await.unwrap();
        assert!(me.contains("name=\"address\""), "the winner is asked for an address");
        let csrf = crate::landing::csrf_from(&me);
        let saved = browser.post(app.url("/c/tea/me/shipping")).form(&[("name", "王小明"), ("phone", mobile(1).as_str()), ("address", "浙江省杭州市西湖区龙井路1号"), ("csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(saved.status(), 303);
        assert_eq!(detail(&app, code(&mine)).await["grants"][0]["shipping_given"], true);
        let me = browser.get(app.url("/c/tea/me")).send().await.unwrap().text().await.unwrap();
        assert!(me.contains("收货地址已提交"));
    }

    async fn leaving_inside_the_hold_earns_nothing(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": false, "hold_hours": 1},
            "budget": {"amount": 1000}, "rules": [{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}}]})).await;
        let (inviter, _) = inviter_with_friends(&app, 1, 2).await;
        let campaign = fission::campaigns::store::by_slug(&app.state.db, "tea").await.unwrap().unwrap();
        let leaver = fission::participants::store::by_phone(&app.state.db, &campaign.id, &mobile(2)).await.unwrap().unwrap();
        qualification::on_left(&app.state.db, &leaver.id, chrono::Utc::now()).await.unwrap();
        fission::jobs::run_once(&app.state, chrono::Utc::now() + chrono::Duration::hours(2)).await.unwrap();
        fission::jobs::run_once(&app.state, chrono::Utc::now() + chrono::Duration::hours(2)).await.unwrap();
        let grants = detail(&app, code(&inviter)).await["grants"].as_array().unwrap().clone();
        assert_eq!(grants.len(), 1, "only the friend who stayed counts");
    }

    async fn a_flag_after_the_grant_revokes_an_unpaid_grant_and_flags_a_paid_one(app: TestApp) {
        app.create_campaign(rules_campaign(json!([{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}}]), 1000)).await;
        let (inviter, _) = inviter_with_friends(&app, 1, 2).await;
        run_jobs(&app).await;
        let payout: Value = app.post_json("/api/v1/campaigns/tea/payouts", &app.admin, &json!({})).await.json().await.unwrap();
        let grants = detail(&app, code(&inviter)).await["grants"].as_array().unwrap().clone();
        let first = grants[0]["grant_id"].as_str().unwrap().to_owned();
        let results = app.post_json(&format!("/api/v1/payouts/{}/results", payout["id"].as_str().unwrap()), &app.admin,
            &json!([{"grant_id": first, "status": "paid", "provider_ref": "wx-1"}, {"grant_id": grants[1]["grant_id"], "status": "failed", "provider_ref": "wx-2"}])).await;
        assert_eq!(results.status(), 200);
        let campaign = fission::campaigns::store::by_slug(&app.state.db, "tea").await.unwrap().unwrap();
        for phone in [mobile(2), mobile(3)] {
            let friend = fission::participants::store::by_phone(&app.state.db, &campaign.id, &phone).await.unwrap().unwrap();
            qualification::on_flagged(&app.state.db, &friend.id, "manual_review", chrono::Utc::now()).await.unwrap();
        }
        run_jobs(&app).await;
        let grants = detail(&app, code(&inviter)).await["grants"].as_array().unwrap().clone();
        let by_id = |id: &str| grants.iter().find(|g| g["grant_id"] == id).unwrap().clone();
        assert_eq!(by_id(&first)["status"], "paid");
        assert_eq!(by_id(&first)["flag"], "revoked_after_payment");
        let other = grants.iter().find(|g| g["grant_id"] != first.as_str()).unwrap();
        assert_eq!(other["status"], "revoked");
        let rec: Value = app.get_as("/api/v1/campaigns/tea/reconciliation", &app.admin).await.json().await.unwrap();
        assert_eq!((rec["granted"].as_i64(), rec["paid"].as_i64(), rec["unpaid"].as_i64(), rec["revoked"].as_i64()), (Some(200), Some(100), Some(0), Some(100)));
        assert_eq!(rec["balanced"], true);
        assert_eq!(rec["flagged_grants"].as_array().unwrap().len(), 1);
        let c: Value = app.get_as("/api/v1/campaigns/tea", &app.admin).await.json().await.unwrap();
        assert_eq!(c["budget"]["granted"], 100, "the revoked 100 went back to the budget");
    }

    async fn payouts_pay_once_and_failed_lines_return_to_the_next_batch(app: TestApp) {
        app.create_campaign(rules_campaign(json!([{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 150}}]), 10_000)).await;
        inviter_with_friends(&app, 1, 3).await;
        run_jobs(&app).await;
        let finance = app.token("finance").await;
        let marketer = app.token("marketer").await;
        assert_eq!(app.post_json("/api/v1/campaigns/tea/payouts", &marketer, &json!({})).await.status(), 403);
        let batch = app.post_json("/api/v1/campaigns/tea/payouts", &finance, &json!({})).await;
        assert_eq!(batch.status(), 201);
        let batch: Value = batch.json().await.unwrap();
        assert_eq!((batch["count"].as_i64(), batch["total"].as_i64()), (Some(3), Some(450)));
        let id = batch["id"].as_str().unwrap().to_owned();
        let empty: Value = app.post_json("/api/v1/campaigns/tea/payouts", &finance, &json!({})).await.json().await.unwrap();
        assert_eq!(empty["count"], 0, "granted grants are in exactly one batch");
        let file = app.get_as(&format!("/api/v1/payouts/{id}.csv"), &finance).await;
        assert_eq!(file.status(), 200);
        let text = file.text().await.unwrap();
        assert!(text.starts_with('\u{feff}'));
        let grant_ids: Vec<String> = text.lines().skip(1).map(|l| l.split(',').nth(2).unwrap().to_owned()).collect();
        assert_eq!(grant_ids.len(), 3);
        assert!(text.contains("139****"));
        let first: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
        assert_eq!((first[7], first[8]), ("pending", ""), "150 fen is within WeChat's limits: {text}");
        let results = json!([
            {"grant_id": grant_ids[0], "status": "paid", "provider_ref": "p0"},
            {"grant_id": grant_ids[1], "status": "failed", "provider_ref": "p1"},
            {"grant_id": "nope", "status": "paid", "provider_ref": "p9"}
        ]);
        let out: Value = app.post_json(&format!("/api/v1/payouts/{id}/results"), &finance, &results).await.json().await.unwrap();
        assert_eq!((out["paid"].as_i64(), out["failed"].as_i64()), (Some(1), Some(1)));
        assert_eq!(out["mismatches"].as_array().unwrap().len(), 1);
        let again: Value = app.post_json(&format!("/api/v1/payouts/{id}/results"), &finance, &results).await.json().await.unwrap();
        assert_eq!((again["paid"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(2)), "replayed results change nothing");
        let contradiction: Value = app.post_json(&format!("/api/v1/payouts/{id}/results"), &finance, &json!([{"grant_id": grant_ids[0], "status": "failed"}])).await.json().await.unwrap();
        assert_eq!(contradiction["mismatches"].as_array().unwrap().len(), 1);
        let next: Value = app.post_json("/api/v1/campaigns/tea/payouts", &finance, &json!({})).await.json().await.unwrap();
        assert_eq!((next["count"].as_i64(), next["total"].as_i64()), (Some(1), Some(150)), "the failed line is paid in the next batch");
        let bad = app.post_json(&format!("/api/v1/payouts/{id}/results"), &finance, &json!([{"grant_id": "x", "status": "maybe"}])).await;
        assert_eq!(error_code(bad).await, "invalid_results");
        let rec: Value = app.get_as("/api/v1/campaigns/tea/reconciliation", &finance).await.json().await.unwrap();
        assert_eq!((rec["granted"].as_i64(), rec["paid"].as_i64(), rec["unpaid"].as_i64()), (Some(450), Some(150), Some(300)));
        assert_eq!(rec["balanced"], true);
        assert_eq!(rec["mismatches"].as_array().unwrap().len(), 1);
    }

    async fn the_ledger_exports_are_for_finance_masked_and_excel_ready(app: TestApp) {
        app.create_campaign(rules_campaign(json!([{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}}]), 10_000)).await;
        inviter_with_friends(&app, 1, 2).await;
        run_jobs(&app).await;
        let marketer = app.token("marketer").await;
        assert_eq!(app.get_as("/api/v1/campaigns/tea/ledger.csv", &marketer).await.status(), 403);
        let csv = app.get_as("/api/v1/campaigns/tea/ledger.csv", &app.admin).await;
        assert_eq!(csv.status(), 200);
        let text = csv.text().await.unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), "\u{feff}grant_id,participant_code,phone_masked,rule_id,reward_type,amount,currency,status,granted_at,paid_at,payout_id");
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].contains(",139****0001,pi,cash,100,CNY,granted,"));
        assert!(!text.contains(&mobile(1)));
        let xlsx = app.get_as("/api/v1/campaigns/tea/ledger.xlsx", &app.admin).await;
        assert_eq!(xlsx.status(), 200);
        let bytes = xlsx.bytes().await.unwrap();
        assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip");
        assert!(bytes.len() > 1000);
    }

    async fn the_leaderboard_pays_the_top_inviters_ties_going_to_who_got_there_first(app: TestApp) {
        let ends = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
        app.create_campaign(json!({"slug": "tea", "title": "t", "ends_at": ends,
            "rules": [{"id": "lb", "kind": "leaderboard", "top": 2, "reward": {"type": "physical", "sku": "set", "stock": 2}}]})).await;
        let (first, _) = inviter_with_friends(&app, 1, 2).await;
        let (second, _) = inviter_with_friends(&app, 100, 2).await;
        let (third, _) = inviter_with_friends(&app, 200, 1).await;
        let board: Value = app.get_as("/api/v1/campaigns/tea/leaderboard?limit=10", &app.admin).await.json().await.unwrap();
        let order: Vec<&str> = board.as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
        assert_eq!(order, vec![code(&first), code(&second), code(&third)]);
        assert_eq!(board[1]["rank"], 2);
        assert_eq!(board[1]["qualified_invites"], 2);
        assert_eq!(app.get_as("/api/v1/campaigns/tea/leaderboard?limit=0", &app.admin).await.status(), 400);
        run_jobs(&app).await;
        assert_eq!(detail(&app, code(&first)).await["grants"].as_array().unwrap().len(), 0, "nothing before the end");
        let after = chrono::Utc::now() + chrono::Duration::hours(2);
        fission::jobs::run_once(&app.state, after).await.unwrap();
        fission::jobs::run_once(&app.state, after).await.unwrap();
        assert_eq!(detail(&app, code(&first)).await["grants"][0]["reward_type"], "physical");
        assert_eq!(detail(&app, code(&second)).await["grants"].as_array().unwrap().len(), 1);
        assert_eq!(detail(&app, code(&third)).await["grants"].as_array().unwrap().len(), 0);
    }

    async fn two_servers_racing_on_many_qualified_invites_spend_exactly_the_budget(app: TestApp) {
        app.create_campaign(rules_campaign(json!([
            {"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}},
            {"id": "wb", "kind": "invitee_bonus", "reward": {"type": "cash", "amount": 50}}
        ]), 2_000)).await;
        let second = spawn_second(&app, &[]).await;
        let mut inviters = Vec::new();
        for i in 0..5 {
            inviters.push(app.join_ok("tea", &mobile(5000 + i), None).await);
        }
        let phones: Vec<(String, String)> = (0..60).map(|i| (mobile(6000 + i), code(&inviters[i as usize % 5]).to_owned())).collect();
        let joins = phones.iter().enumerate().map(|(i, (p, c))| if i % 2 == 0 { app.join_ok("tea", p, Some(c)) } else { second.join_ok("tea", p, Some(c)) });
        futures_util::future::join_all(joins).await;
        let now = chrono::Utc::now();
        let runs = (0..6).map(|i| {
            let state = if i % 2 == 0 { app.state.clone() } else { second.state.clone() };
            async move { fission::jobs::run_once(&state, now).await.unwrap() }
        });
        futures_util::future::join_all(runs).await;
        run_jobs(&app).await;
        let stats = app.stats("tea").await;
        assert_eq!(stats["granted_amount"], 2_000, "demand (60 x 150) far exceeds the budget: it is spent exactly");
        let campaign: Value = app.get_as("/api/v1/campaigns/tea", &app.admin).await.json().await.unwrap();
        assert_eq!(campaign["budget"]["granted"], 2_000);
        assert_eq!(campaign["budget"]["exhausted"], true);
        let rec: Value = app.get_as("/api/v1/campaigns/tea/reconciliation", &app.admin).await.json().await.unwrap();
        assert_eq!(rec["granted"], 2_000);
    }
}

crate::both_backends! {
    async fn the_ledger_refuses_changes_to_its_history(app: TestApp) {
        app.create_campaign(rules_campaign(json!([{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}}]), 1000)).await;
        inviter_with_friends(&app, 1, 1).await;
        run_jobs(&app).await;
        let changed: Result<_, sqlx::Error> = fission::with_db!(&*app.state.db, write, |pool| {
            sqlx::query("UPDATE ledger_entries SET amount = 1").execute(pool).await.map(|_| ())
        });
        assert!(changed.is_err(), "an UPDATE of the ledger must fail");
        let removed: Result<_, sqlx::Error> = fission::with_db!(&*app.state.db, write, |pool| {
            sqlx::query("DELETE FROM ledger_entries").execute(pool).await.map(|_| ())
        });
        assert!(removed.is_err(), "a DELETE from the ledger must fail");
    }
}

crate::both_backends! {
    async fn red_envelopes_outside_wechat_limits_are_flagged_in_the_batch(app: TestApp) {
        app.create_campaign(rules_campaign(json!([{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 50}}]), 1000)).await;
        inviter_with_friends(&app, 1, 1).await;
        run_jobs(&app).await;
        let batch: Value = app.post_json("/api/v1/campaigns/tea/payouts", &app.admin, &json!({})).await.json().await.unwrap();
        assert_eq!(batch["warnings"], 1);
        let text = app.get_as(&format!("/api/v1/payouts/{}.csv", batch["id"].as_str().unwrap()), &app.admin).await.text().await.unwrap();
        assert_eq!(text.lines().nth(1).unwrap().split(',').nth(8), Some("below_wechat_red_envelope_minimum"), "{text}");
    }
}

//! The counters behind the stats (issue 14) are kept by the database in the transactions
//! that change the rows: after joins, visits, group joins and leaves, fraud flags, reward
//! jobs and erasures racing on two servers, every counter equals a recount of the rows.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use futures_util::future::{join_all, BoxFuture, FutureExt};
use serde_json::{json, Value};

use crate::both_backends;
use crate::groups::{add_group, event, send_events};
use crate::helpers::{mobile, phone, spawn_second, TestApp};
use crate::money::flag_friend;
use crate::rewards::code;

type Counts = Vec<(String, String, String, i64)>;

/// (campaign, figure, bucket, count) of every non-zero counter, kept and recounted.
async fn campaign_counts(app: &TestApp) -> (Counts, Counts) {
    fission::with_db!(&*app.state.db, read, |pool| {
        let kept = sqlx::query_as(
            "SELECT campaign_id, figure, bucket, CAST(SUM(n) AS BIGINT) FROM campaign_counts \
             GROUP BY campaign_id, figure, bucket HAVING SUM(n) <> 0 ORDER BY 1, 2, 3",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        let recounted = sqlx::query_as(
            "SELECT * FROM ( \
             SELECT campaign_id, 'participants', channel, COUNT(*) FROM participants GROUP BY 1, 3 \
             UNION ALL SELECT campaign_id, 'leads', channel, COUNT(*) FROM participants WHERE kind = 'lead' GROUP BY 1, 3 \
             UNION ALL SELECT campaign_id, 'leads_on', created_day, COUNT(*) FROM participants WHERE kind = 'lead' GROUP BY 1, 3 \
             UNION ALL SELECT campaign_id, 'joined', channel, COUNT(*) FROM participants WHERE status IN ('joined', 'left') GROUP BY 1, 3 \
             UNION ALL SELECT campaign_id, 'generation', CAST(generation AS TEXT), COUNT(*) FROM participants GROUP BY 1, 3 \
             UNION ALL SELECT p.campaign_id, 'invited', i.channel, COUNT(*) FROM participants p \
                 JOIN participants i ON i.id = p.inviter_id GROUP BY 1, 3 \
             UNION ALL SELECT r.campaign_id, 'qualified', p.channel, COUNT(*) FROM referrals r \
                 JOIN participants p ON p.id = r.invitee_id WHERE r.state = 'qualified' GROUP BY 1, 3 \
             UNION ALL SELECT g.campaign_id, 'rewarded', p.channel, COUNT(DISTINCT g.participant_id) FROM grants g \
                 JOIN participants p ON p.id = g.participant_id WHERE g.status <> 'revoked' GROUP BY 1, 3 \
             UNION ALL SELECT g.campaign_id, 'holder_cash', p.channel, CAST(SUM(g.amount) AS BIGINT) FROM grants g \
                 JOIN participants p ON p.id = g.participant_id WHERE g.status <> 'revoked' AND g.reward_type = 'cash' GROUP BY 1, 3 \
             UNION ALL SELECT campaign_id, 'grants', rule_id, COUNT(*) FROM grants WHERE status <> 'revoked' GROUP BY 1, 3 \
             UNION ALL SELECT campaign_id, 'cash', rule_id, CAST(SUM(amount) AS BIGINT) FROM grants \
                 WHERE status <> 'revoked' AND reward_type = 'cash' GROUP BY 1, 3 \
             UNION ALL SELECT campaign_id, 'paid_cash', rule_id, CAST(SUM(amount) AS BIGINT) FROM grants \
                 WHERE status = 'paid' AND reward_type = 'cash' GROUP BY 1, 3 \
             UNION ALL SELECT campaign_id, 'group_joined', group_id, COUNT(*) FROM group_assignments \
                 WHERE joined_at IS NOT NULL GROUP BY 1, 3 \
             ) c ORDER BY 1, 2, 3",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        (kept, recounted)
    })
}

type Quarters = BTreeMap<(String, i64), [i64; 5]>;

/// (campaign, quarter hour) -> [first joins, kept 1, 7 and 30 days, qualified], kept and
/// recounted from the memberships and referrals.
async fn quarter_hours(app: &TestApp) -> (Quarters, Quarters) {
    type Row = (String, i64, i64, i64, i64, i64, i64);
    type Qualified = (String, i64, i64);
    let (kept, joins, qualified): (Vec<Row>, Vec<Row>, Vec<Qualified>) = fission::with_db!(
        &*app.state.db,
        read,
        |pool| {
            let kept = sqlx::query_as(
                "SELECT campaign_id, quarter, CAST(SUM(first_joins) AS BIGINT), CAST(SUM(kept_1d) AS BIGINT), \
                 CAST(SUM(kept_7d) AS BIGINT), CAST(SUM(kept_30d) AS BIGINT), CAST(SUM(qualified) AS BIGINT) \
                 FROM quarter_hour_counts GROUP BY 1, 2",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            let kept_for = |days: i64| {
                format!("CAST(SUM(CASE WHEN still_in = 1 OR last_left >= first_join + {} THEN 1 ELSE 0 END) AS BIGINT)", days * 86_400_000)
            };
            let joins = sqlx::query_as(&format!(
                "SELECT campaign_id, CAST(first_join / 900000 AS BIGINT), CAST(COUNT(*) AS BIGINT), {}, {}, {}, CAST(0 AS BIGINT) \
                 FROM (SELECT campaign_id, MIN(joined_at) AS first_join, MAX(CASE WHEN state = 'joined' THEN 1 ELSE 0 END) AS still_in, \
                              MAX(left_at) AS last_left \
                       FROM group_assignments WHERE joined_at IS NOT NULL GROUP BY participant_id, campaign_id) s GROUP BY 1, 2",
                kept_for(1),
                kept_for(7),
                kept_for(30)
            ))
            .fetch_all(pool)
            .await
            .unwrap();
            let qualified = sqlx::query_as(
                "SELECT campaign_id, CAST(qualified_at / 900000 AS BIGINT), COUNT(*) FROM referrals \
                 WHERE state = 'qualified' AND qualified_at IS NOT NULL GROUP BY 1, 2",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            (kept, joins, qualified)
        }
    );
    let add = |map: &mut Quarters, (campaign, quarter, a, b, c, d, e): Row| {
        let slot = map.entry((campaign, quarter)).or_default();
        for (s, n) in slot.iter_mut().zip([a, b, c, d, e]) {
            *s += n;
        }
    };
    let mut kept_map = Quarters::new();
    kept.into_iter().for_each(|r| add(&mut kept_map, r));
    kept_map.retain(|_, counts| counts.iter().any(|n| *n != 0));
    let mut recounted = Quarters::new();
    joins.into_iter().for_each(|r| add(&mut recounted, r));
    for (campaign, quarter, n) in qualified {
        add(&mut recounted, (campaign, quarter, 0, 0, 0, 0, n));
    }
    (kept_map, recounted)
}

pub(crate) type Paces = Vec<(String, i64, i64, i64)>;

/// (campaign, minute, referrals, inviters whose latest referral is in it), kept and
/// recounted, and each inviter's latest minute, kept and recounted.
pub(crate) async fn paces(
    app: &TestApp,
) -> ((Paces, Paces), (Vec<(String, i64)>, Vec<(String, i64)>)) {
    fission::with_db!(&*app.state.db, read, |pool| {
        let kept = sqlx::query_as(
            "SELECT campaign_id, minute, CAST(SUM(referrals) AS BIGINT), CAST(SUM(inviters) AS BIGINT) FROM referral_pace \
             GROUP BY 1, 2 HAVING SUM(referrals) <> 0 OR SUM(inviters) <> 0 ORDER BY 1, 2",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        let recounted = sqlx::query_as(
            "SELECT campaign_id, minute, CAST(SUM(r) AS BIGINT), CAST(SUM(i) AS BIGINT) FROM ( \
             SELECT campaign_id, created_at / 60000 AS minute, 1 AS r, 0 AS i FROM referrals \
             UNION ALL SELECT MIN(campaign_id), MAX(created_at) / 60000, 0, 1 FROM referrals GROUP BY inviter_id \
             ) x GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        let latest = sqlx::query_as("SELECT inviter_id, last_minute FROM inviter_pace ORDER BY 1")
            .fetch_all(pool)
            .await
            .unwrap();
        let latest_recounted = sqlx::query_as(
            "SELECT inviter_id, MAX(created_at) / 60000 FROM referrals GROUP BY inviter_id ORDER BY 1",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        ((kept, recounted), (latest, latest_recounted))
    })
}

async fn assert_paces_equal_a_recount(app: &TestApp) {
    let ((kept, recounted), (latest, latest_recounted)) = paces(app).await;
    assert!(!kept.is_empty());
    assert_eq!(kept, recounted);
    assert_eq!(latest, latest_recounted);
}

async fn assert_counters_equal_a_recount(app: &TestApp) {
    assert_paces_equal_a_recount(app).await;
    let (kept, recounted) = campaign_counts(app).await;
    assert!(kept.iter().any(|c| c.1 == "rewarded"), "{kept:?}");
    assert_eq!(kept, recounted);
    let (kept, recounted) = quarter_hours(app).await;
    assert!(kept.values().any(|c| c[0] > 0 && c[4] == 0), "{kept:?}");
    assert_eq!(kept, recounted);
}

async fn erase(app: &TestApp, who: &Value) {
    let response = app
        .api
        .request(
            reqwest::Method::DELETE,
            app.url(&format!("/api/v1/campaigns/tea/participants/{}", code(who))),
        )
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

both_backends! {
    async fn every_counter_equals_a_recount_after_racing_joins_visits_flags_jobs_and_erasures(app: TestApp) {
        let second = spawn_second(&app, &[]).await;
        app.create_campaign(json!({"slug": "tea", "title": "t", "status": "active",
            "qualification": {"require_group_join": true, "hold_hours": 0},
            "budget": {"amount": 100_000},
            "rules": [{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}}]})).await;
        let group = add_group(&app, "tea", "1群", 500).await;
        let seeds: Value = app.post_json("/api/v1/campaigns/tea/seeds", &app.admin, &json!({"channel": "staff", "count": 2}))
            .await.json().await.unwrap();
        let seeds = seeds.as_array().unwrap().clone();
        // Friends of the seeds and of each other join through both servers at once.
        let friends: Vec<Value> = join_all((0..16u32).map(|i| {
            let server = if i % 2 == 0 { &app } else { &second };
            let inviter = seeds[i as usize % 2].clone();
            async move { server.join_ok("tea", &mobile(100 + i), Some(code(&inviter))).await }
        }))
        .await;

        let now = Utc::now();
        let at = |hours: i64| (now - Duration::hours(hours)).to_rfc3339();
        let joined = |i: usize| event(&format!("in-{i}"), "member_joined", &group, json!({"participant_code": code(&friends[i])}), &at(24 * 40 - 7 * i as i64));
        let left = |i: usize| event(&format!("out-{i}"), "member_left", &group, json!({"participant_code": code(&friends[i])}), &at(24 * 30 - 5 * i as i64));
        let mut work: Vec<BoxFuture<'_, ()>> = Vec::new();
        for (n, server) in [&app, &second].into_iter().enumerate() {
            let batch: Vec<Value> = (0..12).filter(|i| i % 2 == n).map(joined).collect();
            work.push(async move { assert_eq!(send_events(server, json!(batch)).await.status(), 200); }.boxed());
            let leaves: Vec<Value> = (0..6).filter(|i| i % 2 == n).map(left).collect();
            work.push(async move { assert_eq!(send_events(server, json!(leaves)).await.status(), 200); }.boxed());
            // Newcomers, some by a channel of their own, and their friends.
            work.push(async move {
                for k in 0..3u32 {
                    let lead = server.join_ok("tea", &mobile(500 + 10 * n as u32 + k), None).await;
                    server.join_ok("tea", &mobile(600 + 10 * n as u32 + k), Some(code(&lead))).await;
                }
            }.boxed());
            work.push(async move {
                let browser = phone();
                for ch in ["staff", "outlet", "staff"] {
                    browser.get(server.url(&format!("/c/tea?ch={ch}"))).send().await.unwrap();
                }
            }.boxed());
            work.push(async move {
                for _ in 0..3 {
                    fission::jobs::run_once(&server.state, Utc::now()).await.unwrap();
                }
            }.boxed());
        }
        for i in [1, 4, 7, 13] {
            let app = &app;
            work.push(async move { flag_friend(app, &mobile(100 + i)).await }.boxed());
        }
        for i in [2, 9, 14] {
            let (app, friend) = (&app, friends[i].clone());
            work.push(async move { erase(app, &friend).await }.boxed());
        }
        join_all(work).await;
        // Late joins of those the racing leaves came too early for, and the jobs again.
        let late = send_events(&second, json!((12..16).map(joined).collect::<Vec<_>>())).await;
        assert_eq!(late.status(), 200);
        join_all([&app, &second].map(|s| async move {
            s.state.visits.flush().await;
            fission::jobs::run_once(&s.state, Utc::now()).await.unwrap();
        }))
        .await;
        assert_counters_equal_a_recount(&app).await;

        // Revoking and paying move money between the counters too.
        flag_friend(&app, &mobile(100)).await;
        fission::jobs::run_once(&app.state, Utc::now()).await.unwrap();
        assert_counters_equal_a_recount(&app).await;
        let stats = app.stats("tea").await;
        assert_eq!(stats["leads"], 16 + 12, "{stats}");
        assert_eq!(stats["by_channel"].as_array().unwrap().iter().map(|c| c["participants"].as_i64().unwrap()).sum::<i64>(), 2 + 16 + 12);
    }
}

both_backends! {
    async fn the_pace_per_minute_equals_a_recount_when_referrals_arrive_out_of_order_and_at_once(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "status": "active"})).await;
        let db = &*app.state.db;
        let campaign = app.state.campaigns.get(db, "tea").await.unwrap().unwrap();
        let base = Utc::now().timestamp_millis() / 60_000 * 60_000 - 20 * 60_000;
        // Seven inviters and 84 friends; each friend's referral lands in one of twenty minutes,
        // in an order unrelated to its time, several rows to a statement, two statements at once.
        fission::with_db!(db, write, |pool| {
            sqlx::query(
                "INSERT INTO participants (id, campaign_id, code, phone, kind, status, created_at, created_day) \
                 SELECT 'pace-' || CAST(n AS TEXT), $1, 'PACE' || CAST(n AS TEXT), CAST(13900000000 + n AS TEXT), 'lead', 'lead', $2, '2026-12-06' \
                 FROM (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6) i",
            )
            .bind(&campaign.id)
            .bind(base)
            .execute(pool)
            .await
            .unwrap();
        });
        let referral = |k: i64| {
            let minute = (k * 7919) % 20;
            let inviter = if k % 3 == 0 { 0 } else { k % 7 };
            (format!("pace-friend-{k}"), format!("pace-{inviter}"), base + minute * 60_000 + k)
        };
        let chunk = |ks: Vec<i64>| {
            let campaign_id = campaign.id.clone();
            async move {
                let rows: Vec<(String, String, i64)> = ks.into_iter().map(referral).collect();
                let values: Vec<String> = (0..rows.len()).map(|j| format!("(${}, ${}, $1, 'pending', ${})", 3 * j + 2, 3 * j + 3, 3 * j + 4)).collect();
                let people: Vec<String> = (0..rows.len()).map(|j| format!("(${}, $1, ${}, ${}, 'lead', 'lead', ${}, '2026-12-06')", 4 * j + 2, 4 * j + 3, 4 * j + 4, 4 * j + 5)).collect();
                fission::with_db!(db, write, |pool| {
                    let mut tx = pool.begin().await.unwrap();
                    let sql = format!("INSERT INTO participants (id, campaign_id, code, phone, kind, status, created_at, created_day) VALUES {}", people.join(", "));
                    let mut q = sqlx::query(&sql).bind(&campaign_id);
                    for (id, _, at) in &rows {
                        q = q.bind(id).bind(id.replace("pace-friend-", "PF")).bind(format!("138{:08}", at % 100_000_000)).bind(*at);
                    }
                    q.execute(&mut *tx).await.unwrap();
                    let sql = format!("INSERT INTO referrals (invitee_id, inviter_id, campaign_id, state, created_at) VALUES {}", values.join(", "));
                    let mut q = sqlx::query(&sql).bind(&campaign_id);
                    for (id, inviter, at) in &rows {
                        q = q.bind(id).bind(inviter).bind(*at);
                    }
                    q.execute(&mut *tx).await.unwrap();
                    tx.commit().await.unwrap();
                });
            }
        };
        for round in 0..3i64 {
            let ks: Vec<i64> = (0..28).map(|j| round * 28 + j).collect();
            let (a, b) = ks.split_at(11);
            join_all([chunk(a.to_vec()), chunk(b.to_vec())]).await;
        }
        assert_paces_equal_a_recount(&app).await;
        let ((kept, _), _) = paces(&app).await;
        assert_eq!(kept.iter().map(|p| p.2).sum::<i64>(), 84);
        assert_eq!(kept.iter().map(|p| p.3).sum::<i64>(), 7);
        assert!(kept.len() > 10, "{kept:?}");

        // What the counts stand on cannot change under them.
        fission::with_db!(db, write, |pool| {
            for sql in [
                "UPDATE referrals SET created_at = created_at + 60000 WHERE invitee_id = 'pace-friend-1'",
                "UPDATE referrals SET inviter_id = 'pace-2' WHERE invitee_id = 'pace-friend-1'",
                "DELETE FROM referrals WHERE invitee_id = 'pace-friend-1'",
            ] {
                let refused = sqlx::query(sql).execute(pool).await.unwrap_err().to_string();
                assert!(refused.contains("referral_pace"), "{sql}: {refused}");
            }
            sqlx::query("UPDATE referrals SET state = 'cancelled' WHERE invitee_id = 'pace-friend-1'").execute(pool).await.unwrap();
        });
        assert_paces_equal_a_recount(&app).await;
    }
}

//! The per-inviter counts behind the leaderboard and a person's rank (issue 14) are kept
//! by the database in the transactions that change referrals: after joins racing on two
//! servers, fraud flags that cancel qualified referrals and holds settling, they equal a
//! recount of the referrals themselves, and the board reads them.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{mobile, spawn_second, TestApp};
use crate::money::flag_friend;
use crate::rewards::code;

/// `(inviter's code, qualified, reached_at)` for every inviter with a qualified referral,
/// once from the kept table and once recounted from the referrals.
async fn kept_and_recounted(app: &TestApp) -> (Vec<(String, i64, i64)>, Vec<(String, i64, i64)>) {
    fission::with_db!(&*app.state.db, read, |pool| {
        let kept = sqlx::query_as(
            "SELECT p.code, s.qualified, s.reached_at FROM inviter_standings s \
             JOIN participants p ON p.id = s.inviter_id WHERE s.qualified > 0 ORDER BY p.code",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        let recounted = sqlx::query_as(
            "SELECT p.code, COUNT(*), CAST(MAX(COALESCE(r.qualified_at, r.created_at)) AS BIGINT) \
             FROM referrals r JOIN participants p ON p.id = r.inviter_id \
             WHERE r.state = 'qualified' GROUP BY p.code ORDER BY p.code",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        (kept, recounted)
    })
}

async fn board(app: &TestApp) -> Vec<(String, i64)> {
    let board: Value = app
        .get_as("/api/v1/campaigns/tea/leaderboard?limit=50", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    board
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap().to_owned(),
                e["qualified_invites"].as_i64().unwrap(),
            )
        })
        .collect()
}

both_backends! {
    async fn the_kept_counts_equal_a_recount_after_racing_joins_flags_and_holds(app: TestApp) {
        let second = spawn_second(&app, &[]).await;
        app.create_campaign(json!({"slug": "tea", "title": "t"})).await;
        let inviters: Vec<Value> = futures_util::future::join_all(
            (0..4).map(|i| {
                let app = &app;
                async move { app.join_ok("tea", &mobile(100 + i), None).await }
            }),
        )
        .await;
        // Inviter i gets 6 - i friends, joining all at once through both servers.
        let joins = inviters.iter().enumerate().flat_map(|(i, inviter)| {
            let (app, second) = (&app, &second);
            (0..6 - i as u32).map(move |f| async move {
                let server = if f % 2 == 0 { app } else { second };
                server.join_ok("tea", &mobile(1000 + 10 * i as u32 + f), Some(code(inviter))).await
            })
        });
        futures_util::future::join_all(joins).await;
        let (kept, recounted) = kept_and_recounted(&app).await;
        assert_eq!(kept.len(), 4);
        assert_eq!(kept, recounted);
        let counts: Vec<i64> = board(&app).await.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, vec![6, 5, 4, 3]);

        // Flags cancel two of the first inviter's qualified friends and all three of the
        // last one's: the first drops to 4 (behind the second, who keeps 5), level with the
        // third, and the last leaves the board.
        flag_friend(&app, &mobile(1000)).await;
        flag_friend(&app, &mobile(1001)).await;
        for f in 0..3 {
            flag_friend(&app, &mobile(1030 + f)).await;
        }
        let (kept, recounted) = kept_and_recounted(&app).await;
        assert_eq!(kept, recounted);
        let now = board(&app).await;
        assert_eq!(now.len(), 3);
        assert_eq!(now[0], (code(&inviters[1]).to_owned(), 5));
        // The two at 4 joined at once, so which got there first is the race's to say: the
        // board must follow the kept moment, earlier first (then the code).
        let reached = |who: &Value| (kept.iter().find(|(c, _, _)| c == code(who)).unwrap().2, code(who).to_owned());
        let (a, b) = (&inviters[0], &inviters[2]);
        let (first, second) = if reached(a) <= reached(b) { (a, b) } else { (b, a) };
        assert_eq!(
            &now[1..],
            &[(code(first).to_owned(), 4), (code(second).to_owned(), 4)],
            "ties go to whoever got there first"
        );
        // The holds job has nothing to settle here, and running it changes nothing.
        fission::jobs::run_once(&app.state, chrono::Utc::now()).await.unwrap();
        assert_eq!(kept_and_recounted(&app).await.0, recounted);
    }

    async fn a_hold_that_settles_counts_when_it_qualifies(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t",
            "qualification": {"hold_hours": 1}})).await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        for f in 0..3 {
            app.join_ok("tea", &mobile(10 + f), Some(code(&inviter))).await;
        }
        assert!(board(&app).await.is_empty(), "nobody has qualified during the hold");
        let later = chrono::Utc::now() + chrono::Duration::hours(2);
        fission::jobs::run_once(&app.state, later).await.unwrap();
        let (kept, recounted) = kept_and_recounted(&app).await;
        assert_eq!(kept, recounted);
        assert_eq!(board(&app).await, vec![(code(&inviter).to_owned(), 3)]);
    }
}

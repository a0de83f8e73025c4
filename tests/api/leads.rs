use serde_json::{json, Value};

use crate::both_backends;
use crate::groups::{add_group, groups};
use crate::helpers::{error_code, mobile, spawn_app_with, spawn_second, Backend};

/// A table for probing the group commit: one row per job that stored.
async fn create_probe(db: &fission::db::Db) {
    db.write_tx(|tx| {
        Box::pin(async move {
            fission::on_tx!(tx, |c| sqlx::query(
                "CREATE TABLE batch_probe (n BIGINT PRIMARY KEY)"
            )
            .execute(c)
            .await
            .map(|_| ()))?;
            Ok::<_, sqlx::Error>(())
        })
    })
    .await
    .unwrap();
}

/// Write `n` of `outcomes` stored `n` unless `fails(n)`, and then failed on the probe's
/// key (a unique violation); the probe holds exactly the writes that did not fail.
async fn only_the_failing_failed(
    db: &fission::db::Db,
    outcomes: &[Result<i64, sqlx::Error>],
    fails: impl Fn(i64) -> bool,
) {
    for (n, outcome) in (0_i64..).zip(outcomes) {
        match outcome {
            Ok(stored) => assert!(!fails(n) && *stored == n, "write {n}"),
            Err(e) => assert!(
                fails(n) && fission::db::is_unique_violation(e),
                "write {n}: {e}"
            ),
        }
    }
    let expected: Vec<i64> = (0..outcomes.len() as i64).filter(|&n| !fails(n)).collect();
    assert_eq!(probed(db).await, expected);
}

/// The probe's rows in order.
async fn probed(db: &fission::db::Db) -> Vec<i64> {
    db.write_tx(|tx| {
        Box::pin(async move {
            fission::on_tx!(tx, |c| sqlx::query_scalar(
                "SELECT n FROM batch_probe ORDER BY n"
            )
            .fetch_all(c)
            .await)
        })
    })
    .await
    .unwrap()
}

both_backends! {
    async fn a_phone_becomes_a_participant_with_links(app: TestApp) {
        app.simple_campaign("tea").await;
        let response = app.join("tea", "+86 139-0000-0001", None).await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        let code = body["code"].as_str().unwrap();
        assert_eq!(code.len(), 10);
        assert_eq!(body["invite_url"], format!("https://fission.test/c/tea?ref={code}"));
        assert_eq!(body["poster_url"], format!("https://fission.test/c/tea/p/{code}.png"));
        assert_eq!(body["inviter"], Value::Null);
        assert_eq!(body["group"], Value::Null);
    }

    async fn the_same_phone_again_is_200_with_the_same_participant_and_no_new_credit(app: TestApp) {
        app.simple_campaign("tea").await;
        let a = app.join_ok("tea", &mobile(1), None).await;
        let b = app.join_ok("tea", &mobile(2), a["code"].as_str()).await;
        assert_eq!(b["inviter"], a["code"]);
        // Same number, differently written, through another inviter: nothing changes.
        let c = app.join_ok("tea", &mobile(3), None).await;
        let again = app.join("tea", &format!("+86 {}", mobile(2)), c["code"].as_str()).await;
        assert_eq!(again.status(), 200);
        let again: Value = again.json().await.unwrap();
        assert_eq!(again["code"], b["code"]);
        assert_eq!(again["inviter"], a["code"]);
        let detail: Value = app.get_as(&format!("/api/v1/campaigns/tea/participants/{}", a["code"].as_str().unwrap()), &app.admin).await.json().await.unwrap();
        assert_eq!(detail["invitees"].as_array().unwrap().len(), 1);
        assert_eq!(detail["qualified_invites"], 1);
        let c_detail: Value = app.get_as(&format!("/api/v1/campaigns/tea/participants/{}", c["code"].as_str().unwrap()), &app.admin).await.json().await.unwrap();
        assert_eq!(c_detail["invitees"], json!([]));
    }

    async fn bad_phones_and_missing_consent_are_422_and_store_nothing(app: TestApp) {
        app.simple_campaign("tea").await;
        let url = app.url("/api/v1/public/campaigns/tea/participants");
        for (body, code) in [
            (json!({"phone": "12345", "consent": true}), "invalid_phone"),
            (json!({"phone": "<script>", "consent": true}), "invalid_phone"),
            (json!({"consent": true}), "invalid_phone"),
            (json!({"phone": mobile(5), "consent": false}), "consent_required"),
            (json!({"phone": mobile(5), "consent": "yes"}), "consent_required"),
            (json!({"phone": mobile(5)}), "consent_required"),
            (json!({"phone": mobile(5), "consent": true, "channel": "a b<"}), "invalid_channel"),
            (json!({"phone": mobile(5), "consent": true, "name": "x".repeat(40)}), "invalid_name"),
        ] {
            let response = app.api.post(&url).json(&body).send().await.unwrap();
            assert_eq!(response.status(), 422, "{body}");
            assert_eq!(error_code(response).await, code, "{body}");
        }
        let response = app.api.post(&url).header("content-type", "application/json").body("{nope").send().await.unwrap();
        assert_eq!(response.status(), 400);
        let stats = app.stats("tea").await;
        assert_eq!(stats["leads"], 0);
    }

    async fn unknown_and_closed_campaigns_refuse_leads(app: TestApp) {
        assert_eq!(app.join("nope", &mobile(1), None).await.status(), 404);
        app.create_campaign(json!({"slug": "later", "title": "t", "starts_at": "2099-01-01T00:00:00Z"})).await;
        let response = app.join("later", &mobile(1), None).await;
        assert_eq!(response.status(), 409);
        assert_eq!(error_code(response).await, "campaign_not_open");
        app.create_campaign(json!({"slug": "over", "title": "t", "ends_at": "2020-01-01T00:00:00Z"})).await;
        assert_eq!(app.join("over", &mobile(1), None).await.status(), 409);
        app.create_campaign(json!({"slug": "draft", "title": "t", "status": "draft"})).await;
        assert_eq!(app.join("draft", &mobile(1), None).await.status(), 409);
    }

    async fn unknown_or_foreign_invite_codes_credit_nobody(app: TestApp) {
        app.simple_campaign("tea").await;
        app.simple_campaign("coffee").await;
        let other = app.join_ok("coffee", &mobile(1), None).await;
        let a = app.join_ok("tea", &mobile(2), other["code"].as_str()).await;
        assert_eq!(a["inviter"], Value::Null);
        let b = app.join_ok("tea", &mobile(3), Some("zzzzzzzzzz")).await;
        assert_eq!(b["inviter"], Value::Null);
    }

    async fn seeds_start_chains_and_their_friends_inherit_the_channel(app: TestApp) {
        app.simple_campaign("tea").await;
        let response = app.post_json("/api/v1/campaigns/tea/seeds", &app.admin, &json!({"channel": "staff-7", "count": 3, "names": ["小王"]})).await;
        assert_eq!(response.status(), 201);
        let seeds: Value = response.json().await.unwrap();
        let seeds = seeds.as_array().unwrap();
        assert_eq!(seeds.len(), 3);
        assert_eq!(seeds[0]["name"], "小王");
        assert_eq!(seeds[1]["name"], "staff-7-2");
        assert!(seeds[2]["poster_url"].as_str().unwrap().ends_with(".png"));
        let friend = app.join_ok("tea", &mobile(9), seeds[0]["code"].as_str()).await;
        let detail: Value = app.get_as(&format!("/api/v1/campaigns/tea/participants/{}", friend["code"].as_str().unwrap()), &app.admin).await.json().await.unwrap();
        assert_eq!(detail["channel"], "staff-7");
        assert_eq!(detail["generation"], 1);
        assert_eq!(detail["inviter"]["code"], seeds[0]["code"]);
        assert_eq!(detail["phone_masked"], "139****0009");
        for bad in [json!({"channel": "", "count": 1}), json!({"channel": "s", "count": 0}), json!({"channel": "s", "count": 5000})] {
            assert_eq!(app.post_json("/api/v1/campaigns/tea/seeds", &app.admin, &bad).await.status(), 422, "{bad}");
        }
    }

    async fn one_phone_sent_twenty_times_at_once_is_one_participant(app: TestApp) {
        app.simple_campaign("tea").await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let code = inviter["code"].as_str().unwrap().to_owned();
        let phone = mobile(2);
        let tries = (0..20).map(|_| app.join("tea", &phone, Some(&code)));
        let responses = futures_util::future::join_all(tries).await;
        let created = responses.iter().filter(|r| r.status() == 201).count();
        let repeated = responses.iter().filter(|r| r.status() == 200).count();
        assert_eq!((created, repeated), (1, 19));
        let stats = app.stats("tea").await;
        assert_eq!(stats["leads"], 2);
        assert_eq!(stats["qualified"], 1);
    }

    async fn many_friends_of_one_inviter_at_once_are_all_credited_once(app: TestApp) {
        app.simple_campaign("tea").await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let code = inviter["code"].as_str().unwrap().to_owned();
        let phones: Vec<String> = (0..40).map(|i| mobile(100 + i)).collect();
        let joins = phones.iter().map(|p| app.join("tea", p, Some(&code)));
        for response in futures_util::future::join_all(joins).await {
            assert_eq!(response.status(), 201);
        }
        let detail: Value = app.get_as(&format!("/api/v1/campaigns/tea/participants/{code}"), &app.admin).await.json().await.unwrap();
        assert_eq!(detail["qualified_invites"], 40);
    }

    async fn the_same_people_joining_on_two_servers_at_once_are_stored_once_with_one_seat_each(app: TestApp) {
        app.simple_campaign("tea").await;
        add_group(&app, "tea", "1群", 100).await;
        let second = spawn_second(&app, &[]).await;
        // Each phone is sent to both servers at once; the leads share group commits.
        let phones: Vec<String> = (0..30).map(|i| mobile(300 + i)).collect();
        let joins = phones.iter().flat_map(|p| [app.join("tea", p, None), second.join("tea", p, None)]);
        let mut answers = Vec::new();
        for response in futures_util::future::join_all(joins).await {
            let status = response.status().as_u16();
            answers.push((status, response.json::<Value>().await.unwrap()));
        }
        for pair in answers.chunks(2) {
            let mut statuses = [pair[0].0, pair[1].0];
            statuses.sort();
            assert_eq!(statuses, [200, 201], "one of the two is new: {pair:?}");
            assert_eq!(pair[0].1["code"], pair[1].1["code"], "the same participant");
            assert!(pair[0].1["group"]["id"].is_string(), "{pair:?}");
            assert_eq!(pair[0].1["group"]["id"], pair[1].1["group"]["id"], "the same seat");
        }
        assert_eq!(app.stats("tea").await["leads"], 30);
        assert_eq!(groups(&app, "tea").await[0]["reserved"], 30, "one seat each");
    }

    async fn leads_of_two_campaigns_at_once_fill_each_campaigns_groups_in_order(app: TestApp) {
        for slug in ["tea", "cake"] {
            app.simple_campaign(slug).await;
            add_group(&app, slug, "1群", 7).await;
            add_group(&app, slug, "2群", 100).await;
        }
        // Interleaved, so the batches hold leads of both campaigns; each takes the first
        // group's seven seats, then the second group's.
        let phones: Vec<String> = (0..40).map(|i| mobile(500 + i)).collect();
        let joins = phones.iter().enumerate().map(|(i, phone)| {
            let slug = if i % 2 == 0 { "tea" } else { "cake" };
            app.join_ok(slug, phone, None)
        });
        let joined = futures_util::future::join_all(joins).await;
        for slug in ["tea", "cake"] {
            let listed = groups(&app, slug).await;
            assert_eq!((listed[0]["reserved"].as_i64(), listed[1]["reserved"].as_i64()), (Some(7), Some(13)), "{slug}: {listed:?}");
            let ids: Vec<&Value> = listed.iter().map(|g| &g["id"]).collect();
            let seated = joined.iter().filter(|j| ids.contains(&&j["group"]["id"])).count();
            assert_eq!(seated, 20, "{slug}: every lead seated in its own campaign's groups");
            assert_eq!(app.stats(slug).await["leads"], 20);
        }
    }

    async fn a_failing_write_leaves_its_batch_mates_stored(app: TestApp) {
        let db = app.state.db.clone();
        create_probe(&db).await;
        // Every third job writes its row, then fails (its row again): its own savepoint is
        // rolled back, the rest of the shared transaction commits.
        let writes = (0..90_i64).map(|n| {
            let db = db.clone();
            async move {
                db.write_batched(move |tx| Box::pin(async move {
                    let times = if n % 3 == 0 { 2 } else { 1 };
                    for _ in 0..times {
                        fission::on_tx!(tx, |c| sqlx::query("INSERT INTO batch_probe (n) VALUES ($1)").bind(n).execute(c).await.map(|_| ()))?;
                    }
                    Ok::<_, sqlx::Error>(n)
                })).await
            }
        });
        let outcomes = futures_util::future::join_all(writes).await;
        only_the_failing_failed(&db, &outcomes, |n| n % 3 == 0).await;
    }

    async fn a_write_that_hides_its_failure_is_never_answered_as_stored(app: TestApp) {
        let db = app.state.db.clone();
        create_probe(&db).await;
        // Every tenth job writes its row twice and keeps the second insert's error to
        // itself. On PostgreSQL that leaves its batch's transaction aborted: whatever the
        // batch's fate, a caller told Ok has its row and no row is stored for an Err.
        let writes = (0..60_i64).map(|n| {
            let db = db.clone();
            async move {
                db.write_batched(move |tx| Box::pin(async move {
                    fission::on_tx!(tx, |c| sqlx::query("INSERT INTO batch_probe (n) VALUES ($1)").bind(n).execute(c).await.map(|_| ()))?;
                    if n % 10 == 5 {
                        let _ignored = fission::on_tx!(tx, |c| sqlx::query("INSERT INTO batch_probe (n) VALUES ($1)").bind(n).execute(c).await.map(|_| ()));
                    }
                    Ok::<_, sqlx::Error>(n)
                })).await
            }
        });
        let answered: Vec<i64> = futures_util::future::join_all(writes).await.into_iter().filter_map(Result::ok).collect();
        let stored = probed(&db).await;
        let mut answered = answered;
        answered.sort_unstable();
        assert_eq!(stored, answered, "stored rows against the writes answered Ok");
        if app.backend == Backend::Sqlite {
            // SQLite undoes only the failed statement: every job stored its row.
            assert_eq!(stored.len(), 60);
        }
    }

    async fn a_friend_on_the_inviters_own_device_is_held_with_a_reason(app: TestApp) {
        app.simple_campaign("tea").await;
        // Both numbers are left from one phone on one network.
        let inviter = app.join_from("tea", &mobile(1), None, "10.9.9.9", "SamePhone/1").await.json::<Value>().await.unwrap();
        let friend = app.join_from("tea", &mobile(2), inviter["code"].as_str(), "10.9.9.9", "SamePhone/1").await.json::<Value>().await.unwrap();
        let detail: Value = app.get_as(&format!("/api/v1/campaigns/tea/participants/{}", friend["code"].as_str().unwrap()), &app.admin).await.json().await.unwrap();
        let rules: Vec<&str> = detail["fraud_flags"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
        assert!(rules.contains(&"same_device_as_inviter"), "{detail}");
        assert!(!detail["fraud_flags"][0]["reason"].as_str().unwrap().is_empty());
        let inviter_detail: Value = app.get_as(&format!("/api/v1/campaigns/tea/participants/{}", inviter["code"].as_str().unwrap()), &app.admin).await.json().await.unwrap();
        assert_eq!(inviter_detail["qualified_invites"], 0);
        assert_eq!(inviter_detail["invitees"][0]["referral_state"], "held");
    }
}

#[actix_web::test]
async fn public_writes_are_rate_limited_per_address() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("FISSION_RATE_LIMIT_PER_MINUTE", "2"),
            ("FISSION_RATE_LIMIT_BURST", "3"),
        ],
    )
    .await;
    app.simple_campaign("tea").await;
    for i in 0..3 {
        assert!(app
            .join_from("tea", &mobile(i), None, "10.1.1.1", "TestPhone")
            .await
            .status()
            .is_success());
    }
    let limited = app
        .join_from("tea", &mobile(50), None, "10.1.1.1", "TestPhone")
        .await;
    assert_eq!(limited.status(), 429);
    assert_eq!(error_code(limited).await, "rate_limited");
    // Someone else on another network is not affected.
    assert!(app
        .join("tea", &mobile(60), None)
        .await
        .status()
        .is_success());
}

#[actix_web::test]
async fn bursts_from_one_address_are_flagged_not_blocked() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    app.simple_campaign("tea").await;
    let mut codes = Vec::new();
    for i in 0..7 {
        let response = app
            .join_from("tea", &mobile(i), None, "10.2.2.2", &format!("Phone/{i}"))
            .await;
        assert_eq!(
            response.status(),
            201,
            "shared addresses are normal: nobody is turned away"
        );
        codes.push(
            response.json::<Value>().await.unwrap()["code"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let flags = |code: String| {
        let app = &app;
        async move {
            let detail: Value = app
                .get_as(
                    &format!("/api/v1/campaigns/tea/participants/{code}"),
                    &app.admin,
                )
                .await
                .json()
                .await
                .unwrap();
            detail["fraud_flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["rule"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // Issue 13: seven phones behind one address are an office, not a burst.
    for code in &codes {
        assert!(flags(code.clone()).await.is_empty(), "{code}");
    }
    // One device (the same network and browser, no cookie) signing up again and again is.
    let mut again = Vec::new();
    for i in 10..16 {
        let response = app
            .join_from("tea", &mobile(i), None, "10.2.2.2", "Phone/one")
            .await;
        assert_eq!(response.status(), 201);
        again.push(
            response.json::<Value>().await.unwrap()["code"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let last = flags(again[5].clone()).await;
    assert!(last.contains(&"device_reused".to_owned()), "{last:?}");
    assert!(
        flags(again[0].clone())
            .await
            .contains(&"device_reused".to_owned()),
        "the first is found looking back"
    );
}

crate::both_backends! {
    async fn friends_of_one_inviter_on_one_device_are_flagged(app: TestApp) {
        app.simple_campaign("tea").await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let code = inviter["code"].as_str();
        let first = app.join_from("tea", &mobile(2), code, "10.7.7.7", "Phone/shared").await.json::<Value>().await.unwrap();
        let second = app.join_from("tea", &mobile(3), code, "10.7.7.7", "Phone/shared").await.json::<Value>().await.unwrap();
        let rules = |d: Value| d["fraud_flags"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        let path = |c: &Value| format!("/api/v1/campaigns/tea/participants/{}", c["code"].as_str().unwrap());
        assert!(rules(app.get_as(&path(&second), &app.admin).await.json().await.unwrap()).contains(&"shared_device_invitees".to_owned()));
        // Issue 13: the rules look back, so the first friend on that device is flagged too.
        assert!(rules(app.get_as(&path(&first), &app.admin).await.json().await.unwrap()).contains(&"shared_device_invitees".to_owned()));
        let inviter_detail: Value = app.get_as(&path(&inviter), &app.admin).await.json().await.unwrap();
        assert_eq!(inviter_detail["qualified_invites"], 0, "neither friend on the shared device counts");
    }
}

/// A job of the group commit that writes `n` into the probe.
async fn probe_job(db: &fission::db::Db, n: i64) -> Result<i64, sqlx::Error> {
    db.write_batched(move |tx| {
        Box::pin(async move {
            fission::on_tx!(tx, |c| sqlx::query(
                "INSERT INTO batch_probe (n) VALUES ($1)"
            )
            .bind(n)
            .execute(c)
            .await
            .map(|_| ()))?;
            Ok::<_, sqlx::Error>(n)
        })
    })
    .await
}

/// SQLite's direct writes (a lead's statements stepped on the writer's handle) share the
/// group commit with the jobs on sqlx: each in a savepoint of its own, so one that fails
/// after writing leaves nothing behind and its batch mates stored.
#[actix_web::test]
async fn a_failing_direct_write_leaves_its_batch_mates_stored() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    let db = app.state.db.clone();
    create_probe(&db).await;
    // Every third direct job writes its row, then fails (its row again); every fifth job
    // goes through sqlx instead, in the same batches.
    let writes = (0..120_i64).map(|n| {
        let db = db.clone();
        async move {
            if n % 5 == 0 {
                return probe_job(&db, n).await;
            }
            let writer = db.direct_writer().expect("SQLite writes directly");
            writer
                .write(move |direct| {
                    let times = if n % 3 == 0 { 2 } else { 1 };
                    for _ in 0..times {
                        direct.execute("INSERT INTO batch_probe (n) VALUES ($1)", &[n.into()])?;
                    }
                    Ok(n)
                })
                .await
        }
    });
    let outcomes = futures_util::future::join_all(writes).await;
    only_the_failing_failed(&db, &outcomes, |n| n % 5 != 0 && n % 3 == 0).await;
}

/// A probe row written set-wise: `times` copies of `n` (two break the probe's key).
struct SetProbe {
    n: i64,
    times: usize,
}

impl fission::db::set::SetWrite for SetProbe {
    type Output = i64;

    fn write_all<'c>(
        conn: &'c mut sqlx::PgConnection,
        items: &'c [Self],
    ) -> futures_util::future::BoxFuture<'c, Result<Vec<i64>, sqlx::Error>> {
        Box::pin(async move {
            let rows: Vec<i64> = items
                .iter()
                .flat_map(|p| std::iter::repeat_n(p.n, p.times))
                .collect();
            sqlx::query("INSERT INTO batch_probe (n) SELECT unnest($1::bigint[])")
                .bind(&rows)
                .execute(&mut *conn)
                .await?;
            Ok(items.iter().map(|p| p.n).collect())
        })
    }
}

/// PostgreSQL's set-wise writes (leads) go in one statement per batch; when it fails, the
/// batch writes them again one by one, so only the item that fails fails, and the jobs
/// sharing the batch are stored either way.
#[actix_web::test]
async fn a_failing_set_write_fails_alone_and_its_batch_mates_are_stored() {
    if !crate::helpers::postgres_configured() {
        return;
    }
    let app = crate::helpers::spawn_app(Backend::Postgres).await;
    let db = app.state.db.clone();
    create_probe(&db).await;
    // Every seventh write fails (its row twice); every fifth is a job on its own instead.
    let writes = (0..140_i64).map(|n| {
        let db = db.clone();
        async move {
            if n % 5 == 0 {
                return probe_job(&db, n).await;
            }
            let times = if n % 7 == 0 { 2 } else { 1 };
            let sets = db.set_writer().expect("PostgreSQL writes set-wise");
            sets.write(SetProbe { n, times }).await
        }
    });
    let outcomes = futures_util::future::join_all(writes).await;
    only_the_failing_failed(&db, &outcomes, |n| n % 5 != 0 && n % 7 == 0).await;
}

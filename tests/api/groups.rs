use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::both_backends;
use crate::helpers::{error_code, mobile, spawn_second, TestApp};

pub async fn add_group(app: &TestApp, slug: &str, name: &str, capacity: i64) -> Value {
    let qr = app.upload_png(200, 200).await;
    let response = app
        .post_json(
            &format!("/api/v1/campaigns/{slug}/groups"),
            &app.admin,
            &json!({"name": name, "capacity": capacity, "qr_asset": qr["id"]}),
        )
        .await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

pub async fn groups(app: &TestApp, slug: &str) -> Vec<Value> {
    app.get_as(&format!("/api/v1/campaigns/{slug}/groups"), &app.admin)
        .await
        .json()
        .await
        .unwrap()
}

pub fn signature(secret: &str, ts: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Posts a batch signed the way the group tooling signs it.
pub async fn send_events(app: &TestApp, events: Value) -> reqwest::Response {
    let body = json!({"events": events}).to_string();
    let ts = chrono::Utc::now().timestamp();
    app.api
        .post(app.url("/hooks/v1/group-events"))
        .header("content-type", "application/json")
        .header("x-fission-timestamp", ts.to_string())
        .header("x-fission-signature", signature("whsec-test", ts, &body))
        .body(body)
        .send()
        .await
        .unwrap()
}

pub fn event(id: &str, kind: &str, group: &Value, who: Value, at: &str) -> Value {
    let mut e = json!({"id": id, "type": kind, "group_id": group["id"], "at": at});
    for (k, v) in who.as_object().unwrap() {
        e[k] = v.clone();
    }
    e
}

/// Imports a member list twice over: first as a dry run, which must change nothing and
/// predict exactly what applying it then does. The counts of what it did.
pub async fn previewed_then_applied(app: &TestApp, url: &str, csv: impl Into<String>) -> Value {
    let csv = csv.into();
    let send = |dry_run: bool| {
        app.api
            .post(format!("{url}?dry_run={dry_run}"))
            .bearer_auth(&app.admin)
            .header("content-type", "text/csv")
            .body(csv.clone())
            .send()
    };
    let before = groups_of_url(app, url).await;
    let preview: Value = send(true).await.unwrap().json().await.unwrap();
    assert_eq!(
        groups_of_url(app, url).await,
        before,
        "a dry run changes nothing"
    );
    let applied: Value = send(false).await.unwrap().json().await.unwrap();
    let people = |r: &Value, key: &str| -> Vec<Value> {
        r[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| json!([c["participant_code"], c["phone_masked"], c["member_ref"]]))
            .collect()
    };
    let counts = |r: &Value| {
        json!({"rows": r["rows"], "matched": r["matched"], "joined": r["joined"],
        "unchanged": r["unchanged"], "left": r["left"], "unmatched": r["unmatched"]})
    };
    assert_eq!(
        counts(&preview),
        counts(&applied),
        "the dry run predicted what the import did"
    );
    for key in ["joins", "leaves", "unmatched_rows"] {
        assert_eq!(people(&preview, key), people(&applied, key), "{key}");
    }
    counts(&applied)
}

/// The groups (members, reservations) of the campaign a member-list URL belongs to.
async fn groups_of_url(app: &TestApp, url: &str) -> Value {
    let path = url
        .split("/groups/")
        .next()
        .unwrap()
        .trim_start_matches(&app.address);
    app.get_as(&format!("{path}/groups"), &app.admin)
        .await
        .json()
        .await
        .unwrap()
}

pub async fn detail(app: &TestApp, code: &str) -> Value {
    app.get_as(
        &format!("/api/v1/campaigns/tea/participants/{code}"),
        &app.admin,
    )
    .await
    .json()
    .await
    .unwrap()
}

both_backends! {
    async fn groups_are_added_listed_changed_and_validated(app: TestApp) {
        app.simple_campaign("tea").await;
        let g = add_group(&app, "tea", "春茶1群", 200).await;
        assert_eq!(g["kind"], "general");
        assert_eq!(g["members"], 0);
        assert_eq!(g["open"], true);
        let qr = app.upload_png(100, 100).await;
        for bad in [json!({"name": "x", "capacity": 0, "qr_asset": qr["id"]}), json!({"name": "x", "capacity": 5, "qr_asset": "nope"}),
                    json!({"name": "", "capacity": 5, "qr_asset": qr["id"]}), json!({"name": "x", "capacity": 5, "qr_asset": qr["id"], "kind": "secret"})] {
            assert_eq!(app.post_json("/api/v1/campaigns/tea/groups", &app.admin, &bad).await.status(), 422, "{bad}");
        }
        let viewer = app.token("viewer").await;
        assert_eq!(app.post_json("/api/v1/campaigns/tea/groups", &viewer, &json!({"name": "x", "capacity": 5, "qr_asset": qr["id"]})).await.status(), 403);
        assert_eq!(app.get_as("/api/v1/campaigns/tea/groups", &viewer).await.status(), 200);
        let soon = (chrono::Utc::now() + chrono::Duration::hours(3)).to_rfc3339();
        let changed = app.patch_json(&format!("/api/v1/campaigns/tea/groups/{}", g["id"].as_str().unwrap()), &app.admin, &json!({"name": "春茶一群", "expires_at": soon})).await;
        assert_eq!(changed.status(), 200);
        let changed: Value = changed.json().await.unwrap();
        assert_eq!(changed["name"], "春茶一群");
        assert_eq!(changed["warnings"], json!(["qr_expiring"]));
        let closed = app.patch_json(&format!("/api/v1/campaigns/tea/groups/{}", g["id"].as_str().unwrap()), &app.admin, &json!({"closed": true})).await;
        assert_eq!(closed.json::<Value>().await.unwrap()["open"], false);
        let list = app.get_as("/api/v1/campaigns/tea/groups", &app.admin).await;
        assert_eq!(list.headers()["x-fission-warning"], "no_open_group");
    }

    async fn the_pool_is_listed_in_pages_by_cursor_in_fill_order(app: TestApp) {
        app.simple_campaign("tea").await;
        let mut made = Vec::new();
        for i in 0..5 {
            made.push(add_group(&app, "tea", &format!("{i}群"), 10).await["id"].as_str().unwrap().to_owned());
        }
        // The first group moves to the end of the fill order.
        let moved = app.patch_json(&format!("/api/v1/campaigns/tea/groups/{}", made[0]), &app.admin, &json!({"position": 10})).await;
        assert_eq!(moved.status(), 200);
        let mut seen = Vec::new();
        let mut next = Some("/api/v1/campaigns/tea/groups?limit=2".to_owned());
        let mut pages = 0;
        while let Some(path) = next.take() {
            let page = app.get_as(&path, &app.admin).await;
            assert_eq!(page.status(), 200);
            next = page.headers().get("link").map(|l| {
                let l = l.to_str().unwrap();
                assert!(l.ends_with(">; rel=\"next\""), "{l}");
                l[1..l.find('>').unwrap()].to_owned()
            });
            let groups: Value = page.json().await.unwrap();
            assert!(groups.as_array().unwrap().len() <= 2);
            seen.extend(groups.as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap().to_owned()));
            pages += 1;
        }
        assert_eq!(pages, 3);
        let all: Value = app.get_as("/api/v1/campaigns/tea/groups", &app.admin).await.json().await.unwrap();
        let whole: Vec<String> = all.as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(seen, whole, "the pages together are the pool, each group once, in fill order");
        assert_eq!(whole.len(), 5);
        assert_eq!(whole[0], made[1].as_str());
        assert_eq!(whole[4], made[0].as_str());
        for bad in ["limit=0", "limit=1001", "after=nope", "after=1.2"] {
            let r = app.get_as(&format!("/api/v1/campaigns/tea/groups?{bad}"), &app.admin).await;
            assert_eq!(r.status(), 400, "{bad}");
        }
    }

    async fn people_are_routed_in_order_sticky_and_never_past_capacity(app: TestApp) {
        app.simple_campaign("tea").await;
        let g1 = add_group(&app, "tea", "1群", 2).await;
        let g2 = add_group(&app, "tea", "2群", 1).await;
        let a = app.join_ok("tea", &mobile(1), None).await;
        let b = app.join_ok("tea", &mobile(2), None).await;
        let c = app.join_ok("tea", &mobile(3), None).await;
        let d = app.join_ok("tea", &mobile(4), None).await;
        assert_eq!(a["group"]["id"], g1["id"]);
        assert_eq!(b["group"]["id"], g1["id"]);
        assert_eq!(c["group"]["id"], g2["id"]);
        assert_eq!(d["group"], Value::Null, "no open group: nobody is sent to a full one");
        assert!(a["group"]["qr_url"].as_str().unwrap().starts_with("https://fission.test/assets/"));
        let again = app.join_ok("tea", &mobile(3), None).await;
        assert_eq!(again["group"]["id"], g2["id"], "the same person gets the same group");
        let listed = groups(&app, "tea").await;
        assert_eq!((listed[0]["reserved"].as_i64(), listed[1]["reserved"].as_i64()), (Some(2), Some(1)));
        assert_eq!(listed[0]["warnings"], json!(["full"]));
    }

    async fn expired_codes_are_skipped_and_seats_come_back_when_reservations_lapse(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "groups": {"reservation_minutes": 10}})).await;
        let qr = app.upload_png(100, 100).await;
        let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
        app.post_json("/api/v1/campaigns/tea/groups", &app.admin, &json!({"name": "old", "capacity": 5, "qr_asset": qr["id"], "expires_at": past})).await;
        let live = add_group(&app, "tea", "live", 1).await;
        let a = app.join_ok("tea", &mobile(1), None).await;
        assert_eq!(a["group"]["id"], live["id"]);
        assert_eq!(app.join_ok("tea", &mobile(2), None).await["group"], Value::Null);
        let later = chrono::Utc::now() + chrono::Duration::minutes(11);
        assert_eq!(fission::groups::expiry::expire_reservations(&app.state.db, later).await.unwrap(), 1);
        assert_eq!(fission::groups::expiry::expire_reservations(&app.state.db, later).await.unwrap(), 0);
        assert_eq!(groups(&app, "tea").await[1]["reserved"], 0);
        let b = app.join_ok("tea", &mobile(2), None).await;
        assert_eq!(b["group"]["id"], live["id"], "the lapsed seat went to the next person");
    }

    async fn seats_lapsing_together_come_back_to_each_group_in_full(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "groups": {"reservation_minutes": 10}})).await;
        add_group(&app, "tea", "first", 3).await;
        add_group(&app, "tea", "second", 2).await;
        for n in 1..=5 {
            assert!(!app.join_ok("tea", &mobile(n), None).await["group"].is_null(), "person {n} is seated");
        }
        let reserved = |listed: &[Value]| (listed[0]["reserved"].as_i64(), listed[1]["reserved"].as_i64());
        assert_eq!(reserved(&groups(&app, "tea").await), (Some(3), Some(2)));
        let later = chrono::Utc::now() + chrono::Duration::minutes(11);
        // Two at a time: three slices, a group's seats split over two of them.
        assert_eq!(fission::groups::expiry::expire_in_slices(&app.state.db, later, 2).await.unwrap(), 5);
        assert_eq!(fission::groups::expiry::expire_in_slices(&app.state.db, later, 2).await.unwrap(), 0);
        assert_eq!(reserved(&groups(&app, "tea").await), (Some(0), Some(0)), "every seat back, each once");
        for n in 6..=10 {
            assert!(!app.join_ok("tea", &mobile(n), None).await["group"].is_null(), "person {n} takes a seat given back");
        }
        assert_eq!(app.join_ok("tea", &mobile(11), None).await["group"], Value::Null, "and no more than were given back");
    }

    async fn the_group_page_shows_my_group_or_what_to_do(app: TestApp) {
        app.simple_campaign("tea").await;
        let browser = crate::helpers::phone();
        let html = browser.get(app.url("/c/tea")).send().await.unwrap().text().await.unwrap();
        let csrf = crate::landing::csrf_from(&html);
        browser.post(app.url("/c/tea/join")).form(&[("phone", mobile(1).as_str()), ("consent", "yes"), ("csrf", csrf.as_str())]).send().await.unwrap();
        let page = browser.get(app.url("/c/tea/group")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("活动助手"), "no group yet: the fallback");
        assert!(!page.contains("<img"), "never a dead QR code");
        let g = add_group(&app, "tea", "春茶1群", 10).await;
        let page = browser.get(app.url("/c/tea/group")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("春茶1群"));
        assert!(page.contains(&g["qr_asset"].as_str().unwrap().to_string()));
        let me = browser.get(app.url("/c/tea/me")).send().await.unwrap().text().await.unwrap();
        assert!(me.contains("春茶1群"));
    }

    async fn signed_events_join_and_leave_and_drive_qualification(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": true, "hold_hours": 24}, "fraud": {"quick_leave_minutes": 30}})).await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let friend = app.join_ok("tea", &mobile(2), inviter["code"].as_str()).await;
        let response = send_events(&app, json!([event("e1", "member_joined", &g, json!({"participant_code": friend["code"]}), "2026-11-22T10:00:00Z")])).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"accepted": 1, "duplicates": 0, "unmatched": 0, "stale": 0}));
        let d = detail(&app, friend["code"].as_str().unwrap()).await;
        assert_eq!(d["status"], "joined");
        assert_eq!(d["groups"][0]["state"], "joined");
        assert_eq!(detail(&app, inviter["code"].as_str().unwrap()).await["invitees"][0]["referral_state"], "holding");
        assert_eq!(groups(&app, "tea").await[0]["members"], 1);
        // Both were routed when they left their numbers; the friend's seat became a member.
        assert_eq!(groups(&app, "tea").await[0]["reserved"], 1);
        // A leave by phone number, a day later: the hold was 24 h, so the credit is cancelled.
        let response = send_events(&app, json!([event("e2", "member_left", &g, json!({"phone": mobile(2)}), "2026-11-22T20:00:00Z")])).await;
        assert_eq!(response.json::<Value>().await.unwrap()["accepted"], 1);
        assert_eq!(detail(&app, friend["code"].as_str().unwrap()).await["status"], "left");
        assert_eq!(detail(&app, inviter["code"].as_str().unwrap()).await["invitees"][0]["referral_state"], "cancelled");
        assert_eq!(groups(&app, "tea").await[0]["members"], 0);
        let stats = app.stats("tea").await;
        assert_eq!(stats["joined"], 1);
        assert_eq!(stats["by_group"][0]["joined"], 1);
        assert_eq!(stats["groups_total"], 1);
    }

    async fn replays_duplicates_and_late_events_change_nothing(app: TestApp) {
        app.simple_campaign("tea").await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let p = app.join_ok("tea", &mobile(1), None).await;
        let who = json!({"participant_code": p["code"]});
        let batch = json!([event("j1", "member_joined", &g, who.clone(), "2026-11-22T10:00:00Z")]);
        send_events(&app, batch.clone()).await;
        let again = send_events(&app, batch).await.json::<Value>().await.unwrap();
        assert_eq!(again, json!({"accepted": 0, "duplicates": 1, "unmatched": 0, "stale": 0}));
        // A leave from before the join arrives late: it must not undo the join.
        let late = send_events(&app, json!([event("l0", "member_left", &g, who, "2026-11-22T09:00:00Z")])).await.json::<Value>().await.unwrap();
        assert_eq!(late["stale"], 1);
        assert_eq!(groups(&app, "tea").await[0]["members"], 1);
        assert_eq!(detail(&app, p["code"].as_str().unwrap()).await["status"], "joined");
    }

    async fn bad_stale_missing_and_foreign_signatures_are_401_and_store_nothing(app: TestApp) {
        app.simple_campaign("tea").await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let p = app.join_ok("tea", &mobile(1), None).await;
        let body = json!({"events": [event("x1", "member_joined", &g, json!({"participant_code": p["code"]}), "2026-11-22T10:00:00Z")]}).to_string();
        let now = chrono::Utc::now().timestamp();
        let post = |ts: Option<i64>, sig: Option<String>, body: String| {
            let mut request = app.api.post(app.url("/hooks/v1/group-events")).header("content-type", "application/json").body(body);
            if let Some(ts) = ts { request = request.header("x-fission-timestamp", ts.to_string()); }
            if let Some(sig) = sig { request = request.header("x-fission-signature", sig); }
            request.send()
        };
        let cases = [
            (Some(now), Some(signature("wrong-secret", now, &body)), body.clone()),
            (Some(now - 600), Some(signature("whsec-test", now - 600, &body)), body.clone()),
            (Some(now + 600), Some(signature("whsec-test", now + 600, &body)), body.clone()),
            (None, Some(signature("whsec-test", now, &body)), body.clone()),
            (Some(now), None, body.clone()),
            (Some(now), Some(signature("whsec-test", now, &body)), body.replace("x1", "x2")),
        ];
        for (ts, sig, b) in cases {
            let response = post(ts, sig, b).await.unwrap();
            assert_eq!(response.status(), 401);
            assert_eq!(error_code(response).await, "invalid_signature");
        }
        assert_eq!(groups(&app, "tea").await[0]["members"], 0);
        let stored: Vec<Value> = app.get_as("/api/v1/campaigns/tea/group-events?status=applied", &app.admin).await.json().await.unwrap();
        assert!(stored.is_empty());
        // Well signed but malformed: refused whole, nothing stored.
        let bad = json!([{"id": "m1", "type": "member_danced", "group_id": g["id"], "at": "2026-11-22T10:00:00Z"}]);
        assert_eq!(send_events(&app, bad).await.status(), 422);
    }

    async fn unmatched_events_are_kept_listed_and_matched_by_hand(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": true, "hold_hours": 0}})).await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let friend = app.join_ok("tea", &mobile(2), inviter["code"].as_str()).await;
        let counts = send_events(&app, json!([
            event("u1", "member_joined", &g, json!({"member_ref": "wx-abc"}), "2026-11-22T10:00:00Z"),
            event("u2", "member_joined", &g, json!({"phone": "13300000000"}), "2026-11-22T10:00:00Z"),
            json!({"id": "u3", "type": "member_joined", "group_id": "no-such-group", "at": "2026-11-22T10:00:00Z"}),
        ])).await.json::<Value>().await.unwrap();
        assert_eq!(counts["unmatched"], 3);
        let listed: Vec<Value> = app.get_as("/api/v1/campaigns/tea/group-events", &app.admin).await.json().await.unwrap();
        assert_eq!(listed.len(), 2);
        let matched = app.post_json("/api/v1/campaigns/tea/group-events/u1/match", &app.admin, &json!({"participant_code": friend["code"]})).await;
        assert_eq!(matched.status(), 200);
        assert_eq!(detail(&app, inviter["code"].as_str().unwrap()).await["invitees"][0]["referral_state"], "qualified");
        assert_eq!(app.post_json("/api/v1/campaigns/tea/group-events/u1/match", &app.admin, &json!({"participant_code": friend["code"]})).await.status(), 409);
        // The member reference is remembered: the next event with it matches by itself.
        let later = send_events(&app, json!([event("u4", "member_left", &g, json!({"member_ref": "wx-abc"}), "2026-11-23T10:00:00Z")])).await.json::<Value>().await.unwrap();
        assert_eq!(later["accepted"], 1);
        assert_eq!(detail(&app, friend["code"].as_str().unwrap()).await["status"], "left");
        assert_eq!(app.post_json("/api/v1/campaigns/tea/group-events/u2/match", &app.admin, &json!({"participant_code": "zzzzzzzzzz"})).await.status(), 422);
    }

    async fn a_member_list_import_applies_joins_and_leaves_once(app: TestApp) {
        app.simple_campaign("tea").await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let a = app.join_ok("tea", &mobile(1), None).await;
        app.join_ok("tea", &mobile(2), None).await;
        let c = app.join_ok("tea", &mobile(3), None).await;
        send_events(&app, json!([event("c-in", "member_joined", &g, json!({"participant_code": c["code"]}), "2026-11-20T10:00:00Z")])).await;
        let url = app.url(&format!("/api/v1/campaigns/tea/groups/{}/members", g["id"].as_str().unwrap()));
        let csv = format!("member_ref,phone,joined_at\nwx-a,{},2026-11-22 18:00:00\nwx-b,{},2026-11-22 19:00:00\nwx-z,,2026-11-22 19:30:00\n", mobile(1), mobile(2));
        let import = |body: String| app.api.post(&url).bearer_auth(&app.admin).header("content-type", "text/csv").body(body).send();
        let report = previewed_then_applied(&app, &url, csv.clone()).await;
        assert_eq!(report, json!({"rows": 3, "matched": 2, "joined": 2, "unchanged": 0, "left": 1, "unmatched": 1}));
        assert_eq!(detail(&app, c["code"].as_str().unwrap()).await["status"], "left", "not on the list any more");
        assert_eq!(detail(&app, a["code"].as_str().unwrap()).await["status"], "joined");
        assert_eq!(groups(&app, "tea").await[0]["members"], 2);
        let again = previewed_then_applied(&app, &url, csv).await;
        assert_eq!(again, json!({"rows": 3, "matched": 2, "joined": 0, "unchanged": 3, "left": 0, "unmatched": 0}));
        assert_eq!(groups(&app, "tea").await[0]["members"], 2);
        let bad = import("member_ref,phone,joined_at\nwx-a,,not a time\n".into()).await.unwrap();
        assert_eq!(bad.status(), 422);
        assert!(bad.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("line 2"));
    }

    async fn leaving_minutes_after_joining_is_flagged_with_a_reason(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": true, "hold_hours": 0}})).await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let friend = app.join_ok("tea", &mobile(2), inviter["code"].as_str()).await;
        let who = json!({"participant_code": friend["code"]});
        send_events(&app, json!([
            event("q1", "member_joined", &g, who.clone(), "2026-11-22T10:00:00Z"),
            event("q2", "member_left", &g, who, "2026-11-22T10:03:00Z"),
        ])).await;
        let d = detail(&app, friend["code"].as_str().unwrap()).await;
        assert_eq!(d["fraud_flags"][0]["rule"], "quick_leave");
        assert!(d["fraud_flags"][0]["reason"].as_str().unwrap().contains('3'));
        assert_eq!(detail(&app, inviter["code"].as_str().unwrap()).await["invitees"][0]["referral_state"], "cancelled");
    }

    async fn many_people_at_once_on_two_servers_never_overfill_a_group(app: TestApp) {
        app.simple_campaign("tea").await;
        for i in 0..3 {
            add_group(&app, "tea", &format!("{}群", i + 1), 5).await;
        }
        let second = spawn_second(&app, &[]).await;
        let phones: Vec<String> = (0..40).map(|i| mobile(1000 + i)).collect();
        let joins = phones.iter().enumerate().map(|(i, p)| {
            let server = if i % 2 == 0 { &app } else { &second };
            server.join_ok("tea", p, None)
        });
        let results = futures_util::future::join_all(joins).await;
        let routed = results.iter().filter(|r| !r["group"].is_null()).count();
        assert_eq!(routed, 15, "exactly the seats there are");
        for g in groups(&app, "tea").await {
            assert_eq!(g["reserved"], 5, "{g}");
            let id = g["id"].clone();
            assert_eq!(results.iter().filter(|r| r["group"]["id"] == id).count(), 5);
        }
    }

    async fn a_member_list_without_join_times_is_applied_once_and_notices_a_rejoin(app: TestApp) {
        app.simple_campaign("tea").await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let a = app.join_ok("tea", &mobile(1), None).await;
        let url = app.url(&format!("/api/v1/campaigns/tea/groups/{}/members", g["id"].as_str().unwrap()));
        let csv = format!("member_ref,phone\nwx-a,{}\nwx-stranger,\n", mobile(1));
        let first = previewed_then_applied(&app, &url, csv.clone()).await;
        assert_eq!(first, json!({"rows": 2, "matched": 1, "joined": 1, "unchanged": 0, "left": 0, "unmatched": 1}));
        // A later upload of the same list (ids must not depend on the upload time).
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let second = previewed_then_applied(&app, &url, csv.clone()).await;
        assert_eq!(second, json!({"rows": 2, "matched": 1, "joined": 0, "unchanged": 2, "left": 0, "unmatched": 0}));
        let kept: Vec<Value> = app.get_as("/api/v1/campaigns/tea/group-events", &app.admin).await.json().await.unwrap();
        assert_eq!(kept.len(), 1, "the stranger is kept once, not once per upload: {kept:?}");
        assert_eq!(kept[0]["member_ref"], "wx-stranger");
        assert_eq!(groups(&app, "tea").await[0]["members"], 1);
        // She leaves (a callback), then shows up on the next export again: a rejoin.
        let left_at = chrono::Utc::now().to_rfc3339();
        send_events(&app, json!([event("a-out", "member_left", &g, json!({"member_ref": "wx-a"}), &left_at)])).await;
        assert_eq!(detail(&app, a["code"].as_str().unwrap()).await["status"], "left");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let third = previewed_then_applied(&app, &url, csv).await;
        assert_eq!(third["joined"], 1, "{third}");
        assert_eq!(detail(&app, a["code"].as_str().unwrap()).await["status"], "joined");
        assert_eq!(groups(&app, "tea").await[0]["members"], 1);
    }

    async fn oversized_and_overlong_batches_are_refused_whole(app: TestApp) {
        app.simple_campaign("tea").await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let p = app.join_ok("tea", &mobile(1), None).await;
        let who = json!({"participant_code": p["code"]});
        let mut events: Vec<Value> = (0..1001).map(|i| event(&format!("b{i}"), "member_joined", &g, who.clone(), "2026-11-22T10:00:00Z")).collect();
        let response = send_events(&app, json!(events)).await;
        assert_eq!(response.status(), 422);
        assert_eq!(error_code(response).await, "invalid_batch");
        // Over 1 MiB: refused before anything is parsed or stored.
        let padding = "x".repeat(120);
        for e in events.iter_mut() {
            e["member_ref"] = json!(padding);
        }
        events.truncate(1000);
        let big = json!({"events": events, "note": "y".repeat(1 << 20)}).to_string();
        let ts = chrono::Utc::now().timestamp();
        let response = app.api.post(app.url("/hooks/v1/group-events"))
            .header("x-fission-timestamp", ts.to_string())
            .header("x-fission-signature", signature("whsec-test", ts, &big))
            .body(big)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413);
        assert_eq!(error_code(response).await, "payload_too_large");
        assert_eq!(groups(&app, "tea").await[0]["members"], 0);
        let applied: Vec<Value> = app.get_as("/api/v1/campaigns/tea/group-events?status=applied", &app.admin).await.json().await.unwrap();
        assert!(applied.is_empty());
    }

    async fn events_for_an_unknown_group_are_kept_and_listed(app: TestApp) {
        app.simple_campaign("tea").await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let counts = send_events(&app, json!([
            {"id": "ghost-1", "type": "member_joined", "group_id": "no-such-group", "member_ref": "wx-1", "at": "2026-11-22T10:00:00Z"},
            event("stranger-1", "member_joined", &g, json!({"member_ref": "wx-2"}), "2026-11-22T10:00:00Z"),
        ])).await.json::<Value>().await.unwrap();
        assert_eq!(counts["unmatched"], 2);
        let viewer = app.token("viewer").await;
        let all: Vec<Value> = app.get_as("/api/v1/group-events/unmatched", &viewer).await.json().await.unwrap();
        let ids: Vec<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert_eq!(all.len(), 2, "{ids:?}");
        let ghost = all.iter().find(|e| e["id"] == "ghost-1").unwrap();
        assert_eq!((ghost["status"].as_str(), ghost["campaign_id"].is_null()), (Some("unknown_group"), true));
        let unknown: Vec<Value> = app.get_as("/api/v1/group-events/unmatched?status=unknown_group", &viewer).await.json().await.unwrap();
        assert_eq!(unknown.len(), 1);
        assert_eq!(app.get_as("/api/v1/group-events/unmatched?status=applied", &viewer).await.status(), 400);
        assert_eq!(app.api.get(app.url("/api/v1/group-events/unmatched")).send().await.unwrap().status(), 401);
    }

    async fn a_member_reference_learnt_early_in_a_batch_matches_later_events_of_it(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": true, "hold_hours": 48}})).await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let friend = app.join_ok("tea", &mobile(2), inviter["code"].as_str()).await;
        let counts = send_events(&app, json!([
            event("r1", "member_joined", &g, json!({"participant_code": friend["code"], "member_ref": "wx-f"}), "2026-11-22T10:00:00Z"),
            event("r2", "member_left", &g, json!({"member_ref": "wx-f"}), "2026-11-22T12:00:00Z"),
            event("r2", "member_left", &g, json!({"member_ref": "wx-f"}), "2026-11-22T12:00:00Z"),
        ])).await.json::<Value>().await.unwrap();
        assert_eq!(counts, json!({"accepted": 2, "duplicates": 1, "unmatched": 0, "stale": 0}));
        assert_eq!(detail(&app, friend["code"].as_str().unwrap()).await["status"], "left");
        assert_eq!(detail(&app, inviter["code"].as_str().unwrap()).await["invitees"][0]["referral_state"], "cancelled");
        assert_eq!(groups(&app, "tea").await[0]["members"], 0);
    }
}

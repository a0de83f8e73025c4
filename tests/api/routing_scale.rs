//! Routing through a large pool (issue 14 item 2): the next open group comes from an index
//! in fill order, past groups that are closed, expired, VIP-only, full or left, and two
//! servers routing at once still never overfill.

use serde_json::{json, Value};

use crate::both_backends;
use crate::groups::{event, groups, send_events};
use crate::helpers::{mobile, spawn_second, TestApp};

/// Adds a group at `position` in the pool; returns its id.
async fn group_at(app: &TestApp, qr: &Value, position: i64, capacity: i64, extra: Value) -> String {
    let mut body = json!({"name": format!("群{position}"), "capacity": capacity, "qr_asset": qr["id"], "position": position});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let response = app
        .post_json("/api/v1/campaigns/tea/groups", &app.admin, &body)
        .await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// 300 groups, created last-first so that creation order is the reverse of fill order:
/// positions 0-59 expired, 60-119 closed, 120-159 VIP-only, 160-179 one seat each,
/// 180-299 two seats each. Returns the ids by position.
async fn large_pool(app: &TestApp) -> Vec<String> {
    let qr = app.upload_png(120, 120).await;
    let past = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    let mut ids = vec![String::new(); 300];
    for position in (0..300).rev() {
        let (capacity, extra) = match position {
            0..60 => (5, json!({"expires_at": past})),
            120..160 => (5, json!({"kind": "vip"})),
            160..180 => (1, json!({})),
            _ => (2, json!({})),
        };
        ids[position as usize] = group_at(app, &qr, position, capacity, extra).await;
    }
    for id in &ids[60..120] {
        let closed = app
            .patch_json(
                &format!("/api/v1/campaigns/tea/groups/{id}"),
                &app.admin,
                &json!({"closed": true}),
            )
            .await;
        assert_eq!(closed.status(), 200);
    }
    ids
}

both_backends! {
    async fn a_large_pool_is_filled_in_order_past_unusable_groups(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "groups": {"max_per_person": 2}})).await;
        let ids = large_pool(&app).await;
        // The one-seat groups fill one person each, in position order.
        for n in 0..20 {
            let routed = app.join_ok("tea", &mobile(n), None).await;
            assert_eq!(routed["group"]["id"], ids[160 + n as usize], "person {n}");
        }
        let first = app.join_ok("tea", &mobile(100), None).await;
        assert_eq!(first["group"]["id"], ids[180], "the first open group in order");
        assert_eq!(app.join_ok("tea", &mobile(100), None).await["group"]["id"], ids[180], "sticky");
        assert_eq!(app.join_ok("tea", &mobile(101), None).await["group"]["id"], ids[180]);
        assert_eq!(app.join_ok("tea", &mobile(102), None).await["group"]["id"], ids[181], "180 is full");
        // Someone who joined 181 and left it is routed on to the next group, not back.
        let group_181 = json!({"id": ids[181]});
        send_events(&app, json!([event("j1", "member_joined", &group_181, json!({"phone": mobile(102)}), "2026-11-22T10:00:00Z"),
                                 event("l1", "member_left", &group_181, json!({"phone": mobile(102)}), "2026-11-22T11:00:00Z")])).await;
        assert_eq!(app.join_ok("tea", &mobile(102), None).await["group"]["id"], ids[182], "a group the person left is skipped");
        let listed = groups(&app, "tea").await;
        assert_eq!(listed.len(), 300);
        for g in &listed {
            assert!(g["members"].as_i64().unwrap() + g["reserved"].as_i64().unwrap() <= g["capacity"].as_i64().unwrap(), "{g}");
        }
        let seats: i64 = listed.iter().map(|g| g["reserved"].as_i64().unwrap()).sum();
        assert_eq!(seats, 23, "20 one-seat groups, two in 180, one in 182 (181's seat became a member who left)");
    }

    async fn two_servers_routing_through_a_large_pool_never_overfill(app: TestApp) {
        app.simple_campaign("tea").await;
        let ids = large_pool(&app).await;
        let second = spawn_second(&app, &[]).await;
        let phones: Vec<String> = (0..60).map(|i| mobile(2000 + i)).collect();
        let joins = phones.iter().enumerate().map(|(i, p)| {
            let server = if i % 2 == 0 { &app } else { &second };
            server.join_ok("tea", p, None)
        });
        let results = futures_util::future::join_all(joins).await;
        // 20 one-seat groups, then 20 two-seat groups: the first 40 open groups, all full.
        for (position, id) in ids.iter().enumerate() {
            let routed = results.iter().filter(|r| r["group"]["id"] == json!(id)).count();
            let expected = match position {
                160..180 => 1,
                180..200 => 2,
                _ => 0,
            };
            assert_eq!(routed, expected, "group at position {position}");
        }
    }
}

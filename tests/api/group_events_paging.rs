//! The group events lists are paged by cursor (issue 14): `Link: rel="next"` until the
//! last page, newest first, whatever the ids the group tool chose.

use serde_json::{json, Value};

use crate::both_backends;
use crate::groups::{add_group, event, send_events};
use crate::helpers::TestApp;

/// Every page from `path` on, following `Link: rel="next"`: the ids, page by page.
async fn pages(app: &TestApp, path: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut next = Some(path.to_owned());
    while let Some(path) = next.take() {
        let response = app.get_as(&path, &app.admin).await;
        assert_eq!(response.status(), 200, "{path}");
        next = response.headers().get("link").map(|link| {
            let link = link.to_str().unwrap();
            assert!(link.ends_with(">; rel=\"next\""), "{link}");
            link[1..link.find('>').unwrap()].to_owned()
        });
        let events: Vec<Value> = response.json().await.unwrap();
        out.push(
            events
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned())
                .collect(),
        );
        assert!(out.len() < 10, "the pages end");
    }
    out
}

both_backends! {
    async fn group_events_are_listed_page_by_page_newest_first(app: TestApp) {
        app.simple_campaign("tea").await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let stranger = |id: &str| event(id, "member_joined", &g, json!({"member_ref": format!("wx-{id}")}), "2026-11-22T10:00:00Z");
        // Ids as a group tool may send them; one batch shares its arrival time.
        let first = send_events(&app, json!([stranger("b 1&x"), stranger("a/2"), stranger("c.3")])).await;
        assert_eq!(first.status(), 200);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        send_events(&app, json!([stranger("z-4"), {"id": "ghost", "type": "member_joined", "group_id": "nope", "at": "2026-11-22T10:00:00Z"}])).await;

        let paged = pages(&app, "/api/v1/campaigns/tea/group-events?limit=2").await;
        assert_eq!(paged, vec![vec!["z-4", "a/2"], vec!["b 1&x", "c.3"]], "newest first, then by id");
        assert_eq!(pages(&app, "/api/v1/campaigns/tea/group-events").await, vec![vec!["z-4", "a/2", "b 1&x", "c.3"]]);
        let everywhere = pages(&app, "/api/v1/group-events/unmatched?limit=1").await;
        assert_eq!(everywhere.concat(), vec!["ghost", "z-4", "a/2", "b 1&x", "c.3"]);
        assert!(everywhere.iter().all(|p| p.len() == 1));
        assert_eq!(pages(&app, "/api/v1/group-events/unmatched?status=unknown_group&limit=1").await, vec![vec!["ghost"]]);

        for bad in ["/api/v1/campaigns/tea/group-events?after=12.zz", "/api/v1/group-events/unmatched?after=nope"] {
            let response = app.get_as(bad, &app.admin).await;
            assert_eq!(response.status(), 400, "{bad}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "invalid_query");
        }
    }
}

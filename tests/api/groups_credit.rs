//! When a group leave takes a referral's credit away: only when the person is in no group
//! of the campaign any more.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::both_backends;
use crate::groups::{add_group, detail, event, send_events};
use crate::helpers::{mobile, TestApp};

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap()
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// The referral state of each of the inviter's invitees, by the invitee's code.
async fn referral_state(app: &TestApp, inviter: &Value, invitee: &Value) -> String {
    let d = detail(app, code(inviter)).await;
    let found = d["invitees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == invitee["code"])
        .unwrap_or_else(|| panic!("{invitee} is not an invitee of {inviter}"));
    found["referral_state"].as_str().unwrap().to_owned()
}

both_backends! {
    async fn leaving_one_group_keeps_the_credit_while_still_in_another_of_the_campaign(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": true, "hold_hours": 24}})).await;
        let a = add_group(&app, "tea", "1群", 10).await;
        let b = add_group(&app, "tea", "2群", 10).await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let friend = app.join_ok("tea", &mobile(2), Some(code(&inviter))).await;
        let who = json!({"participant_code": friend["code"]});
        let t0 = Utc::now() - Duration::hours(5);
        let report: Value = send_events(&app, json!([
            event("a-in", "member_joined", &a, who.clone(), &at(t0)),
            event("b-in", "member_joined", &b, who.clone(), &at(t0 + Duration::hours(1))),
            event("a-out", "member_left", &a, who.clone(), &at(t0 + Duration::hours(2))),
        ])).await.json().await.unwrap();
        assert_eq!(report["accepted"], 3, "{report}");
        // Moved from one group to another inside the hold: still in, still counting.
        assert_eq!(referral_state(&app, &inviter, &friend).await, "holding");
        assert_eq!(detail(&app, code(&friend)).await["status"], "joined");
        // Leaving the last group of the campaign inside the hold cancels the credit.
        send_events(&app, json!([event("b-out", "member_left", &b, who, &at(t0 + Duration::hours(3)))])).await;
        assert_eq!(referral_state(&app, &inviter, &friend).await, "cancelled");
        assert_eq!(detail(&app, code(&friend)).await["status"], "left");
    }
}

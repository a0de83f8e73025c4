//! When a group leave takes a referral's credit away: only when the person is in no group
//! of the campaign any more, and only when they left inside the hold, judged by the time
//! they left, however late the news arrives (webhook or member-list import).

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::both_backends;
use crate::groups::{add_group, detail, event, previewed_then_applied, send_events};
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

async fn run_jobs(app: &TestApp) {
    fission::jobs::run_once(&app.state, Utc::now())
        .await
        .unwrap();
}

/// A campaign paying 100 per friend who joins a group and stays 24 hours.
async fn paying_campaign(app: &TestApp) {
    app.create_campaign(json!({
        "slug": "tea", "title": "t", "budget": {"amount": 10_000},
        "qualification": {"require_group_join": true, "hold_hours": 24},
        "rules": [{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}}]
    }))
    .await;
}

async fn grants(app: &TestApp, inviter: &Value) -> Vec<Value> {
    detail(app, code(inviter)).await["grants"]
        .as_array()
        .unwrap()
        .clone()
}

fn statuses(grants: &[Value]) -> Vec<String> {
    let mut s: Vec<String> = grants
        .iter()
        .map(|g| g["status"].as_str().unwrap().to_owned())
        .collect();
    s.sort();
    s
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

    async fn a_leave_inside_the_hold_reported_after_it_settled_reverses_the_credit(app: TestApp) {
        paying_campaign(&app).await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let paid = app.join_ok("tea", &mobile(2), Some(code(&inviter))).await;
        let unpaid = app.join_ok("tea", &mobile(3), Some(code(&inviter))).await;
        let stayed = app.join_ok("tea", &mobile(4), Some(code(&inviter))).await;
        let who = |p: &Value| json!({"participant_code": p["code"]});
        let t0 = Utc::now() - Duration::hours(72);
        // The first friend qualifies and is paid before anyone hears that they left.
        send_events(&app, json!([event("p-in", "member_joined", &g, who(&paid), &at(t0))])).await;
        run_jobs(&app).await;
        let paid_grant = grants(&app, &inviter).await[0]["grant_id"].as_str().unwrap().to_owned();
        let batch: Value = app.post_json("/api/v1/campaigns/tea/payouts", &app.admin, &json!({})).await.json().await.unwrap();
        let results = app.post_json(&format!("/api/v1/payouts/{}/results", batch["id"].as_str().unwrap()), &app.admin,
            &json!([{"grant_id": paid_grant, "status": "paid", "provider_ref": "wx-1"}])).await;
        assert_eq!(results.status(), 200);
        // Two more qualify and are granted, unpaid.
        send_events(&app, json!([
            event("u-in", "member_joined", &g, who(&unpaid), &at(t0)),
            event("s-in", "member_joined", &g, who(&stayed), &at(t0)),
        ])).await;
        run_jobs(&app).await;
        assert_eq!(statuses(&grants(&app, &inviter).await), ["granted", "granted", "paid"]);
        assert_eq!(referral_state(&app, &inviter, &paid).await, "qualified");
        // Days later the tooling reports the leaves, with the times they happened: two inside
        // the 24-hour hold, one after it.
        let report: Value = send_events(&app, json!([
            event("p-out", "member_left", &g, who(&paid), &at(t0 + Duration::hours(2))),
            event("u-out", "member_left", &g, who(&unpaid), &at(t0 + Duration::hours(3))),
            event("s-out", "member_left", &g, who(&stayed), &at(t0 + Duration::hours(30))),
        ])).await.json().await.unwrap();
        assert_eq!(report["accepted"], 3, "{report}");
        assert_eq!(referral_state(&app, &inviter, &paid).await, "cancelled");
        assert_eq!(referral_state(&app, &inviter, &unpaid).await, "cancelled");
        assert_eq!(referral_state(&app, &inviter, &stayed).await, "qualified", "left after the hold: still counts");
        run_jobs(&app).await;
        run_jobs(&app).await;
        let after = grants(&app, &inviter).await;
        assert_eq!(statuses(&after), ["granted", "paid", "revoked"]);
        let paid_now = after.iter().find(|g| g["grant_id"] == paid_grant.as_str()).unwrap();
        assert_eq!(paid_now["flag"], "revoked_after_payment", "paid money is flagged for finance, not unpaid");
        let rec: Value = app.get_as("/api/v1/campaigns/tea/reconciliation", &app.admin).await.json().await.unwrap();
        assert_eq!(rec["flagged_grants"], json!([paid_grant]));
        assert_eq!(rec["balanced"], true);
        let c: Value = app.get_as("/api/v1/campaigns/tea", &app.admin).await.json().await.unwrap();
        assert_eq!(c["budget"]["granted"], 200, "the revoked 100 went back to the budget");
    }

    async fn a_member_list_leave_is_judged_by_its_left_at_and_a_missing_member_by_the_upload(app: TestApp) {
        paying_campaign(&app).await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let early = app.join_ok("tea", &mobile(2), Some(code(&inviter))).await;
        let late = app.join_ok("tea", &mobile(3), Some(code(&inviter))).await;
        let missing = app.join_ok("tea", &mobile(4), Some(code(&inviter))).await;
        let unheard = app.join_ok("tea", &mobile(5), Some(code(&inviter))).await;
        let t0 = Utc::now() - Duration::hours(72);
        for (id, p) in [("e-in", &early), ("l-in", &late), ("m-in", &missing)] {
            send_events(&app, json!([event(id, "member_joined", &g, json!({"participant_code": p["code"]}), &at(t0))])).await;
        }
        run_jobs(&app).await;
        assert_eq!(statuses(&grants(&app, &inviter).await), ["granted", "granted", "granted"]);
        // The export lists former members with the time they left; one member is simply
        // gone; one person fission never heard about joined and left inside the hold.
        let csv = format!(
            "member_ref,phone,joined_at,left_at\nwx-e,{},{},{}\nwx-l,{},{},{}\nwx-u,{},{},{}\n",
            mobile(2), at(t0), at(t0 + Duration::hours(2)),
            mobile(3), at(t0), at(t0 + Duration::hours(30)),
            mobile(5), at(t0), at(t0 + Duration::hours(5)),
        );
        let url = app.url(&format!("/api/v1/campaigns/tea/groups/{}/members", g["id"].as_str().unwrap()));
        let import = |body: String| app.api.post(&url).bearer_auth(&app.admin).header("content-type", "text/csv").body(body).send();
        let report = previewed_then_applied(&app, &url, csv.clone()).await;
        assert_eq!(report, json!({"rows": 3, "matched": 3, "joined": 0, "unchanged": 0, "left": 4, "unmatched": 0}));
        assert_eq!(referral_state(&app, &inviter, &early).await, "cancelled", "left two hours into a 24-hour hold");
        assert_eq!(referral_state(&app, &inviter, &unheard).await, "cancelled");
        assert_eq!(referral_state(&app, &inviter, &late).await, "qualified", "left after the hold");
        // Missing from the list: gone by the upload, which is after the hold.
        assert_eq!(detail(&app, code(&missing)).await["status"], "left");
        assert_eq!(referral_state(&app, &inviter, &missing).await, "qualified");
        let left_at = detail(&app, code(&early)).await["groups"][0]["left_at"].as_str().unwrap().to_owned();
        assert_eq!(left_at.parse::<DateTime<Utc>>().unwrap().timestamp(), (t0 + Duration::hours(2)).timestamp());
        run_jobs(&app).await;
        assert_eq!(statuses(&grants(&app, &inviter).await), ["granted", "granted", "revoked"]);
        // A later export has the missing member's real leave time, inside the hold: the
        // leave dated by the upload is re-dated, and the credit taken back.
        let csv = format!("{csv}wx-m,{},{},{}\n", mobile(4), at(t0), at(t0 + Duration::hours(4)));
        let report = previewed_then_applied(&app, &url, csv.clone()).await;
        assert_eq!(report, json!({"rows": 4, "matched": 4, "joined": 0, "unchanged": 3, "left": 1, "unmatched": 0}));
        assert_eq!(referral_state(&app, &inviter, &missing).await, "cancelled");
        run_jobs(&app).await;
        assert_eq!(statuses(&grants(&app, &inviter).await), ["granted", "revoked", "revoked"]);
        // The same list again changes nothing.
        let again = previewed_then_applied(&app, &url, csv).await;
        assert_eq!(again, json!({"rows": 4, "matched": 4, "joined": 0, "unchanged": 4, "left": 0, "unmatched": 0}));
        // A row that left before it joined is refused whole.
        let bad = import(format!("phone,joined_at,left_at\n{},{},{}\n", mobile(4), at(t0), at(t0 - Duration::hours(1)))).await.unwrap();
        assert_eq!(bad.status(), 422);
    }
}

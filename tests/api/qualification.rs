use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{mobile, TestApp};
use fission::participants::qualification;

async fn referral_state(app: &TestApp, inviter: &str) -> String {
    let detail: Value = app
        .get_as(
            &format!("/api/v1/campaigns/tea/participants/{inviter}"),
            &app.admin,
        )
        .await
        .json()
        .await
        .unwrap();
    detail["invitees"][0]["referral_state"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn invitee_id(app: &TestApp, phone: &str) -> String {
    let campaign = fission::campaigns::store::by_slug(&app.state.db, "tea")
        .await
        .unwrap()
        .unwrap();
    fission::participants::store::by_phone(&app.state.db, &campaign.id, phone)
        .await
        .unwrap()
        .unwrap()
        .id
}

both_backends! {
    async fn a_hold_qualifies_only_when_its_time_has_run(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": false, "hold_hours": 2}})).await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let code = inviter["code"].as_str().unwrap();
        app.join_ok("tea", &mobile(2), Some(code)).await;
        assert_eq!(referral_state(&app, code).await, "holding");
        let now = chrono::Utc::now();
        assert_eq!(qualification::settle_expired_holds(&app.state.db, now + chrono::Duration::minutes(119)).await.unwrap(), 0);
        assert_eq!(qualification::settle_expired_holds(&app.state.db, now + chrono::Duration::minutes(121)).await.unwrap(), 1);
        assert_eq!(referral_state(&app, code).await, "qualified");
        // Settling again, or leaving after the hold, changes nothing.
        assert_eq!(qualification::settle_expired_holds(&app.state.db, now + chrono::Duration::hours(5)).await.unwrap(), 0);
        let id = invitee_id(&app, &mobile(2)).await;
        assert_eq!(qualification::on_left(&app.state.db, &id, now + chrono::Duration::hours(3)).await.unwrap(), 0);
        assert_eq!(referral_state(&app, code).await, "qualified");
    }

    async fn a_backlog_of_holds_is_settled_in_slices_and_wholly(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": false, "hold_hours": 1}})).await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let code = inviter["code"].as_str().unwrap();
        for i in 2..=8 {
            app.join_ok("tea", &mobile(i), Some(code)).await;
        }
        let later = chrono::Utc::now() + chrono::Duration::hours(2);
        // Seven due holds in slices of two: four statements, every hold settled once.
        assert_eq!(qualification::settle_in_slices(&app.state.db, later, 2).await.unwrap(), 7);
        assert_eq!(qualification::settle_in_slices(&app.state.db, later, 2).await.unwrap(), 0);
        let detail: Value = app
            .get_as(&format!("/api/v1/campaigns/tea/participants/{code}"), &app.admin)
            .await
            .json()
            .await
            .unwrap();
        let states: Vec<&str> = detail["invitees"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["referral_state"].as_str().unwrap())
            .collect();
        assert_eq!(states, vec!["qualified"; 7]);
    }

    async fn leaving_during_the_hold_cancels_the_credit(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": true, "hold_hours": 72}})).await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let code = inviter["code"].as_str().unwrap();
        app.join_ok("tea", &mobile(2), Some(code)).await;
        assert_eq!(referral_state(&app, code).await, "pending");
        let id = invitee_id(&app, &mobile(2)).await;
        let now = chrono::Utc::now();
        assert_eq!(qualification::on_joined(&app.state.db, &id, 72, now).await.unwrap(), 1);
        assert_eq!(qualification::on_joined(&app.state.db, &id, 72, now).await.unwrap(), 0, "a replayed join changes nothing");
        assert_eq!(referral_state(&app, code).await, "holding");
        assert_eq!(qualification::on_left(&app.state.db, &id, now + chrono::Duration::hours(1)).await.unwrap(), 1);
        assert_eq!(referral_state(&app, code).await, "cancelled");
        assert_eq!(qualification::settle_expired_holds(&app.state.db, now + chrono::Duration::hours(100)).await.unwrap(), 0);
    }

    async fn a_fraud_flag_holds_an_open_referral_and_cancels_a_qualified_one(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": true, "hold_hours": 0}})).await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let code = inviter["code"].as_str().unwrap();
        app.join_ok("tea", &mobile(2), Some(code)).await;
        let id = invitee_id(&app, &mobile(2)).await;
        let now = chrono::Utc::now();
        qualification::on_joined(&app.state.db, &id, 0, now).await.unwrap();
        assert_eq!(referral_state(&app, code).await, "qualified");
        assert_eq!(qualification::on_flagged(&app.state.db, &id, "quick_leave", now).await.unwrap(), 1);
        assert_eq!(referral_state(&app, code).await, "cancelled");
    }
}

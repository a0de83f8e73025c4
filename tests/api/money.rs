//! Money defects of issue 8: a revoked grant is never paid after its line fails, a
//! campaign ended by its status awards its leaderboard, the journal and a reconciliation
//! that checks it, and coupon-pool and stock races across two servers.

use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;
use crate::rewards::{code, detail, inviter_with_friends, run_jobs};

both_backends! {
    async fn a_campaign_ended_by_its_status_awards_its_leaderboard_after_the_hold(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": false, "hold_hours": 1},
            "rules": [{"id": "lb", "kind": "leaderboard", "top": 1, "reward": {"type": "physical", "sku": "set", "stock": 1}}]})).await;
        let (first, _) = inviter_with_friends(&app, 1, 2).await;
        let (second, _) = inviter_with_friends(&app, 100, 1).await;
        let later = chrono::Utc::now() + chrono::Duration::hours(2);
        fission::jobs::run_once(&app.state, later).await.unwrap();
        assert_eq!(detail(&app, code(&first)).await["grants"], json!([]), "nothing while it runs");
        let ended = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"status": "ended"})).await;
        assert_eq!(ended.status(), 200);
        run_jobs(&app).await;
        assert_eq!(detail(&app, code(&first)).await["grants"], json!([]), "nothing before the hold has run");
        let later = chrono::Utc::now() + chrono::Duration::hours(2);
        fission::jobs::run_once(&app.state, later).await.unwrap();
        fission::jobs::run_once(&app.state, later).await.unwrap();
        let grants = detail(&app, code(&first)).await["grants"].clone();
        assert_eq!(grants.as_array().map(Vec::len), Some(1), "the end is when it was ended: {grants}");
        assert_eq!(grants[0]["reason"], "rank:1");
        assert_eq!(detail(&app, code(&second)).await["grants"], json!([]));
    }

}

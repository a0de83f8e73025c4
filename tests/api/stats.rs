use serde_json::Value;

use crate::both_backends;
use crate::helpers::mobile;

both_backends! {
    async fn stats_list_the_first_hundred_groups_in_pool_order_and_count_them_all(app: TestApp) {
        app.simple_campaign("tea").await;
        for i in 0..102 {
            crate::groups::add_group(&app, "tea", &format!("{i}群"), 10).await;
        }
        let stats = app.stats("tea").await;
        assert_eq!(stats["groups_total"], 102);
        let listed: Vec<&str> = stats["by_group"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
        let expected: Vec<String> = (0..100).map(|i| format!("{i}群")).collect();
        assert_eq!(listed, expected);
    }

    async fn stats_count_leads_per_channel_and_the_fission_effect(app: TestApp) {
        app.simple_campaign("tea").await;
        let seeds: Value = app.post_json("/api/v1/campaigns/tea/seeds", &app.admin, &serde_json::json!({"channel": "staff", "count": 1})).await.json().await.unwrap();
        let seed = seeds[0]["code"].as_str().unwrap().to_owned();
        let a = app.join_ok("tea", &mobile(1), Some(&seed)).await;
        let b = app.join_ok("tea", &mobile(2), a["code"].as_str()).await;
        app.join_ok("tea", &mobile(3), b["code"].as_str()).await;
        let direct = app.api.post(app.url("/api/v1/public/campaigns/tea/participants"))
            .header("x-forwarded-for", "10.3.3.3")
            .json(&serde_json::json!({"phone": mobile(4), "consent": true, "channel": "outlet-9"})).send().await.unwrap();
        assert_eq!(direct.status(), 201);
        let stats = app.stats("tea").await;
        assert_eq!(stats["leads"], 4);
        assert_eq!(stats["qualified"], 3);
        assert_eq!(stats["max_generation"], 3);
        // Three of five participants were brought by someone.
        assert_eq!(stats["k_factor"], 0.6);
        let channels: Vec<(String, i64)> = stats["by_channel"].as_array().unwrap().iter()
            .map(|c| (c["channel"].as_str().unwrap().to_owned(), c["leads"].as_i64().unwrap())).collect();
        assert_eq!(channels, vec![("outlet-9".to_owned(), 1), ("staff".to_owned(), 3)]);
        for key in ["visits", "unique_visitors", "joined", "grants", "granted_amount", "paid_amount", "by_day"] {
            assert!(stats.get(key).is_some(), "{key}");
        }
    }
}

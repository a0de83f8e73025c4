//! The stats behind the dashboard, every figure checked exactly: a campaign on two
//! channels with known visits, leads, group joins (one leave inside the hold, one after
//! it), qualified invites, cash grants and a three-generation chain.

use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde_json::{json, Value};

use crate::both_backends;
use crate::groups::{add_group, event, send_events};
use crate::helpers::{mobile, phone, TestApp};

fn code(v: &Value) -> String {
    v["code"].as_str().unwrap().to_owned()
}

/// The Beijing day of an instant, as the stats name days.
fn beijing_day(t: DateTime<Utc>) -> String {
    t.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m-%d")
        .to_string()
}

/// `n` page views of the campaign from one phone on channel `ch`.
async fn views(app: &TestApp, ch: &str, n: usize) {
    let browser = phone();
    for _ in 0..n {
        let r = browser
            .get(app.url(&format!("/c/dash?ch={ch}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
}

fn channel<'a>(stats: &'a Value, name: &str) -> &'a Value {
    stats["by_channel"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == name)
        .unwrap_or_else(|| panic!("no channel {name} in {stats}"))
}

both_backends! {
    async fn the_stats_show_every_dashboard_figure_exactly(app: TestApp) {
        app.create_campaign(json!({
            "slug": "dash", "title": "春茶裂变", "status": "active",
            "qualification": {"require_group_join": true, "hold_hours": 24},
            "budget": {"amount": 10_000},
            "rules": [{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 125}}]
        })).await;
        let group = add_group(&app, "dash", "春茶1群", 200).await;
        // Visits: staff 4 views by 3 people, outlet 5 views by 4 people, and a crawler.
        views(&app, "staff", 2).await;
        views(&app, "staff", 1).await;
        views(&app, "staff", 1).await;
        views(&app, "outlet", 2).await;
        for _ in 0..3 {
            views(&app, "outlet", 1).await;
        }
        let crawler = crate::helpers::Client::new(reqwest::Client::builder().user_agent("Googlebot/2.1").build().unwrap());
        crawler.get(app.url("/c/dash?ch=staff")).send().await.unwrap();
        app.state.visits.flush().await;

        // Staff: seed S -> A -> B -> C. Outlet: D, who brings E, F and G.
        let seeds: Value = app.post_json("/api/v1/campaigns/dash/seeds", &app.admin, &json!({"channel": "staff", "count": 1})).await.json().await.unwrap();
        let s = seeds[0].clone();
        let a = app.join_ok("dash", &mobile(1), Some(&code(&s))).await;
        let b = app.join_ok("dash", &mobile(2), Some(&code(&a))).await;
        let c = app.join_ok("dash", &mobile(3), Some(&code(&b))).await;
        let direct = app.api.post(app.url("/api/v1/public/campaigns/dash/participants"))
            .header("x-forwarded-for", "10.9.9.9")
            .json(&json!({"phone": mobile(4), "consent": true, "channel": "outlet"})).send().await.unwrap();
        assert_eq!(direct.status(), 201);
        let d: Value = direct.json().await.unwrap();
        let e = app.join_ok("dash", &mobile(5), Some(&code(&d))).await;
        let f = app.join_ok("dash", &mobile(6), Some(&code(&d))).await;
        let g = app.join_ok("dash", &mobile(7), Some(&code(&d))).await;

        // Group joins, days ago; B leaves 5 days after joining, E 2 hours after (inside the hold).
        let now = Utc::now();
        let ago = |days: i64| now - Duration::days(days);
        let joins = [(&a, ago(40)), (&b, ago(10)), (&c, ago(2)), (&d, ago(8)), (&e, ago(5)), (&f, ago(3)), (&g, ago(4))];
        let mut events: Vec<Value> = joins.iter().enumerate()
            .map(|(i, (p, at))| event(&format!("in-{i}"), "member_joined", &group, json!({"participant_code": p["code"]}), &at.to_rfc3339()))
            .collect();
        events.push(event("out-b", "member_left", &group, json!({"participant_code": b["code"]}), &ago(5).to_rfc3339()));
        events.push(event("out-e", "member_left", &group, json!({"participant_code": e["code"]}), &(ago(5) + Duration::hours(2)).to_rfc3339()));
        let report: Value = send_events(&app, json!(events)).await.json().await.unwrap();
        assert_eq!(report["accepted"], 9, "{report}");
        for _ in 0..3 {
            fission::jobs::run_once(&app.state, Utc::now()).await.unwrap();
        }

        let stats = app.stats("dash").await;
        // The contract's fields.
        assert_eq!((stats["visits"].as_i64(), stats["unique_visitors"].as_i64(), stats["bot_visits"].as_i64()), (Some(9), Some(7), Some(1)), "{stats}");
        assert_eq!((stats["leads"].as_i64(), stats["joined"].as_i64(), stats["qualified"].as_i64()), (Some(7), Some(7), Some(5)), "{stats}");
        assert_eq!((stats["grants"].as_i64(), stats["granted_amount"].as_i64(), stats["paid_amount"].as_i64()), (Some(5), Some(625), Some(0)));
        assert_eq!(stats["k_factor"], 0.75, "6 of 8 participants were brought by someone");
        for c in stats["by_channel"].as_array().unwrap() {
            for key in ["channel", "visits", "leads", "joined", "qualified"] {
                assert!(c.get(key).is_some(), "{key} in {c}");
            }
        }
        // The funnel's last step and its rates.
        assert_eq!(stats["rewarded"], 4, "S, A, B and D hold grants");
        assert_eq!(stats["rates"], json!({"unique_visitors": 0.7778, "leads": 1.0, "joined": 1.0, "qualified": 0.7143, "rewarded": 0.8}));

        let staff = channel(&stats, "staff");
        assert_eq!(staff, &json!({
            "channel": "staff", "visits": 4, "unique_visitors": 3, "leads": 3, "joined": 3, "qualified": 3, "rewarded": 3,
            "rates": {"unique_visitors": 0.75, "leads": 1.0, "joined": 1.0, "qualified": 1.0, "rewarded": 1.0},
            "participants": 4, "invited": 3, "k_factor": 0.75,
            "granted_amount": 375, "cost_per_lead": 125, "cost_per_qualified": 125
        }));
        let outlet = channel(&stats, "outlet");
        assert_eq!(outlet, &json!({
            "channel": "outlet", "visits": 5, "unique_visitors": 4, "leads": 4, "joined": 4, "qualified": 2, "rewarded": 1,
            "rates": {"unique_visitors": 0.8, "leads": 1.0, "joined": 1.0, "qualified": 0.5, "rewarded": 0.5},
            "participants": 4, "invited": 3, "k_factor": 0.75,
            "granted_amount": 250, "cost_per_lead": 63, "cost_per_qualified": 125
        }), "250 fen over 4 leads is 62.5, rounded half up");
        assert_eq!(stats["by_channel"].as_array().unwrap().len(), 2);

        // Generations: S and D; A, E, F, G; B; C.
        assert_eq!(stats["by_generation"], json!([
            {"generation": 0, "participants": 2, "invited": 4, "k_factor": 2.0},
            {"generation": 1, "participants": 4, "invited": 1, "k_factor": 0.25},
            {"generation": 2, "participants": 1, "invited": 1, "k_factor": 1.0},
            {"generation": 3, "participants": 1, "invited": 0, "k_factor": 0.0},
        ]));
        assert_eq!(stats["max_generation"], 3);
        assert_eq!(stats["longest_chain"], json!({"length": 3, "codes": [code(&s), code(&a), code(&b), code(&c)]}));

        // Retention: after 1 day all but E; after 7 days A and D of A, B, D; after 30 days A.
        assert_eq!(stats["retention"], json!([
            {"days": 1, "joined": 7, "retained": 6, "rate": 0.8571},
            {"days": 7, "joined": 3, "retained": 2, "rate": 0.6667},
            {"days": 30, "joined": 1, "retained": 1, "rate": 1.0},
        ]));

        // Days: each first join on its Beijing day; each referral qualified when its hold ended.
        let by_day = stats["by_day"].as_array().unwrap();
        let on = |day: &str, key: &str| by_day.iter().find(|d| d["day"] == day).map_or(0, |d| d[key].as_i64().unwrap());
        for (_, at) in joins {
            assert_eq!(on(&beijing_day(at), "joined"), 1, "a join on {}: {by_day:?}", beijing_day(at));
        }
        for days in [40, 10, 2, 3, 4] {
            let day = beijing_day(ago(days) + Duration::hours(24));
            assert_eq!(on(&day, "qualified"), 1, "qualified on {day}: {by_day:?}");
        }
        let total = |key: &str| by_day.iter().map(|d| d[key].as_i64().unwrap()).sum::<i64>();
        assert_eq!((total("visits"), total("unique_visitors"), total("leads"), total("joined"), total("qualified")), (9, 7, 7, 7, 5));
        let days: Vec<&str> = by_day.iter().map(|d| d["day"].as_str().unwrap()).collect();
        assert!(days.windows(2).all(|w| w[0] < w[1]), "days in order: {days:?}");

        // Budget per rule and the top inviters.
        assert_eq!(stats["budget"], json!({"amount": 10_000, "spent": 625, "left": 9_375, "by_rule": [
            {"rule_id": "pi", "reward_type": "cash", "grants": 5, "spent_amount": 625, "remaining": null, "exhausted": false}
        ]}));
        let top = stats["top_inviters"].as_array().unwrap();
        assert_eq!(top[0], json!({"rank": 1, "code": code(&d), "name": "139****0004", "qualified_invites": 2}));
        let mut rest: Vec<(i64, String, i64)> = top[1..].iter()
            .map(|t| (t["rank"].as_i64().unwrap(), t["code"].as_str().unwrap().to_owned(), t["qualified_invites"].as_i64().unwrap()))
            .collect();
        assert_eq!(rest.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 3, 4]);
        rest.sort_by(|x, y| x.1.cmp(&y.1));
        let mut expected = vec![code(&s), code(&a), code(&b)];
        expected.sort();
        assert_eq!(rest.into_iter().map(|r| (r.1, r.2)).collect::<Vec<_>>(), expected.into_iter().map(|c| (c, 1)).collect::<Vec<_>>());
        assert!(top.iter().all(|t| !t["name"].as_str().unwrap().contains("13900000")), "phones are masked: {top:?}");
    }

    async fn an_empty_campaign_has_no_rates_rather_than_a_division_by_zero(app: TestApp) {
        app.simple_campaign("quiet").await;
        let stats = app.stats("quiet").await;
        assert_eq!(stats["rates"], json!({"unique_visitors": null, "leads": null, "joined": null, "qualified": null, "rewarded": null}));
        assert_eq!(stats["longest_chain"], json!({"length": 0, "codes": []}));
        assert_eq!(stats["retention"][0], json!({"days": 1, "joined": 0, "retained": 0, "rate": null}));
        assert_eq!(stats["budget"]["amount"], Value::Null);
        assert_eq!(stats["top_inviters"], json!([]));
    }
}

mod console {
    use fission::auth::Role;
    use serde_json::{json, Value};

    use crate::both_backends;
    use crate::console_browser::{location, Browser};

    both_backends! {
        async fn every_role_sees_the_dashboard_and_its_json_and_strangers_are_sent_to_sign_in(app: TestApp) {
            app.create_campaign(json!({"slug": "tea", "title": "春茶", "status": "active", "budget": {"amount": 5000}})).await;
            app.join_ok("tea", "13800138000", None).await;
            let stranger = Browser::new(&app);
            let refused = stranger.get("/admin/campaigns/tea/dashboard.json").await;
            assert_eq!(refused.status(), 303);
            assert!(location(&refused).starts_with("/admin/login"), "{}", location(&refused));
            let (viewer, _) = Browser::signed_in(&app, Role::Viewer).await;
            let (status, html) = viewer.page("/admin/campaigns/tea/dashboard").await;
            assert_eq!(status, 200);
            assert!(html.contains("/admin/static/vendor/echarts.min.js?v="), "the charting library is served by fission");
            let leads = &html[html.find("<tr data-key=\"leads\">").expect("the funnel's leads row")..];
            assert!(leads[..leads.find("</tr>").unwrap()].contains("<td class=\"num\">1</td>"), "one lead: {leads}");
            assert!(html.contains("¥50.00"), "the budget left in yuan");
            let response = viewer.get("/admin/campaigns/tea/dashboard.json").await;
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()["cache-control"], "no-store");
            let view: Value = response.json().await.unwrap();
            let funnel = &view["tables"][0];
            assert_eq!(funnel["id"], "funnel");
            assert_eq!(funnel["rows"][2]["key"], "leads");
            assert_eq!(funnel["rows"][2]["cells"][1]["text"], "1");
            assert_eq!(funnel["chart"]["series"][0][1], json!([0.0, 0.0, 1.0, 0.0, 0.0, 0.0]));
            assert_eq!(viewer.get("/admin/campaigns/nope/dashboard").await.status(), 404);
            let list = viewer.page("/admin/campaigns").await.1;
            assert!(list.contains("href=\"/admin/campaigns/tea/dashboard\""), "the campaign list links the dashboard");
            let script = viewer.get("/admin/static/vendor/echarts.min.js").await;
            assert_eq!(script.status(), 200);
            assert!(script.headers()["cache-control"].to_str().unwrap().contains("immutable"));
        }
    }
}

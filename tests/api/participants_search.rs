//! Issue 10 item 2: finding participants. A campaign's people are searched by the last
//! four digits of a phone, a code or a nickname, narrowed to a state, paged by cursor
//! without gaps or repeats, and exported as CSV; phones are full only for admins.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{error_code, mobile, TestApp};
use crate::reviews::{campaign, held_friends};
use crate::rewards::{code, run_jobs};

async fn list(app: &TestApp, query: &str, token: &str) -> Value {
    let response = app
        .get_as(&format!("/api/v1/campaigns/tea/participants{query}"), token)
        .await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| code(i).to_owned())
        .collect()
}

async fn csv(app: &TestApp, query: &str, token: &str) -> String {
    let response = app
        .get_as(
            &format!("/api/v1/campaigns/tea/participants.csv{query}"),
            token,
        )
        .await;
    assert_eq!(response.status(), 200, "{query}");
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    response.text().await.unwrap()
}

/// An inviter (139...0001) with one friend held by a fraud rule (0002), one rejected in
/// review (0003), two who count (0010, 0011), and two named seeds; the jobs have paid.
pub(crate) async fn people(app: &TestApp) -> (Value, Vec<String>, Vec<Value>) {
    campaign(app, 0).await;
    let (inviter, held) = held_friends(app, 1, "a", 2).await;
    let rejected = app
        .post_json(
            &format!("/api/v1/campaigns/tea/reviews/{}", held[1]),
            &app.admin,
            &json!({"decision": "reject", "note": "同一台手机"}),
        )
        .await;
    assert_eq!(rejected.status(), 200);
    let mut counted = Vec::new();
    for n in [10, 11] {
        counted.push(app.join_ok("tea", &mobile(n), Some(code(&inviter))).await);
    }
    let seeds = app
        .post_json(
            "/api/v1/campaigns/tea/seeds",
            &app.admin,
            &json!({"channel": "staff", "names": ["小明", "Ann_Lee"]}),
        )
        .await;
    assert_eq!(seeds.status(), 201);
    run_jobs(app).await;
    (inviter, held, counted)
}

both_backends! {
    async fn participants_are_found_by_last_four_code_or_name_and_narrowed_by_state(app: TestApp) {
        let (inviter, held, counted) = people(&app).await;
        let marketer = app.token("marketer").await;
        let by_phone = list(&app, "?q=0010", &marketer).await;
        assert_eq!(codes(&by_phone), vec![code(&counted[0]).to_owned()]);
        let item = &by_phone["items"][0];
        assert_eq!(item["phone_masked"], "139****0010");
        assert!(item.get("phone").is_none(), "a marketer never gets the full number");
        assert_eq!((item["inviter"].as_str(), item["referral_state"].as_str()), (Some(code(&inviter)), Some("qualified")));

        let upper = code(&counted[1]).to_uppercase();
        assert_eq!(codes(&list(&app, &format!("?q={upper}"), &marketer).await), vec![code(&counted[1]).to_owned()]);
        let by_name = list(&app, "?q=%E5%B0%8F%E6%98%8E", &marketer).await;
        assert_eq!(by_name["items"].as_array().unwrap().len(), 1);
        assert_eq!(by_name["items"][0]["name"], "小明");
        assert_eq!(list(&app, "?q=ann", &marketer).await["items"][0]["name"], "Ann_Lee", "part of a name, any case");
        for wildcard in ["%25", "_", "n%5F"] {
            let found = codes(&list(&app, &format!("?q={wildcard}"), &marketer).await);
            assert!(found.len() <= 1, "LIKE wildcards are literal: {wildcard} found {found:?}");
        }
        assert_eq!(codes(&list(&app, "?q=n_L", &marketer).await).len(), 1, "a literal _ still matches");
        assert!(codes(&list(&app, "?q=9999", &marketer).await).is_empty());

        let qualified: BTreeSet<String> = codes(&list(&app, "?state=qualified", &marketer).await).into_iter().collect();
        assert_eq!(qualified, counted.iter().map(|c| code(c).to_owned()).collect());
        let flagged: BTreeSet<String> = codes(&list(&app, "?state=flagged", &marketer).await).into_iter().collect();
        assert_eq!(flagged, held.iter().cloned().collect());
        assert_eq!(codes(&list(&app, "?state=rewarded", &marketer).await), vec![code(&inviter).to_owned()]);
        assert_eq!(list(&app, "?state=seed", &marketer).await["items"].as_array().unwrap().len(), 2);
        assert_eq!(list(&app, "?state=lead", &marketer).await["items"].as_array().unwrap().len(), 5);
        assert_eq!(codes(&list(&app, "?state=qualified&q=0011", &marketer).await), vec![code(&counted[1]).to_owned()]);
        let rewarded = &list(&app, "?state=rewarded", &marketer).await["items"][0];
        assert_eq!((rewarded["qualified_invites"].as_i64(), rewarded["cash_granted"].as_i64()), (Some(2), Some(200)));

        for bad in ["?state=everyone", "?cursor=nope", "?limit=0", "?limit=501", format!("?q={}", "长".repeat(65)).as_str()] {
            let response = app.get_as(&format!("/api/v1/campaigns/tea/participants{bad}"), &marketer).await;
            assert_eq!(response.status(), 400, "{bad}");
            assert_eq!(error_code(response).await, "invalid_query");
        }
        let nul = app.get_as("/api/v1/campaigns/tea/participants?q=a%00b", &marketer).await;
        assert_eq!(nul.status(), 422, "control characters, as everywhere");
        let missing = app.get_as("/api/v1/campaigns/nope/participants", &marketer).await;
        assert_eq!(missing.status(), 404);
        assert_eq!(app.api.get(app.url("/api/v1/campaigns/tea/participants")).send().await.unwrap().status(), 401);
    }

    async fn pages_cover_every_participant_once_newest_first(app: TestApp) {
        campaign(&app, 0).await;
        let mut made = BTreeSet::new();
        for n in 1..=23 {
            made.insert(code(&app.join_ok("tea", &mobile(n), None).await).to_owned());
        }
        let viewer = app.token("viewer").await;
        let mut seen = Vec::new();
        let mut query = "?limit=5".to_owned();
        let mut pages = 0;
        loop {
            let page = list(&app, &query, &viewer).await;
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= 5);
            // Compared as instants: RFC 3339 text drops a whole second's ".000", so "01Z" sorts
            // after "01.5Z" as text.
            let times: Vec<chrono::DateTime<chrono::Utc>> =
                items.iter().map(|i| i["created_at"].as_str().unwrap().parse().unwrap()).collect();
            assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
            seen.extend(codes(&page));
            pages += 1;
            match page["next_cursor"].as_str() {
                Some(next) => query = format!("?limit=5&cursor={next}"),
                None => break,
            }
        }
        assert_eq!(pages, 5);
        assert_eq!(seen.len(), 23, "no participant twice");
        assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), made, "none missing");
        let first = list(&app, "", &viewer).await;
        assert_eq!(first["items"].as_array().unwrap().len(), 23);
        assert!(first["next_cursor"].is_null());
    }

    async fn phones_are_full_only_for_admins_in_lists_and_exports(app: TestApp) {
        people(&app).await;
        let admin_item = &list(&app, "?q=0010", &app.admin).await["items"][0];
        assert_eq!(admin_item["phone"], "13900000010");
        for role in ["marketer", "finance", "viewer"] {
            let token = app.token(role).await;
            let page = list(&app, "?q=0010", &token).await;
            assert!(page["items"][0].get("phone").is_none(), "{role}");
            let file = csv(&app, "", &token).await;
            assert!(file.contains("139****0010") && !file.contains("13900000010"), "{role}: {file}");
        }
        let file = csv(&app, "?q=0010", &app.admin).await;
        assert!(file.contains("13900000010"), "{file}");
        let audit: Value = app
            .get_as("/api/v1/audit?action=participants.exported", &app.admin)
            .await
            .json()
            .await
            .unwrap();
        let entries = audit["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "only the admin's download with full phones: {audit}");
        assert_eq!(entries[0]["after"]["q"], "0010");
        assert_eq!(entries[0]["campaign"], "tea");
    }

    async fn the_csv_has_chinese_headers_beijing_times_yuan_and_the_filter(app: TestApp) {
        let (inviter, held, counted) = people(&app).await;
        let marketer = app.token("marketer").await;
        let file = csv(&app, "", &marketer).await;
        assert!(file.starts_with('\u{feff}'), "a BOM for Excel");
        let lines: Vec<&str> = file.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines[0],
            "参与者编码,昵称,手机号,类型,状态,渠道,邀请人编码,代际,邀请状态,已计入邀请,风险标记,已发现金（元）,加入时间（北京时间）"
        );
        assert_eq!(lines.len(), 1 + 7, "a header and every participant, no total row");
        let row = |c: &str| lines.iter().find(|l| l.starts_with(c)).unwrap_or_else(|| panic!("{c} in {file}")).to_string();
        let inviter_row = row(code(&inviter));
        let cells: Vec<&str> = inviter_row.split(',').collect();
        assert_eq!((cells[2], cells[3], cells[9], cells[11]), ("139****0001", "用户", "2", "2.00"), "{inviter_row}");
        let time = cells[12];
        assert!(time.len() == 19 && &time[4..5] == "-" && &time[10..11] == " ", "Beijing time text: {time}");
        let now = chrono::Utc::now() + chrono::Duration::hours(8);
        assert_eq!(&time[..10], now.format("%Y-%m-%d").to_string(), "the Beijing day");
        assert!(row(&held[0]).contains(",待审核,"), "{}", row(&held[0]));
        assert!(row(&held[1]).contains(",未计入,"), "{}", row(&held[1]));
        assert!(row(code(&counted[0])).contains(",已计入,"));

        let english = csv(&app, "?lang=en&state=seed", &marketer).await;
        let lines: Vec<&str> = english.trim_start_matches('\u{feff}').lines().collect();
        assert!(lines[0].starts_with("Code,Name,Phone,Kind,Status"), "{english}");
        assert_eq!(lines.len(), 3, "the state filter applies: {english}");
        assert!(lines.iter().any(|l| l.contains(",小明,") && l.contains(",seed,")));
        let bad = app.get_as("/api/v1/campaigns/tea/participants.csv?lang=fr", &marketer).await;
        assert_eq!(bad.status(), 400);
    }

    async fn the_detail_keeps_its_fields_and_says_where_each_invitee_stands(app: TestApp) {
        let (inviter, held, counted) = people(&app).await;
        let detail: Value = app
            .get_as(&format!("/api/v1/campaigns/tea/participants/{}", code(&inviter)), &app.admin)
            .await
            .json()
            .await
            .unwrap();
        for field in ["code", "invite_url", "poster_url", "name", "phone_masked", "kind", "channel", "status",
            "generation", "created_at", "inviter", "invitees", "qualified_invites", "pending_invites",
            "fraud_flags", "groups", "grants"] {
            assert!(detail.get(field).is_some(), "{field} kept");
        }
        let invitees = detail["invitees"].as_array().unwrap();
        let of = |c: &str| invitees.iter().find(|i| i["code"] == c).unwrap().clone();
        assert_eq!(of(&held[0])["referral_state"], "held");
        assert_eq!(of(&held[0])["fraud_rules"][0], "same_device_as_inviter");
        assert_eq!((of(&held[1])["referral_state"].as_str(), of(&held[1])["reason"].as_str()), (Some("cancelled"), Some("rejected")));
        assert_eq!(of(code(&counted[0]))["referral_state"], "qualified");
    }
}

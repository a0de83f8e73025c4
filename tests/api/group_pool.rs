//! What the group pool page needs from the API: the fill order moved up and down, groups
//! closed and their QR codes replaced, a member-list import previewed (who joins, who
//! leaves) before it is applied, and unmatched events matched by hand by phone.

use serde_json::{json, Value};

use crate::both_backends;
use crate::groups::{add_group, detail, event, groups, send_events};
use crate::helpers::{error_code, mobile, TestApp};

fn ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn move_group(app: &TestApp, token: &str, g: &Value, direction: &str) -> reqwest::Response {
    let path = format!(
        "/api/v1/campaigns/tea/groups/{}/move",
        g["id"].as_str().unwrap()
    );
    app.post_json(&path, token, &json!({"direction": direction}))
        .await
}

async fn import(app: &TestApp, g: &Value, csv: &str, dry_run: bool) -> Value {
    let path = format!(
        "/api/v1/campaigns/tea/groups/{}/members?dry_run={dry_run}",
        g["id"].as_str().unwrap()
    );
    let response = app
        .api
        .post(app.url(&path))
        .bearer_auth(&app.admin)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Who an import report says joins, leaves or matches nobody, and its counts.
fn diff(report: &Value) -> (Vec<Value>, Vec<Value>, Vec<Value>, [i64; 4]) {
    let who = |key: &str| -> Vec<Value> {
        report[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| json!([c["participant_code"], c["phone_masked"], c["member_ref"]]))
            .collect()
    };
    let count = |key: &str| report[key].as_i64().unwrap();
    (
        who("joins"),
        who("leaves"),
        who("unmatched_rows"),
        [
            count("joined"),
            count("left"),
            count("unchanged"),
            count("unmatched"),
        ],
    )
}

async fn referral_state(app: &TestApp, inviter: &Value) -> String {
    let d = detail(app, inviter["code"].as_str().unwrap()).await;
    d["invitees"][0]["referral_state"]
        .as_str()
        .unwrap()
        .to_owned()
}

both_backends! {
    async fn groups_move_up_and_down_the_fill_order_and_people_follow_it(app: TestApp) {
        app.simple_campaign("tea").await;
        let g1 = add_group(&app, "tea", "1群", 5).await;
        let g2 = add_group(&app, "tea", "2群", 5).await;
        let g3 = add_group(&app, "tea", "3群", 5).await;
        let moved: Vec<Value> = move_group(&app, &app.admin, &g3, "up").await.json().await.unwrap();
        assert_eq!(ids(&moved), ids(&[g1.clone(), g3.clone(), g2.clone()]));
        let unchanged: Vec<Value> = move_group(&app, &app.admin, &g1, "up").await.json().await.unwrap();
        assert_eq!(ids(&unchanged), ids(&moved), "the first group cannot go higher");
        let moved: Vec<Value> = move_group(&app, &app.admin, &g1, "down").await.json().await.unwrap();
        assert_eq!(ids(&moved), ids(&[g3.clone(), g1.clone(), g2.clone()]));
        assert_eq!(ids(&groups(&app, "tea").await), ids(&moved), "the order is stored");
        let first = app.join_ok("tea", &mobile(1), None).await;
        assert_eq!(first["group"]["id"], g3["id"], "the live code fills the top group first");

        let closed = app.patch_json(&format!("/api/v1/campaigns/tea/groups/{}", g3["id"].as_str().unwrap()), &app.admin, &json!({"closed": true})).await;
        assert_eq!(closed.status(), 200);
        let second = app.join_ok("tea", &mobile(2), None).await;
        assert_eq!(second["group"]["id"], g1["id"], "a closed group gets nobody new");

        let new_qr = app.upload_png(300, 300).await;
        let replaced: Value = app.patch_json(&format!("/api/v1/campaigns/tea/groups/{}", g1["id"].as_str().unwrap()), &app.admin, &json!({"qr_asset": new_qr["id"]})).await.json().await.unwrap();
        assert_eq!(replaced["qr_url"], format!("/assets/{}", new_qr["id"].as_str().unwrap()));
        let third = app.join_ok("tea", &mobile(3), None).await;
        assert!(third["group"]["qr_url"].as_str().unwrap().ends_with(new_qr["id"].as_str().unwrap()), "people are shown the new code");

        let viewer = app.token("viewer").await;
        assert_eq!(move_group(&app, &viewer, &g2, "up").await.status(), 403);
        assert_eq!(error_code(move_group(&app, &app.admin, &g2, "sideways").await).await, "invalid_field");
        let ghost = json!({"id": "no-such-group"});
        assert_eq!(move_group(&app, &app.admin, &ghost, "up").await.status(), 404);
    }

    async fn a_dry_run_lists_who_joins_and_leaves_and_applying_does_exactly_that(app: TestApp) {
        app.simple_campaign("tea").await;
        let g = add_group(&app, "tea", "1群", 50).await;
        let a = app.join_ok("tea", &mobile(1), None).await;
        let b = app.join_ok("tea", &mobile(2), None).await;
        let c = app.join_ok("tea", &mobile(3), None).await;
        import(&app, &g, &format!("phone\n{}\n{}\n", mobile(1), mobile(2)), false).await;
        assert_eq!(groups(&app, "tea").await[0]["members"], 2);

        let list = format!("phone,member_ref\n{},\n{},wx-c\n13300000000,wx-stranger\n", mobile(2), mobile(3));
        let preview = import(&app, &g, &list, true).await;
        assert_eq!(preview["dry_run"], true);
        let (joins, leaves, unmatched, counts) = diff(&preview);
        assert_eq!(joins, vec![json!([c["code"], "139****0003", "wx-c"])]);
        assert_eq!(leaves, vec![json!([a["code"], "139****0001", null])]);
        assert_eq!(unmatched, vec![json!([null, "133****0000", "wx-stranger"])]);
        assert_eq!(counts, [1, 1, 1, 1]);
        assert_eq!(groups(&app, "tea").await[0]["members"], 2, "a dry run changes nothing");
        assert_eq!(detail(&app, a["code"].as_str().unwrap()).await["status"], "joined");

        let applied = import(&app, &g, &list, false).await;
        assert_eq!(applied["dry_run"], false);
        assert_eq!(diff(&applied), diff(&preview), "applying does what the dry run said");
        assert_eq!(groups(&app, "tea").await[0]["members"], 2);
        assert_eq!(detail(&app, a["code"].as_str().unwrap()).await["status"], "left");
        assert_eq!(detail(&app, c["code"].as_str().unwrap()).await["status"], "joined");
        assert_eq!(detail(&app, b["code"].as_str().unwrap()).await["status"], "joined");

        let again = import(&app, &g, &list, true).await;
        let (joins, leaves, _, counts) = diff(&again);
        assert!(joins.is_empty() && leaves.is_empty());
        assert_eq!(counts, [0, 0, 3, 0], "the same list again changes nothing");
        assert_eq!(diff(&import(&app, &g, &list, false).await).3, counts);
    }

    async fn an_unmatched_event_is_matched_by_hand_by_phone_and_credits_the_inviter(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": true, "hold_hours": 0}})).await;
        let g = add_group(&app, "tea", "1群", 10).await;
        let inviter = app.join_ok("tea", &mobile(1), None).await;
        let friend = app.join_ok("tea", &mobile(2), inviter["code"].as_str()).await;
        send_events(&app, json!([event("e1", "member_joined", &g, json!({"member_ref": "wx-friend"}), "2026-11-22T10:00:00Z")])).await;
        assert_ne!(referral_state(&app, &inviter).await, "qualified");
        let path = "/api/v1/campaigns/tea/group-events/e1/match";
        for bad in [json!({}), json!({"phone": mobile(2), "participant_code": friend["code"]})] {
            assert_eq!(error_code(app.post_json(path, &app.admin, &bad).await).await, "invalid_field", "{bad}");
        }
        assert_eq!(error_code(app.post_json(path, &app.admin, &json!({"phone": "12345"})).await).await, "invalid_phone");
        assert_eq!(error_code(app.post_json(path, &app.admin, &json!({"phone": mobile(9)})).await).await, "unknown_participant");
        let viewer = app.token("viewer").await;
        assert_eq!(app.post_json(path, &viewer, &json!({"phone": mobile(2)})).await.status(), 403);
        let matched = app.post_json(path, &app.admin, &json!({"phone": format!("+86 {}", mobile(2))})).await;
        assert_eq!(matched.status(), 200);
        assert_eq!(matched.json::<Value>().await.unwrap()["participant_code"], friend["code"]);
        assert_eq!(referral_state(&app, &inviter).await, "qualified", "the inviter is credited");
        assert_eq!(groups(&app, "tea").await[0]["members"], 1);
    }
}

mod console {
    use fission::auth::Role;
    use reqwest::multipart::{Form, Part};
    use serde_json::json;

    use crate::both_backends;
    use crate::console_browser::{csrf_of, location, Browser};
    use crate::groups::{add_group, detail, event, groups, send_events};
    use crate::helpers::{mobile, png, TestApp};

    const PAGE: &str = "/admin/campaigns/tea/groups";

    async fn multipart(
        browser: &Browser,
        app: &TestApp,
        path: &str,
        form: Form,
    ) -> reqwest::Response {
        browser
            .client
            .post(browser.url(path))
            .header("Origin", &app.address)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    fn new_group(
        token: &str,
        name: &str,
        capacity: &str,
        expires: &str,
        qr: Option<Vec<u8>>,
    ) -> Form {
        let form = Form::new()
            .text("_csrf", token.to_owned())
            .text("name", name.to_owned())
            .text("capacity", capacity.to_owned())
            .text("kind", "regional")
            .text("expires_at", expires.to_owned());
        match qr {
            Some(bytes) => form.part(
                "qr",
                Part::bytes(bytes)
                    .file_name("qr.png")
                    .mime_str("image/png")
                    .unwrap(),
            ),
            None => form,
        }
    }

    both_backends! {
        async fn the_pool_page_adds_moves_closes_and_shows_warnings(app: TestApp) {
            app.simple_campaign("tea").await;
            let full = add_group(&app, "tea", "满员群", 1).await;
            app.join_ok("tea", &mobile(1), None).await;
            let (browser, _) = Browser::signed_in(&app, Role::Marketer).await;
            let (status, html) = browser.page(PAGE).await;
            assert_eq!(status, 200);
            assert!(html.contains("id=\"group-new\"") && html.contains("class=\"level-danger\""), "the full group is red");
            assert!(html.contains("已满") && html.contains("占座 1"), "held seats and the warning");
            let token = csrf_of(&html);

            let bad = multipart(&browser, &app, PAGE, new_group(&token, "", "很多", "明天", None)).await;
            assert_eq!(bad.status(), 422);
            let bad = bad.text().await.unwrap();
            for message in ["请填写群名", "请填写 1 到 100000 之间的整数", "请填写北京时间", "请选择群二维码图片"] {
                assert!(bad.contains(message), "{message}");
            }
            assert!(bad.contains("value=\"很多\"") && bad.contains("value=\"明天\""), "typed values kept");
            assert_eq!(groups(&app, "tea").await.len(), 1, "nothing half-saved");

            let created = multipart(&browser, &app, PAGE, new_group(&token, "华东 2 群", "200", "2030-01-02T09:30", Some(png(120, 120)))).await;
            assert_eq!(created.status(), 303);
            assert_eq!(location(&created), format!("{PAGE}?done=created"));
            let listed = groups(&app, "tea").await;
            let added = listed.iter().find(|g| g["name"] == "华东 2 群").expect("the new group");
            assert_eq!((added["capacity"].as_i64(), added["kind"].as_str()), (Some(200), Some("regional")));
            assert_eq!(added["expires_at"], "2030-01-02T01:30:00Z", "typed in Beijing time, stored UTC");

            let path = format!("{PAGE}/{}/move", added["id"].as_str().unwrap());
            assert_eq!(browser.post_form(&path, &[("_csrf", &token), ("direction", "up")]).await.status(), 303);
            assert_eq!(groups(&app, "tea").await[0]["id"], added["id"], "moved to the top");
            let path = format!("{PAGE}/{}/close", full["id"].as_str().unwrap());
            assert_eq!(browser.post_form(&path, &[("_csrf", &token), ("closed", "1")]).await.status(), 303);
            assert_eq!(groups(&app, "tea").await[1]["closed"], true);
            let (_, html) = browser.page(PAGE).await;
            assert!(html.contains("重新开放"), "a closed group can be reopened");

            let qr_path = format!("{PAGE}/{}/qr", added["id"].as_str().unwrap());
            let form = Form::new().text("_csrf", token.clone()).text("expires_at", "2030-02-01 08:00")
                .part("qr", Part::bytes(png(150, 150)).file_name("qr.png").mime_str("image/png").unwrap());
            assert_eq!(multipart(&browser, &app, &qr_path, form).await.status(), 303);
            let replaced = &groups(&app, "tea").await[0];
            assert_ne!(replaced["qr_asset"], added["qr_asset"]);
            assert_eq!(replaced["expires_at"], "2030-02-01T00:00:00Z");
        }

        async fn the_pool_page_matches_events_by_hand_and_imports_a_list_after_showing_the_difference(app: TestApp) {
            app.create_campaign(json!({"slug": "tea", "title": "t", "qualification": {"require_group_join": true, "hold_hours": 0}})).await;
            let g = add_group(&app, "tea", "1群", 10).await;
            let inviter = app.join_ok("tea", &mobile(1), None).await;
            let friend = app.join_ok("tea", &mobile(2), inviter["code"].as_str()).await;
            send_events(&app, json!([event("e1", "member_joined", &g, json!({"member_ref": "wx-friend"}), "2026-11-22T10:00:00Z")])).await;
            let (browser, _) = Browser::signed_in(&app, Role::Marketer).await;
            let (_, html) = browser.page(PAGE).await;
            assert!(html.contains("wx-friend"), "the unmatched event is listed");
            let token = csrf_of(&html);
            let path = "/admin/campaigns/tea/group-events/e1/match";
            let bad = browser.post_form(path, &[("_csrf", &token), ("who", "1380000")]).await;
            assert_eq!(bad.status(), 422);
            let bad = bad.text().await.unwrap();
            assert!(bad.contains("请填写邀请码") && bad.contains("value=\"1380000\""));
            let unknown = browser.post_form(path, &[("_csrf", &token), ("who", &mobile(9))]).await;
            assert!(unknown.text().await.unwrap().contains("没有这个邀请码或手机号的参与者"));
            let matched = browser.post_form(path, &[("_csrf", &token), ("who", &mobile(2))]).await;
            assert_eq!(matched.status(), 303);
            let d = detail(&app, inviter["code"].as_str().unwrap()).await;
            assert_eq!(d["invitees"][0]["referral_state"], "qualified", "the inviter is credited");

            let import = format!("{PAGE}/{}/members", g["id"].as_str().unwrap());
            let csv = format!("phone\n{}\n", mobile(1));
            let form = Form::new().text("_csrf", token.clone()).text("step", "preview")
                .part("file", Part::bytes(csv.clone().into_bytes()).file_name("members.csv").mime_str("text/csv").unwrap());
            let preview = multipart(&browser, &app, &import, form).await;
            assert_eq!(preview.status(), 200);
            let preview = preview.text().await.unwrap();
            let diff = &preview[preview.find("id=\"import-diff\"").expect("the difference")..];
            let joins = &diff[diff.find("class=\"people joins\"").unwrap()..diff.find("class=\"people leaves\"").unwrap()];
            let leaves = &diff[diff.find("class=\"people leaves\"").unwrap()..diff.find("class=\"people unmatched\"").unwrap()];
            assert!(joins.contains(inviter["code"].as_str().unwrap()), "{joins}");
            assert!(leaves.contains(friend["code"].as_str().unwrap()), "{leaves}");
            assert_eq!(detail(&app, friend["code"].as_str().unwrap()).await["status"], "joined", "a preview changes nothing");
            let form = Form::new().text("_csrf", token.clone()).text("step", "apply").text("csv", csv);
            let applied = multipart(&browser, &app, &import, form).await;
            assert_eq!(applied.status(), 303);
            assert_eq!(detail(&app, friend["code"].as_str().unwrap()).await["status"], "left");
            assert_eq!(detail(&app, inviter["code"].as_str().unwrap()).await["status"], "joined");
        }

        async fn a_viewer_sees_the_pool_but_cannot_change_it(app: TestApp) {
            app.simple_campaign("tea").await;
            let g = add_group(&app, "tea", "1群", 10).await;
            let (viewer, _) = Browser::signed_in(&app, Role::Viewer).await;
            let (status, html) = viewer.page(PAGE).await;
            assert_eq!(status, 200);
            assert!(!html.contains("id=\"group-new\""), "no form to add a group");
            let token = csrf_of(&html);
            let path = format!("{PAGE}/{}/close", g["id"].as_str().unwrap());
            assert_eq!(viewer.post_form(&path, &[("_csrf", &token), ("closed", "1")]).await.status(), 403);
            assert_eq!(groups(&app, "tea").await[0]["closed"], false);
        }
    }
}

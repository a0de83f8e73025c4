//! WeChat identity end to end against the stand-in: the openid (and, when the campaign
//! asks, the nickname and avatar) from authorisation, recognised on any device, a fraud
//! signal, erased with the person, and an outage that leaves the phone path working.

use reqwest::redirect::Policy;
use serde_json::json;

use crate::helpers::{mobile, phone, Backend, Client, TestApp};
use crate::landing::page;
use crate::wechat::{
    app_with, at_wechat, cash_campaign, code_of, join_form, open_in_wechat, open_with_scope, plain,
    run_jobs, scalar_i64, text,
};
use crate::wechat_standin::StandIn;
use crate::wechat_standin_oauth::AVATAR_RGB;

crate::wechat_on_both!(
    a_campaign_asking_for_a_nickname_gets_it_and_the_avatar_from_wechat_on_the_poster,
    one_wechat_account_behind_two_phones_or_its_inviter_is_flagged_and_recognised_anywhere,
    a_wechat_outage_leaves_the_phone_path_working
);

async fn a_campaign_asking_for_a_nickname_gets_it_and_the_avatar_from_wechat_on_the_poster(
    backend: Backend,
) {
    let standin = StandIn::start().await;
    let app = app_with(backend, &standin, &[]).await;
    let mut campaign = cash_campaign();
    campaign["page"] = json!({"ask_name": true});
    let spot = (300, 390, 120);
    campaign["poster"] = json!({
        "design_name": "简约款", "background_asset": null,
        "avatar": {"x": spot.0, "y": spot.1, "size": spot.2},
        "name": {"x": 360, "y": 530, "size": 32, "color": "#333333"},
        "qr": {"x": 200, "y": 590, "size": 320}
    });
    app.create_campaign(campaign).await;
    let code = join_with_profile(&app, &standin, "o_named", 5).await;
    let name = "SELECT name FROM participants WHERE phone LIKE '%' || $1";
    assert_eq!(
        text(&app, name, &mobile(5)).await.as_deref(),
        Some("茶友小王")
    );
    let avatar = "SELECT avatar_url FROM wechat_identities WHERE openid = $1";
    let avatar = text(&app, avatar, "o_named").await.unwrap();
    assert!(avatar.starts_with(&standin.url), "{avatar}");

    // The join did not wait for the avatar; the background job fetches it once, and the
    // poster (already drawn and cached without it) shows it round in its spot.
    let before = poster(&app, &code).await;
    run_jobs(&app).await;
    let asset = "SELECT avatar_asset FROM participants WHERE code = $1";
    assert!(text(&app, asset, &code).await.is_some(), "an asset is kept");
    let after = poster(&app, &code).await;
    assert!(before != after, "the poster changed");
    let centre = |bytes: &[u8]| {
        let picture = image::load_from_memory(bytes).unwrap().to_rgb8();
        picture
            .get_pixel(spot.0 + spot.2 / 2, spot.1 + spot.2 / 2)
            .0
    };
    let [r, g, b] = centre(&after);
    let [wr, wg, wb] = AVATAR_RGB;
    assert!(
        r.abs_diff(wr) < 20 && g.abs_diff(wg) < 20 && b.abs_diff(wb) < 20,
        "{r},{g},{b}"
    );
    assert_ne!(centre(&before), centre(&after));

    // An avatar that is not an image: logged, tried once, the poster goes without.
    standin.break_avatars();
    let other_code = join_with_profile(&app, &standin, "o_broken", 6).await;
    run_jobs(&app).await;
    assert_eq!(text(&app, asset, &other_code).await, None);
    let tried =
        "SELECT COUNT(*) FROM wechat_identities WHERE avatar_tried_at IS NOT NULL AND openid = $1";
    assert_eq!(scalar_i64(&app, tried, "o_broken").await, 1);
    assert!(
        poster(&app, &other_code).await.len() > 1000,
        "a poster all the same"
    );
    assert!(standin.problems().is_empty(), "{:?}", standin.problems());
}

/// Joins inside WeChat as `openid`, giving nickname and avatar; returns the code.
async fn join_with_profile(app: &TestApp, standin: &StandIn, openid: &str, n: u32) -> String {
    let browser = phone();
    let scope = "snsapi_userinfo";
    let html = open_with_scope(app, standin, &browser, ("/c/tea", openid), scope).await;
    let joined = join_form(app, &browser, &html, "", &mobile(n)).await;
    assert_eq!(joined.status(), 303);
    code_of(app, &mobile(n)).await
}

async fn poster(app: &TestApp, code: &str) -> Vec<u8> {
    let response = plain()
        .get(app.url(&format!("/c/tea/p/{code}.jpg")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

async fn a_wechat_outage_leaves_the_phone_path_working(backend: Backend) {
    let standin = StandIn::start().await;
    // WeChat's API is down (nothing listens there): the code exchange fails.
    let app = app_with(
        backend,
        &standin,
        &[
            ("FISSION_WECHAT_API_BASE", "http://127.0.0.1:9"),
            ("FISSION_WECHAT_TIMEOUT_MS", "500"),
        ],
    )
    .await;
    app.create_campaign(cash_campaign()).await;
    let browser = phone();
    standin.as_user("o_down", "x");
    let first = browser.get(app.url("/c/tea")).send().await.unwrap();
    assert_eq!(first.status(), 302);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let callback = at_wechat(&app, &location).await;
    let back = browser.get(&callback).send().await.unwrap();
    assert_eq!(back.status(), 302);
    assert_eq!(back.headers()["location"], "/c/tea");
    let page = browser.get(app.url("/c/tea")).send().await.unwrap();
    assert_eq!(
        page.status(),
        200,
        "the phone-only page, not an error and not another round trip"
    );
    let html = page.text().await.unwrap();
    assert_eq!(
        join_form(&app, &browser, &html, "", &mobile(7))
            .await
            .status(),
        303
    );
    assert_eq!(
        browser
            .get(app.url("/c/tea/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Outside WeChat nothing changes at all.
    let safari = Client::new(
        reqwest::Client::builder()
            .redirect(Policy::none())
            .user_agent("Mozilla/5.0 (iPhone) Safari/604.1")
            .build()
            .unwrap(),
    );
    assert_eq!(
        safari.get(app.url("/c/tea")).send().await.unwrap().status(),
        200
    );
}

async fn one_wechat_account_behind_two_phones_or_its_inviter_is_flagged_and_recognised_anywhere(
    backend: Backend,
) {
    let standin = StandIn::start().await;
    let app = app_with(backend, &standin, &[]).await;
    app.create_campaign(cash_campaign()).await;
    let browser = phone();
    let html = open_in_wechat(&app, &standin, &browser, "/c/tea", "o_same").await;
    assert_eq!(
        join_form(&app, &browser, &html, "", &mobile(1))
            .await
            .status(),
        303
    );
    let first = code_of(&app, &mobile(1)).await;
    // The same WeChat account invites "a friend" with a second phone number.
    let other = phone();
    let path = format!("/c/tea?ref={first}");
    let html = open_in_wechat(&app, &standin, &other, &path, "o_same").await;
    assert_eq!(
        join_form(&app, &other, &html, &format!("?ref={first}"), &mobile(2))
            .await
            .status(),
        303
    );
    let second = code_of(&app, &mobile(2)).await;
    let flags = "SELECT COUNT(*) FROM fraud_flags f JOIN participants p ON p.id = f.participant_id \
                 WHERE p.code = $1 AND f.rule IN ('wechat_several_phones', 'same_wechat_as_inviter')";
    assert_eq!(scalar_i64(&app, flags, &second).await, 2);
    assert_eq!(scalar_i64(&app, flags, &first).await, 0);
    let held = "SELECT COUNT(*) FROM referrals r JOIN participants p ON p.id = r.invitee_id WHERE p.code = $1 AND r.state = 'held'";
    assert_eq!(
        scalar_i64(&app, held, &second).await,
        1,
        "the referral waits for review"
    );
    // The review queue reads the WeChat reasons in both languages, with their weight.
    let queue: serde_json::Value = app
        .get_as("/api/v1/campaigns/tea/reviews", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    let item = &queue["items"][0];
    assert_eq!(item["risk_score"], 100, "60 + 50, at most 100: {item}");
    let reasons: Vec<(&str, &str)> = item["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["reason_zh"].as_str().unwrap(),
                f["reason_en"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        reasons.contains(&(
            "同一个微信号已用2个手机号参与",
            "one WeChat account behind 2 phone numbers"
        )),
        "{reasons:?}"
    );
    run_jobs(&app).await;
    assert_eq!(
        scalar_i64(&app, "SELECT COUNT(*) FROM grants WHERE reason <> $1", "").await,
        0,
        "nothing is paid for it"
    );

    // A new phone, the same WeChat account: recognised as the first participant.
    let new_device = phone();
    open_in_wechat(&app, &standin, &new_device, "/c/tea", "o_same").await;
    let me = new_device.get(app.url("/c/tea/me")).send().await.unwrap();
    assert_eq!(me.status(), 200);
    assert!(
        me.text().await.unwrap().contains(&first),
        "my page is the first participant's"
    );
    // Typing the first phone number again inside that WeChat is no login trick either way.
    let (_, html) = page(&app, &new_device, "/c/tea").await;
    assert_eq!(
        join_form(&app, &new_device, &html, "", &mobile(1))
            .await
            .status(),
        303
    );
    // Erasing the person erases their openid: the account is a stranger again.
    let person = format!("/api/v1/campaigns/tea/participants/{first}");
    let erased = app
        .api
        .delete(app.url(&person))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 200);
    let bound = "SELECT COUNT(*) FROM wechat_identities WHERE openid = $1";
    assert_eq!(scalar_i64(&app, bound, "o_same").await, 0);
    let later = phone();
    open_in_wechat(&app, &standin, &later, "/c/tea", "o_same").await;
    let me = later.get(app.url("/c/tea/me")).send().await.unwrap();
    assert_eq!(me.status(), 303, "no longer recognised");
    assert!(standin.problems().is_empty(), "{:?}", standin.problems());
}

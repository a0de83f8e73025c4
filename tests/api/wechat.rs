//! WeChat end to end against the stand-in: authorisation inside WeChat, the openid as
//! identity and fraud signal, and cash rewards paid by WeChat Pay transfer, once, with
//! two servers racing and WeChat Pay answering with its documented errors.

use reqwest::redirect::Policy;
use serde_json::json;

use crate::helpers::{mobile, phone, spawn_app_with, Backend, Client, TestApp, PUBLIC_URL};
use crate::landing::csrf_from;
use crate::rewards::rules_campaign;
use crate::wechat_standin::{StandIn, APP_ID};

/// Runs each test on SQLite and, when configured, PostgreSQL.
#[macro_export]
macro_rules! wechat_on_both {
    ($($name:ident),*) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() { super::$name($crate::helpers::Backend::Sqlite).await }
            #[actix_web::test]
            async fn postgres() {
                if $crate::helpers::postgres_configured() { super::$name($crate::helpers::Backend::Postgres).await }
            }
        }
    )*};
}

wechat_on_both!(
    a_campaign_asking_for_a_nickname_gets_it_and_the_avatar_from_wechat,
    one_wechat_account_behind_two_phones_or_its_inviter_is_flagged_and_recognised_anywhere,
    a_wechat_outage_leaves_the_phone_path_working
);

pub(crate) async fn app_with(
    backend: Backend,
    standin: &StandIn,
    extra: &[(&str, &str)],
) -> TestApp {
    let settings = standin.settings();
    let mut pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    pairs.extend_from_slice(extra);
    spawn_app_with(backend, &pairs).await
}

pub(crate) fn plain() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// Opens `path` inside WeChat as `openid`: through WeChat's silent authorisation and
/// back. Returns the page's HTML.
pub(crate) async fn open_in_wechat(
    app: &TestApp,
    standin: &StandIn,
    browser: &Client,
    path: &str,
    openid: &str,
) -> String {
    open_with_scope(app, standin, browser, (path, openid), "snsapi_base").await
}

async fn open_with_scope(
    app: &TestApp,
    standin: &StandIn,
    browser: &Client,
    (path, openid): (&str, &str),
    scope: &str,
) -> String {
    standin.as_user(openid, "茶友小王");
    let first = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(
        first.status(),
        302,
        "inside WeChat the page first asks WeChat who this is"
    );
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let expected = format!(
        "{}/connect/oauth2/authorize?appid={APP_ID}&redirect_uri=https%3A%2F%2Ffission%2Etest%2Fc%2Ftea%2Fwechat%2Fcallback&response_type=code&scope={scope}&state=",
        standin.url
    );
    assert!(location.starts_with(&expected), "{location}");
    assert!(location.ends_with("#wechat_redirect"));
    let at_wechat = plain()
        .get(location.split('#').next().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(at_wechat.status(), 302);
    let callback = at_wechat.headers()["location"]
        .to_str()
        .unwrap()
        .replace(PUBLIC_URL, &app.address);
    let back = browser.get(&callback).send().await.unwrap();
    assert_eq!(back.status(), 302);
    assert_eq!(back.headers()["location"], path);
    // The state was single-use: the same callback again gets nothing.
    let replay = plain().get(&callback).send().await.unwrap();
    assert!(replay
        .headers()
        .get("set-cookie")
        .is_none_or(|c| !c.to_str().unwrap().starts_with("fx_wx=")));
    let page = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(page.status(), 200, "with an openid the page shows");
    page.text().await.unwrap()
}

pub(crate) async fn join_form(
    app: &TestApp,
    browser: &Client,
    html: &str,
    query: &str,
    phone_no: &str,
) -> reqwest::Response {
    let csrf = csrf_from(html);
    browser
        .post(app.url(&format!("/c/tea/join{query}")))
        .form(&[
            ("phone", phone_no),
            ("consent", "yes"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap()
}

pub(crate) async fn scalar_i64(app: &TestApp, sql: &str, bind: &str) -> i64 {
    fission::with_db!(&*app.state.db, read, |pool| sqlx::query_scalar::<_, i64>(
        sql
    )
    .bind(bind)
    .fetch_one(pool)
    .await
    .unwrap())
}

pub(crate) async fn text(app: &TestApp, sql: &str, bind: &str) -> Option<String> {
    fission::with_db!(&*app.state.db, read, |pool| sqlx::query_scalar::<
        _,
        Option<String>,
    >(sql)
    .bind(bind)
    .fetch_optional(pool)
    .await
    .unwrap()
    .flatten())
}

pub(crate) async fn code_of(app: &TestApp, phone_no: &str) -> String {
    let sql = "SELECT code FROM participants WHERE phone LIKE '%' || $1";
    text(app, sql, phone_no).await.expect("a participant")
}

pub(crate) async fn journal(app: &TestApp, grant_id: &str, event: &str) -> i64 {
    let sql =
        format!("SELECT COUNT(*) FROM ledger_entries WHERE grant_id = $1 AND event = '{event}'");
    scalar_i64(app, &sql, grant_id).await
}

pub(crate) async fn run_jobs(app: &TestApp) {
    fission::jobs::run_once(&app.state, chrono::Utc::now())
        .await
        .unwrap();
}

pub(crate) async fn deliver(app: &TestApp, callback: &(Vec<(String, String)>, String)) -> u16 {
    let mut request = plain()
        .post(app.url("/wechat/pay/notify"))
        .header("content-type", "application/json");
    for (name, value) in &callback.0 {
        request = request.header(name, value);
    }
    request
        .body(callback.1.clone())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// An inviter and one friend, both inside WeChat; returns the inviter's code.
pub(crate) async fn inviter_and_friend(app: &TestApp, standin: &StandIn) -> (String, Client) {
    let inviter = phone();
    let html = open_in_wechat(app, standin, &inviter, "/c/tea", "o_inviter").await;
    let joined = join_form(app, &inviter, &html, "", &mobile(1)).await;
    assert_eq!(joined.status(), 303);
    let me = inviter.get(app.url("/c/tea/me")).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let inviter_code = code_of(app, &mobile(1)).await;
    let friend = phone();
    let path = format!("/c/tea?ref={inviter_code}");
    let html = open_in_wechat(app, standin, &friend, &path, "o_friend").await;
    assert_eq!(
        join_form(
            app,
            &friend,
            &html,
            &format!("?ref={inviter_code}"),
            &mobile(2)
        )
        .await
        .status(),
        303
    );
    (inviter_code, inviter)
}

pub(crate) async fn the_grant_of(app: &TestApp, inviter_code: &str) -> (String, String) {
    let grant = text(app, "SELECT g.id FROM grants g JOIN participants p ON p.id = g.participant_id WHERE p.code = $1", inviter_code)
        .await
        .expect("a grant");
    let bill = text(
        app,
        "SELECT out_bill_no FROM wechat_transfers WHERE grant_id = $1",
        &grant,
    )
    .await
    .expect("a transfer");
    (grant, bill)
}

pub(crate) fn cash_campaign() -> serde_json::Value {
    let mut c = rules_campaign(
        json!([{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 150}}]),
        10_000,
    );
    c["status"] = json!("active");
    c
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
    let html = new_device
        .get(app.url("/c/tea"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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

async fn a_campaign_asking_for_a_nickname_gets_it_and_the_avatar_from_wechat(backend: Backend) {
    let standin = StandIn::start().await;
    let app = app_with(backend, &standin, &[]).await;
    let mut campaign = cash_campaign();
    campaign["page"] = json!({"ask_name": true});
    app.create_campaign(campaign).await;
    let browser = phone();
    let html = open_with_scope(
        &app,
        &standin,
        &browser,
        ("/c/tea", "o_named"),
        "snsapi_userinfo",
    )
    .await;
    assert_eq!(
        join_form(&app, &browser, &html, "", &mobile(5))
            .await
            .status(),
        303
    );
    let name = "SELECT name FROM participants WHERE phone LIKE '%' || $1";
    assert_eq!(
        text(&app, name, &mobile(5)).await.as_deref(),
        Some("茶友小王")
    );
    let avatar = "SELECT avatar_url FROM wechat_identities WHERE openid = $1";
    let avatar = text(&app, avatar, "o_named").await.unwrap();
    assert!(avatar.starts_with("https://thirdwx.qlogo.cn/"));
    assert!(standin.problems().is_empty(), "{:?}", standin.problems());
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
    let at_wechat = plain()
        .get(location.split('#').next().unwrap())
        .send()
        .await
        .unwrap();
    let callback = at_wechat.headers()["location"]
        .to_str()
        .unwrap()
        .replace(PUBLIC_URL, &app.address);
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

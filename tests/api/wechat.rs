//! What the WeChat tests share: a server pointed at the stand-in, a phone browser taken
//! through WeChat's authorisation, the join form, and reads of what was stored. The
//! tests are in `wechat_identity.rs` and `wechat_pay.rs`.

use reqwest::redirect::Policy;
use serde_json::json;

use crate::helpers::{
    mobile, person_ip, phone, spawn_app_with, Backend, Client, TestApp, PUBLIC_URL,
};
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

pub(crate) async fn app_with(
    backend: Backend,
    standin: &StandIn,
    extra: &[(&str, &str)],
) -> TestApp {
    let settings = standin.settings();
    spawn_app_with(backend, &overrides(&settings, extra)).await
}

/// A second server on `app`'s database, configured like `app_with` configured it.
pub(crate) async fn second_server(
    app: &TestApp,
    standin: &StandIn,
    extra: &[(&str, &str)],
) -> TestApp {
    let settings = standin.settings();
    crate::helpers::spawn_second(app, &overrides(&settings, extra)).await
}

fn overrides<'a>(
    settings: &'a [(&'a str, String)],
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    pairs.extend_from_slice(extra);
    pairs
}

pub(crate) fn plain() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// Follows WeChat's authorise page (the stand-in's) to the callback on the test server.
pub(crate) async fn at_wechat(app: &TestApp, location: &str) -> String {
    let page = location.split('#').next().unwrap();
    let answer = plain().get(page).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    let callback = answer.headers()["location"].to_str().unwrap();
    callback.replace(PUBLIC_URL, &app.address)
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

pub(crate) async fn open_with_scope(
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
    let callback = at_wechat(app, &location).await;
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
    // Each person on their own network, as the fraud rules expect of real people.
    browser
        .post(app.url(&format!("/c/tea/join{query}")))
        .header("x-forwarded-for", person_ip(phone_no))
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

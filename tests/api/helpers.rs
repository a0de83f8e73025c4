#![allow(dead_code)]
//! Starts the real server on 127.0.0.1:0 with a fresh database (a temporary SQLite file,
//! or a fresh PostgreSQL schema) and talks to it over HTTP.

use std::collections::HashMap;
use std::io::{Cursor, Write};

pub use crate::client::Client;
use actix_web::web::Data;
use fission::config::Settings;
use fission::startup::Application;
use fission::state::AppState;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const PUBLIC_URL: &str = "https://fission.test";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// Checks every response against the OpenAPI document.
    pub api: Client,
    pub state: Data<AppState>,
    pub admin: String,
    pub backend: Backend,
    pub database_url: String,
    _dir: tempfile::TempDir,
}

/// Runs the body once per backend. Without FISSION_TEST_POSTGRES_URL the PostgreSQL half
/// says so on stderr and returns, or fails when `CI` is set: CI never skips a backend.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: $crate::helpers::TestApp) $body
            #[actix_web::test]
            async fn sqlite() { run($crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await).await }
            #[actix_web::test]
            async fn postgres() {
                if $crate::helpers::postgres_configured() {
                    run($crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await).await
                }
            }
        }
    )*};
}

const POSTGRES_URL: &str = "FISSION_TEST_POSTGRES_URL";

/// Whether the PostgreSQL half can run; a loud skip locally, a failure in CI.
pub fn postgres_configured() -> bool {
    if std::env::var(POSTGRES_URL).is_ok_and(|url| !url.is_empty()) {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{POSTGRES_URL} is not set: CI runs every test on PostgreSQL too");
    }
    // Written past the test harness's capture, so the skip shows in every run.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED (PostgreSQL): {POSTGRES_URL} not set"
    );
    false
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// A fresh database URL for the backend.
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("fission.db").display()),
        Backend::Postgres => {
            let base = std::env::var(POSTGRES_URL).expect("the PostgreSQL test database URL");
            let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&base)
                .await
                .expect("connecting to PostgreSQL");
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(&mut conn)
                .await
                .expect("creating a schema");
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}options[search_path]={schema}")
        }
    }
}

pub async fn spawn_app_with(backend: Backend, overrides: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database_url = fresh_database(backend, dir.path()).await;
    spawn_on(backend, database_url, dir, overrides).await
}

/// Another server on the same database as `other` (several servers behind one balancer).
pub async fn spawn_second(other: &TestApp, overrides: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary directory");
    spawn_on(other.backend, other.database_url.clone(), dir, overrides).await
}

async fn spawn_on(
    backend: Backend,
    database_url: String,
    dir: tempfile::TempDir,
    overrides: &[(&str, &str)],
) -> TestApp {
    // Server errors show in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter("error")
        .with_test_writer()
        .try_init();
    let mut vars: HashMap<String, String> = HashMap::from([
        ("FISSION_DATABASE_URL".into(), database_url.clone()),
        ("FISSION_BIND".into(), "127.0.0.1:0".into()),
        ("FISSION_PUBLIC_URL".into(), PUBLIC_URL.into()),
        // The test server speaks plain HTTP behind an https public URL.
        ("FISSION_COOKIE_SECURE".into(), "false".into()),
        (
            "FISSION_DATA_DIR".into(),
            dir.path().join("data").display().to_string(),
        ),
        (
            "FISSION_SECRET_KEY".into(),
            "test-secret-key-that-is-long-enough-0123456789".into(),
        ),
        ("FISSION_WEBHOOK_SECRET".into(), "whsec-test".into()),
        ("FISSION_WORKERS".into(), "2".into()),
        ("FISSION_RATE_LIMIT_PER_MINUTE".into(), "0".into()),
        ("FISSION_CAMPAIGN_CACHE_SECS".into(), "0".into()),
        ("FISSION_DB_MAX_CONNECTIONS".into(), "5".into()),
        // Tests play many people from one machine: each gets its own forwarded address.
        ("FISSION_TRUSTED_PROXIES".into(), "127.0.0.1".into()),
    ]);
    for (k, v) in overrides {
        vars.insert((*k).into(), (*v).into());
    }
    let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("valid test settings");
    let app = Application::build(settings).await.expect("the app builds");
    let port = app.port();
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    let admin = fission::auth::tokens::create(
        &state.db,
        "test admin",
        fission::auth::Role::Admin,
        chrono::Utc::now(),
    )
    .await
    .expect("an admin token");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        api: Client::new(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(IDLE)
                .build()
                .unwrap(),
        ),
        state,
        admin,
        backend,
        database_url,
        _dir: dir,
    }
}

/// Idle connections are dropped before the server's keep-alive (5 s) closes them, so a
/// slow step between two requests never meets a connection closing under it.
const IDLE: std::time::Duration = std::time::Duration::from_secs(2);

/// A phone browser: keeps cookies, does not follow redirects, says it is WeChat.
pub fn phone() -> Client {
    Client::new(reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(IDLE)
        .user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47")
        .build()
        .unwrap())
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn token(&self, role: &str) -> String {
        let role = fission::auth::Role::parse(role).expect("a role");
        fission::auth::tokens::create(&self.state.db, role.as_str(), role, chrono::Utc::now())
            .await
            .unwrap()
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.api
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch_json(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.api
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.api
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn create_campaign(&self, body: Value) -> Value {
        let response = self
            .post_json("/api/v1/campaigns", &self.admin, &body)
            .await;
        assert_eq!(response.status(), 201, "creating a campaign");
        response.json().await.unwrap()
    }

    /// An open campaign with no group requirement and no hold: invites qualify at once.
    pub async fn simple_campaign(&self, slug: &str) -> Value {
        self.create_campaign(json!({"slug": slug, "title": "春茶上新", "status": "active"}))
            .await
    }

    pub async fn upload_png(&self, width: u32, height: u32) -> Value {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(png(width, height))
                .file_name("bg.png")
                .mime_str("image/png")
                .unwrap(),
        );
        let response = self
            .api
            .post(self.url("/api/v1/assets"))
            .bearer_auth(&self.admin)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "uploading an image");
        response.json().await.unwrap()
    }

    /// Leaves a phone number through the public JSON API, as a person on their own phone
    /// and network.
    pub async fn join(&self, slug: &str, phone: &str, inviter: Option<&str>) -> reqwest::Response {
        self.join_from(
            slug,
            phone,
            inviter,
            &person_ip(phone),
            &format!("TestPhone/{phone}"),
        )
        .await
    }

    pub async fn join_from(
        &self,
        slug: &str,
        phone: &str,
        inviter: Option<&str>,
        ip: &str,
        user_agent: &str,
    ) -> reqwest::Response {
        let mut body = json!({"phone": phone, "consent": true});
        if let Some(code) = inviter {
            body["ref"] = json!(code);
        }
        self.api
            .post(self.url(&format!("/api/v1/public/campaigns/{slug}/participants")))
            .header("x-forwarded-for", ip)
            .header("user-agent", user_agent)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn join_ok(&self, slug: &str, phone: &str, inviter: Option<&str>) -> Value {
        let response = self.join(slug, phone, inviter).await;
        assert!(
            response.status().is_success(),
            "join failed: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    pub async fn stats(&self, slug: &str) -> Value {
        let response = self
            .get_as(&format!("/api/v1/campaigns/{slug}/stats"), &self.admin)
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 200])
    });
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// The error code of a contract error body.
pub async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("an error body in JSON");
    body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned()
}

/// A distinct address per person, derived from their phone number.
pub fn person_ip(phone: &str) -> String {
    let n: u64 = phone
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0, |acc, b| acc.wrapping_mul(31).wrapping_add(u64::from(b)));
    format!("10.{}.{}.{}", (n >> 16) % 256, (n >> 8) % 256, n % 256)
}

/// Unique 11-digit mobile numbers for tests.
pub fn mobile(n: u32) -> String {
    format!("139{:08}", n)
}

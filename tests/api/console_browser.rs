#![allow(dead_code)]
//! A browser for the console in tests: keeps cookies, does not follow redirects, sends
//! the Origin header a browser sends with a form from our own pages, and reads forms'
//! CSRF tokens out of the HTML. Console pages are HTML, outside the OpenAPI contract, so
//! this is a plain reqwest client (not the contract-checking one).

use fission::auth::Role;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use reqwest::Response;

use crate::helpers::TestApp;

pub const PASSWORD: &str = "correct-horse-battery";

pub struct Browser {
    pub client: reqwest::Client,
    base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                // Steps here can wait seconds (the command line hashing a password) while
                // the server closes idle connections: a reused one can die mid-request.
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            base: app.address.clone(),
        }
    }

    /// A fresh account of this role, signed in; returns the browser and the e-mail.
    pub async fn signed_in(app: &TestApp, role: Role) -> (Browser, String) {
        let email = format!(
            "{}-{}@brand.test",
            role.as_str(),
            uuid::Uuid::now_v7().simple()
        );
        create_user(app, &email, role).await;
        let browser = Browser::new(app);
        let response = browser.sign_in(&email, PASSWORD).await;
        assert_eq!(response.status(), 303, "signing in as {email}");
        (browser, email)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// A page's status and HTML.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// The CSRF token of the first form on a page.
    pub async fn csrf(&self, path: &str) -> String {
        let (status, html) = self.page(path).await;
        assert_eq!(status, 200, "GET {path}");
        csrf_of(&html)
    }

    /// Posts a form as a browser on our own page does (Origin: this server).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.post_form_from(&self.base, path, fields).await
    }

    pub async fn post_form_from(
        &self,
        origin: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        self.client
            .post(self.url(path))
            .header("Origin", origin)
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Loads the sign-in form and submits it.
    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        let token = self.csrf("/admin/login").await;
        self.post_form(
            "/admin/login",
            &[("email", email), ("password", password), ("_csrf", &token)],
        )
        .await
    }
}

pub async fn create_user(app: &TestApp, email: &str, role: Role) {
    fission::users::service::create(
        &app.state.db,
        email,
        role,
        PASSWORD,
        &fission::audit::Actor::system("test"),
    )
    .await
    .expect("a console user");
}

/// The value of the first `name="_csrf"` field.
pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"_csrf\" value=\"")
        .expect("a form with a CSRF token");
    let rest = &html[at + "name=\"_csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The Set-Cookie line of a cookie.
pub fn set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

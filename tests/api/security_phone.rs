//! Issue 8 item 1 (first half): a phone number is not a login. A known phone submitted
//! from a browser that is not its participant's gets the poster and invite link, never
//! the participant's cookie, rewards or shipping form.

use crate::both_backends;
use crate::helpers::{mobile, phone, Client, TestApp};
use crate::landing::unescape;
use crate::security_limits::join_on_page_from;

async fn join(app: &TestApp, browser: &Client, number: &str) -> reqwest::Response {
    join_on_page_from(app, browser, number, "10.1.2.3").await
}

both_backends! {
    async fn a_known_phone_from_another_browser_gets_no_cookie_and_nothing_private(app: TestApp) {
        app.simple_campaign("tea").await;
        let owner = phone();
        let number = mobile(1);
        assert_eq!(join(&app, &owner, &number).await.status(), 303);
        let mine = owner.get(app.url("/c/tea/me")).send().await.unwrap();
        assert_eq!(mine.status(), 200, "the owner sees their page");
        let stranger = phone();
        let response = join(&app, &stranger, &number).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().starts_with("fx_me")),
            "no participant cookie for a phone number alone");
        let html = unescape(&response.text().await.unwrap());
        assert!(html.contains("/c/tea?ref="), "the invite link");
        assert!(html.contains("/p/") && html.contains(".jpg"), "the poster");
        assert!(!html.contains("name=\"address\""), "no shipping form");
        let page = stranger.get(app.url("/c/tea/me")).send().await.unwrap();
        assert_eq!(page.status(), 303, "the stranger has no participant page");
        // The participant on their own device is never asked.
        assert_eq!(join(&app, &owner, &number).await.status(), 303);
    }
}

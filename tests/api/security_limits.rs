//! Issue 8 item 15: public writes are limited per visitor first, with a much higher
//! ceiling per address, so many people behind one address can join at once.

use crate::helpers::{mobile, phone, spawn_app_with, Backend, Client, TestApp};
use crate::landing::csrf_from;

const OFFICE: &str = "198.51.100.7";

/// One phone browser from `ip`: opens the landing page, then submits the form.
pub async fn join_on_page_from(
    app: &TestApp,
    browser: &Client,
    number: &str,
    ip: &str,
) -> reqwest::Response {
    let html = browser
        .get(app.url("/c/tea"))
        .header("x-forwarded-for", ip)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&html);
    browser
        .post(app.url("/c/tea/join"))
        .header("x-forwarded-for", ip)
        .form(&[
            ("phone", number),
            ("consent", "yes"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap()
}

async fn join_from_the_office(app: &TestApp, browser: &Client, n: u32) -> u16 {
    join_on_page_from(app, browser, &mobile(n), OFFICE)
        .await
        .status()
        .as_u16()
}

async fn limits(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("FISSION_RATE_LIMIT_PER_MINUTE", "3"),
            ("FISSION_RATE_LIMIT_BURST", "3"),
            ("FISSION_RATE_LIMIT_IP_PER_MINUTE", "40"),
        ],
    )
    .await;
    app.simple_campaign("tea").await;
    // A class scanning one poster: 30 people, one address.
    for n in 0..30 {
        assert_eq!(
            join_from_the_office(&app, &phone(), n).await,
            303,
            "person {n}"
        );
    }
    assert_eq!(app.stats("tea").await["leads"], 30);
    // One browser hammering is slowed, though the address has room left.
    let hammer = phone();
    let mut statuses = Vec::new();
    for n in 100..106 {
        statuses.push(join_from_the_office(&app, &hammer, n).await);
    }
    assert_eq!(
        statuses,
        [303, 303, 303, 429, 429, 429],
        "one visitor, six joins in a row"
    );
    // The address's ceiling still holds over many visitors.
    let mut refused = 0;
    for n in 200..215 {
        if join_from_the_office(&app, &phone(), n).await == 429 {
            refused += 1;
        }
    }
    assert!(refused > 0, "40 a minute per address");
}

#[actix_web::test]
async fn many_visitors_share_an_address_but_one_visitor_is_slowed_sqlite() {
    limits(Backend::Sqlite).await;
}

#[actix_web::test]
async fn many_visitors_share_an_address_but_one_visitor_is_slowed_postgres() {
    if crate::helpers::postgres_configured() {
        limits(Backend::Postgres).await;
    }
}

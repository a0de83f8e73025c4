//! The route table: the top floor of the house. It names every domain's handlers; nothing
//! but start-up imports it.

use actix_web::{web, App};
use serde_json::Value;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;

use crate::{
    assets, auth, campaigns, groups, health, http, pages, participants, posters, rewards, stats,
};

/// Every route of the application, domain by domain.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(health::configure)
        .service(http::metrics::render)
        .service(http::openapi::serve)
        .configure(assets::configure)
        .configure(campaigns::configure)
        .configure(auth::configure)
        .map(legacy);
}

/// The OpenAPI document of [`configure`], built on a throwaway app.
pub fn document() -> Value {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(http::openapi::base())
        .configure(configure)
        .split_for_parts();
    http::openapi::finish(doc)
}

fn legacy(cfg: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    cfg.route(
        "/hooks/v1/group-events",
        web::post().to(groups::webhook::receive),
    )
    .service(
        web::scope("/api/v1")
            .route(
                "/campaigns/{slug}/seeds",
                web::post().to(participants::handlers::seeds),
            )
            .route(
                "/campaigns/{slug}/participants/{code}",
                web::get().to(participants::handlers::detail),
            )
            .route("/campaigns/{slug}/stats", web::get().to(stats::show))
            .route(
                "/campaigns/{slug}/leaderboard",
                web::get().to(rewards::leaderboard::show),
            )
            .route(
                "/campaigns/{slug}/coupon-pools/{pool}/codes",
                web::post().to(rewards::coupons::import),
            )
            .route(
                "/campaigns/{slug}/ledger.csv",
                web::get().to(rewards::ledger::csv),
            )
            .route(
                "/campaigns/{slug}/ledger.xlsx",
                web::get().to(rewards::ledger::xlsx),
            )
            .route(
                "/campaigns/{slug}/payouts",
                web::post().to(rewards::payouts::create),
            )
            .route(
                "/campaigns/{slug}/reconciliation",
                web::get().to(rewards::payouts::reconciliation),
            )
            .route("/payouts/{id}.csv", web::get().to(rewards::payouts::file))
            .service(
                // A provider's result file can be long: up to 100,000 lines.
                web::resource("/payouts/{id}/results")
                    .app_data(http::extract::json_config(16 << 20))
                    .route(web::post().to(rewards::payouts::results)),
            )
            .route(
                "/campaigns/{slug}/groups",
                web::post().to(groups::handlers::create),
            )
            .route(
                "/campaigns/{slug}/groups",
                web::get().to(groups::handlers::list),
            )
            .route(
                "/campaigns/{slug}/groups/{id}",
                web::patch().to(groups::handlers::patch),
            )
            .route(
                "/campaigns/{slug}/groups/{id}/members",
                web::post().to(groups::handlers::import_members),
            )
            .route(
                "/campaigns/{slug}/group-events",
                web::get().to(groups::handlers::list_events),
            )
            .route(
                "/campaigns/{slug}/group-events/{id}/match",
                web::post().to(groups::handlers::match_event),
            )
            .route(
                "/group-events/unmatched",
                web::get().to(groups::handlers::list_unmatched),
            )
            .route(
                "/public/campaigns/{slug}/participants",
                web::post().to(participants::handlers::join_json),
            ),
    )
    .service(
        web::scope("/c/{slug}")
            .route("", web::get().to(pages::landing::show))
            .route("", web::head().to(pages::landing::head))
            .route("/join", web::post().to(pages::join::submit))
            .route("/me", web::get().to(pages::me::show))
            .route("/me/shipping", web::post().to(pages::shipping::submit))
            .route("/group", web::get().to(pages::group::show))
            .route("/p/{file}", web::get().to(posters::handlers::show)),
    )
}

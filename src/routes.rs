//! The route table: the top floor of the house. It names every domain's handlers; nothing
//! but start-up imports it.

use actix_web::App;
use serde_json::Value;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;

use crate::{
    assets, audit, auth, campaigns, console, groups, health, http, pages, participants, posters,
    reviews, rewards, stats, wechat,
};

/// Every route of the application, domain by domain. The phone pages come first: the
/// router tries routes in this order (a regular expression each), and the landing page
/// is the route most requests are for.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(pages::configure)
        .configure(health::configure)
        .service(http::metrics::render)
        .service(http::openapi::serve)
        .configure(assets::configure)
        .configure(campaigns::configure)
        .configure(rewards::configure)
        .configure(stats::configure)
        .configure(groups::configure)
        .configure(participants::configure)
        .configure(reviews::configure)
        .configure(auth::configure)
        .configure(audit::configure)
        .configure(wechat::configure)
        .configure(posters::configure)
        .configure(console::configure);
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

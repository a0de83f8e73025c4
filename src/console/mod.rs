//! The web console at /admin: server-rendered pages for marketers, finance and admins,
//! signed in with an e-mail and password. Every page calls the same domain services as
//! the JSON API; this module holds the frame (sessions, CSRF, templates, strings, static
//! files) and one module per page.
//!
//! Adding a page: a module here with `pub fn configure(cfg: &mut web::ServiceConfig) ->
//! &mut web::ServiceConfig` (named in [`configure`] below); handlers take
//! `Console<A>` (A from `crate::auth`), POST handlers call `console.check_csrf(&req,
//! &form._csrf)?` first, and answer `page(&state, &console, "console/x.html", ctx)`,
//! or `page_with_status(.., StatusCode::UNPROCESSABLE_ENTITY, ..)` for a form shown
//! again with its errors. The template `{% extends "console/base.html" %}` and fills
//! `{% block content %}` (and `heading`, `title`); strings go in a `[x]` table of
//! templates/console/strings/{zh-CN,en}.toml, read as `t.x.key`. Money and times for
//! people: [`format`] (yuan, Beijing time). Handlers return `Result<_, ConsoleError>`.

mod audit;
mod campaigns;
mod dashboard;
mod dashboard_table;
mod dashboard_view;
mod editor;
pub mod error;
mod field_errors;
mod finance;
mod finance_payouts;
mod finance_reconcile;
pub mod format;
mod groups;
mod groups_forms;
mod login;
mod participants;
mod participants_detail;
mod poster;
mod poster_designs;
mod poster_form;
pub mod render;
mod reviews;
pub mod session;
mod static_files;
mod tokens;
mod users;

use actix_web::web;
use utoipa_actix_web::service_config::ServiceConfig;

pub use error::ConsoleError;
pub use render::{page, page_with_status, ConsoleTemplates};
pub use session::Console;

/// Every console route. Pages are HTML for people, not part of the JSON contract, so
/// they are registered outside the OpenAPI document.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.map(|cfg| {
        cfg.service(login::home)
            .service(login::show_form)
            .service(login::submit)
            .service(login::logout)
            .service(login::switch_language)
            .route(
                "/admin/static/{path:.*}",
                web::get().to(static_files::serve),
            )
    })
    .map(audit::configure)
    .map(campaigns::configure)
    .map(dashboard::configure)
    .map(reviews::configure)
    .map(finance::configure)
    .map(finance_payouts::configure)
    .map(finance_reconcile::configure)
    .map(participants::configure)
    .map(editor::configure)
    .map(poster::configure)
    .map(groups::configure)
    .map(tokens::configure)
    .map(users::configure);
}

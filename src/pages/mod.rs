//! The pages people see on their phones: the three-section landing page, the join form,
//! their own page with poster and progress, and the group live code.

pub mod cookies;
pub(crate) mod csrf;
pub mod group;
mod gzip;
mod invitees;
pub mod join;
pub mod landing;
mod live;
pub mod me;
pub mod preview;
mod remind;
pub mod reminders;
pub mod render;
mod rules_text;
mod service;
pub mod shipping;
mod stitched;
mod store;
mod theme;
mod verify;
mod verify_page;
mod views;

use utoipa_actix_web::service_config::ServiceConfig;

pub use render::Templates;
pub use stitched::PageCache;

/// The phone pages under `/c/{slug}`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(landing::show)
        .service(landing::head)
        .service(join::submit)
        .service(remind::submit)
        .service(me::show)
        .service(shipping::submit)
        .service(verify::send)
        .service(verify::verify)
        .service(group::show)
        .service(preview::signed)
        .service(preview::draft)
        .service(preview::signed_link);
}

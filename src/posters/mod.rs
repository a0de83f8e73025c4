//! Posters: each participant's own image, the campaign background with their QR code,
//! nickname and avatar, in one of the campaign's designs. Rendered once off the async
//! workers, then served from memory or disk.

pub mod decode;
pub mod design;
mod design_handlers;
pub mod handlers;
mod paint;
pub mod person;
pub mod render;
pub mod sample;
pub mod service;
pub mod switch;
mod text;
pub mod views;

pub use service::PosterService;

use utoipa_actix_web::service_config::ServiceConfig;

/// `/c/{slug}/p/{file}`: the poster images; the designer's layout and preview.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::show)
        .configure(design_handlers::configure);
}

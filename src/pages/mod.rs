//! The pages people see on their phones: the three-section landing page, the join form,
//! their own page with poster and progress, and the group live code.

pub mod cookies;
pub mod group;
pub mod join;
pub mod landing;
pub mod me;
pub mod render;
pub mod shipping;
mod views;

pub use render::{PageCache, Templates};

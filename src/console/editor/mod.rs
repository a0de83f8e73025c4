//! The campaign editor: the campaign in sections (basics and dates, the page's three
//! sections, theme, poster, qualification, groups, rewards and budget, fraud thresholds),
//! a phone frame previewing the unsaved draft, the signed preview link for a real phone,
//! and the launch checklist with the 上线 button.

mod fields;
mod form;
mod handlers;
mod view;

pub use handlers::configure;

//! The integration suite: one binary, every capability over real HTTP, on SQLite and
//! (when configured) PostgreSQL.

mod client;
mod contract_check;
mod helpers;

mod admin_auth;
mod assets;
mod audit;
mod campaigns;
mod checklist;
mod console_audit;
mod console_auth;
mod console_browser;
mod console_campaigns;
mod console_cli;
mod console_editor;
mod contract;
mod finance_exports;
mod group_pool;
mod groups;
mod groups_credit;
mod health;
mod landing;
mod landing_live;
mod leads;
mod money;
mod phone_words;
mod poster_designer;
mod posters;
mod preview;
mod privacy;
mod qualification;
mod reviews;
mod rewards;
mod routing_scale;
mod security;
mod security_limits;
mod security_phone;
mod security_text;
mod standings;
mod stats;
mod tokens;
mod wechat;
mod wechat_pay;
mod wechat_standin;

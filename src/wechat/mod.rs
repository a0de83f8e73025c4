//! WeChat, optional: web authorisation gives visitors' openids (identity, a fraud
//! signal, the payee), and WeChat Pay's API v3 pays cash rewards as transfers to them.
//! The protocol parts (keys, signing, callback decryption, OAuth) are small and follow
//! WeChat's documentation; everything is off until its settings are given.

pub mod aead;
pub mod avatars;
pub mod certificates;
mod claim;
pub mod flags;
pub mod held_transfers;
pub mod identity_store;
pub mod keys;
mod notify;
pub mod oauth;
pub mod pages;
pub mod pay;
pub mod platform_keys;
pub mod real_name;
pub mod signing;
pub mod transfer_store;
pub mod transfers;

use std::time::Duration;

use anyhow::Context;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::config::WechatSettings;
pub use claim::link as claim_link;

/// The HTTP client every WeChat call goes through, with the configured timeout, and the
/// keys WeChat Pay signs with.
pub struct Wechat {
    pub client: reqwest::Client,
    pub keys: platform_keys::PlatformKeys,
}

impl Wechat {
    pub fn new(settings: &WechatSettings) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.timeout_ms))
            .connect_timeout(Duration::from_millis(settings.timeout_ms))
            .build()
            .context("building the WeChat HTTP client")?;
        let pay = settings.pay.as_ref();
        let keys = platform_keys::PlatformKeys::new(
            pay.map(|p| &p.public_key),
            pay.and_then(|p| p.cert_refresh_secs),
            chrono::Utc::now().timestamp_millis(),
        );
        Ok(Wechat { client, keys })
    }
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(pages::callback)
        .service(claim::show)
        .service(real_name::give)
        .service(notify::transfer_finished);
}

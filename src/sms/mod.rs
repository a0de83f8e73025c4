//! Text messages with one-time codes. A provider sends a code to a phone; `log` (the
//! default, for development and tests) writes it to the server log, `tencent` signs a
//! Tencent Cloud SMS `SendSms` request (TC3-HMAC-SHA256) and sends it. [`proof`] issues
//! and checks the codes (issue 8 item 1: a phone number is not a login).

pub mod log;
pub mod proof;
pub mod provider;
mod store;
pub mod tencent;
pub mod tencent_client;

use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::participants::phone::Phone;

pub use provider::SmsProvider;

/// Sends a one-time code to a mainland mobile number (11 digits).
pub trait SmsSender: Send + Sync {
    fn send_code<'a>(
        &'a self,
        phone: &'a Phone,
        code: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>>;

    /// Tells a phone that the campaign it asked to be reminded of has opened.
    fn send_opening<'a>(
        &'a self,
        phone: &'a Phone,
        title: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// The configured sender, shared by all workers.
pub struct Sms {
    sender: Arc<dyn SmsSender>,
    log: Option<Arc<log::LogSms>>,
}

impl Sms {
    pub fn new(provider: &SmsProvider) -> anyhow::Result<Sms> {
        Ok(match provider {
            SmsProvider::Log => {
                let log = Arc::new(log::LogSms::default());
                Sms {
                    sender: log.clone(),
                    log: Some(log),
                }
            }
            SmsProvider::Tencent(config) => Sms {
                sender: Arc::new(tencent_client::TencentSms::new(config.clone())?),
                log: None,
            },
        })
    }

    pub async fn send_code(&self, phone: &Phone, code: &str) -> anyhow::Result<()> {
        self.sender.send_code(phone, code).await
    }

    pub async fn send_opening(&self, phone: &Phone, title: &str) -> anyhow::Result<()> {
        self.sender.send_opening(phone, title).await
    }

    /// With the `log` provider, how many opening reminders `phone` was "sent".
    pub fn logged_openings(&self, phone: &str) -> u32 {
        self.log.as_ref().map_or(0, |log| log.openings(phone))
    }

    /// With the `log` provider, the last code written for `phone` (tests read it here).
    pub fn last_logged_code(&self, phone: &str) -> Option<String> {
        self.log.as_ref()?.last_code(phone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_provider_is_the_default_and_tencent_wants_its_keys() {
        assert_eq!(SmsProvider::from_lookup(|_| None), Ok(SmsProvider::Log));
        let tencent = |k: &str| (k == "FISSION_SMS_PROVIDER").then(|| "tencent".to_owned());
        let err = SmsProvider::from_lookup(tencent).unwrap_err();
        assert!(err.contains("FISSION_TENCENT_SMS_SECRET_ID"), "{err}");
        let other = |_: &str| Some("carrier-pigeon".to_owned());
        assert!(SmsProvider::from_lookup(other).is_err());
    }
}

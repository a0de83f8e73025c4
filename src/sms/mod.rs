//! Text messages with one-time codes. A provider sends a code to a phone; `log` (the
//! default, for development and tests) writes it to the server log, `tencent` signs a
//! Tencent Cloud SMS `SendSms` request (TC3-HMAC-SHA256).
//!
//! Not wired into the join flow yet (issue 8 item 1): the phone-proof page, the hashed
//! code store (migration 0009) and the send/verify routes are still to come.

pub mod log;
pub mod tencent;

use futures_util::future::BoxFuture;

/// Sends a one-time code to a mainland mobile number (11 digits).
pub trait SmsSender: Send + Sync {
    fn send_code<'a>(&'a self, phone: &'a str, code: &'a str) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// Which provider, from `FISSION_SMS_PROVIDER` (`log` by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsProvider {
    Log,
    Tencent(tencent::TencentConfig),
}

impl SmsProvider {
    /// Reads the provider and its keys through `get` (the environment, in `main`).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        match get("FISSION_SMS_PROVIDER").as_deref() {
            None | Some("log") => Ok(SmsProvider::Log),
            Some("tencent") => tencent::TencentConfig::from_lookup(get).map(SmsProvider::Tencent),
            Some(other) => Err(format!(
                "FISSION_SMS_PROVIDER: '{other}' is not log or tencent"
            )),
        }
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

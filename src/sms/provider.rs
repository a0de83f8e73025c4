//! Which SMS provider the configuration names; a leaf the configuration can read
//! without reaching the senders.

use super::tencent;

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

//! WeChat settings: web authorisation (`FISSION_WECHAT_*`) and WeChat Pay transfers
//! (`FISSION_WECHATPAY_*`). Each part is off until its required variables are set; a
//! part half-configured is an error naming the missing variable, so a typo never
//! silently turns payouts off. Keys are read and parsed here, at start.

use std::fmt;

use super::parse::{err, number};
use super::{ConfigError, Secret};
use crate::wechat::keys::{MerchantKey, PayPublicKey};

pub const APP_ID: &str = "FISSION_WECHAT_APP_ID";
pub const APP_SECRET: &str = "FISSION_WECHAT_APP_SECRET";
pub const API_BASE: &str = "FISSION_WECHAT_API_BASE";
pub const OAUTH_BASE: &str = "FISSION_WECHAT_OAUTH_BASE";
pub const TIMEOUT_MS: &str = "FISSION_WECHAT_TIMEOUT_MS";
pub const AVATAR_MAX_BYTES: &str = "FISSION_WECHAT_AVATAR_MAX_BYTES";
pub const MCH_ID: &str = "FISSION_WECHATPAY_MCH_ID";
pub const API_V3_KEY: &str = "FISSION_WECHATPAY_API_V3_KEY";
pub const CERT_SERIAL: &str = "FISSION_WECHATPAY_CERT_SERIAL";
pub const PRIVATE_KEY_FILE: &str = "FISSION_WECHATPAY_PRIVATE_KEY_FILE";
pub const PUBLIC_KEY_FILE: &str = "FISSION_WECHATPAY_PUBLIC_KEY_FILE";
pub const PUBLIC_KEY_ID: &str = "FISSION_WECHATPAY_PUBLIC_KEY_ID";
pub const PLATFORM_CERT_FILE: &str = "FISSION_WECHATPAY_PLATFORM_CERT_FILE";
pub const PLATFORM_CERT_SERIAL: &str = "FISSION_WECHATPAY_PLATFORM_CERT_SERIAL";
pub const NOTIFY_URL: &str = "FISSION_WECHATPAY_NOTIFY_URL";
pub const PAY_API_BASE: &str = "FISSION_WECHATPAY_API_BASE";
pub const TRANSFER_SCENE_ID: &str = "FISSION_WECHATPAY_TRANSFER_SCENE_ID";
pub const MAX_TRANSFER_FEN: &str = "FISSION_WECHATPAY_MAX_TRANSFER_FEN";
pub const DAILY_LIMIT_FEN: &str = "FISSION_WECHATPAY_USER_DAILY_LIMIT_FEN";
pub const REAL_NAME_FROM_FEN: &str = "FISSION_WECHATPAY_REAL_NAME_FROM_FEN";
pub const POLL_SECS: &str = "FISSION_WECHATPAY_POLL_SECS";
pub const CERT_REFRESH_SECS: &str = "FISSION_WECHATPAY_CERT_REFRESH_SECS";

/// Every variable this module reads, for the unknown-variable warning.
pub const VARS: &[&str] = &[
    APP_ID,
    APP_SECRET,
    API_BASE,
    OAUTH_BASE,
    TIMEOUT_MS,
    AVATAR_MAX_BYTES,
    MCH_ID,
    API_V3_KEY,
    CERT_SERIAL,
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    PUBLIC_KEY_ID,
    PLATFORM_CERT_FILE,
    PLATFORM_CERT_SERIAL,
    NOTIFY_URL,
    PAY_API_BASE,
    TRANSFER_SCENE_ID,
    MAX_TRANSFER_FEN,
    DAILY_LIMIT_FEN,
    REAL_NAME_FROM_FEN,
    POLL_SECS,
    CERT_REFRESH_SECS,
];

/// The official account (公众号) whose web authorisation gives visitors' openids.
#[derive(Debug, Clone)]
pub struct WechatOAuth {
    pub app_id: String,
    pub app_secret: Secret,
    /// `https://api.weixin.qq.com` unless a test points it elsewhere.
    pub api_base: String,
    /// `https://open.weixin.qq.com` unless a test points it elsewhere.
    pub oauth_base: String,
}

/// The merchant account that pays transfers (商家转账).
#[derive(Clone)]
pub struct WechatPay {
    pub mch_id: String,
    /// The 32-byte APIv3 key that decrypts callbacks.
    pub api_v3_key: Secret,
    /// The merchant API certificate's serial number, named in every request.
    pub cert_serial: String,
    pub merchant_key: MerchantKey,
    /// WeChat Pay's key that signs responses and callbacks, with the serial (public key id
    /// `PUB_KEY_ID_...` or platform certificate serial) it signs under.
    pub public_key: PayPublicKey,
    /// With a platform certificate: how often `/v3/certificates` is downloaded again
    /// (also whenever an unknown serial signs). `None` with a public key, which is fixed.
    pub cert_refresh_secs: Option<u64>,
    pub notify_url: String,
    pub api_base: String,
    /// The transfer scene agreed with WeChat Pay (1000 = 现金营销).
    pub transfer_scene_id: String,
    /// Largest single transfer, in fen.
    pub max_transfer: i64,
    /// Most one openid may receive per day, in fen.
    pub user_daily_limit: i64,
    /// From this amount (fen) WeChat Pay wants the payee's real name (2,000 yuan).
    pub real_name_from: i64,
    /// How often an open transfer is asked about when no callback came.
    pub poll_secs: u64,
}

impl fmt::Debug for WechatPay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatPay")
            .field("mch_id", &self.mch_id)
            .field("cert_serial", &self.cert_serial)
            .field("public_key_serial", &self.public_key.serial)
            .field("notify_url", &self.notify_url)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Default)]
pub struct WechatSettings {
    pub oauth: Option<WechatOAuth>,
    pub pay: Option<WechatPay>,
    /// Every call to WeChat gives up after this long: an outage must not hold a page.
    pub timeout_ms: u64,
    /// The largest WeChat avatar fetched for the poster, in bytes.
    pub avatar_max_bytes: u64,
}

fn base_url(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: &str,
) -> Result<String, ConfigError> {
    match get(var) {
        None => Ok(default.to_owned()),
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            Ok(url.trim_end_matches('/').to_owned())
        }
        Some(url) => Err(err(
            var,
            format!("'{url}' must start with http:// or https://"),
        )),
    }
}

/// Reads a variable that must be set once its group is in use.
fn required(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    group: &str,
) -> Result<String, ConfigError> {
    get(var).ok_or_else(|| err(var, format!("must be set when {group} is set")))
}

fn read_file(var: &'static str, path: &str) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| err(var, format!("cannot read '{path}': {e}")))
}

impl WechatSettings {
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let oauth = match (get(APP_ID), get(APP_SECRET)) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(err(APP_SECRET, format!("must be set when {APP_ID} is set")))
            }
            (None, Some(_)) => {
                return Err(err(APP_ID, format!("must be set when {APP_SECRET} is set")))
            }
            (Some(app_id), Some(secret)) => Some(WechatOAuth {
                app_id,
                app_secret: Secret(secret.into_bytes()),
                api_base: base_url(get, API_BASE, "https://api.weixin.qq.com")?,
                oauth_base: base_url(get, OAUTH_BASE, "https://open.weixin.qq.com")?,
            }),
        };
        let pay = match get(MCH_ID) {
            None => {
                if let Some(var) = [API_V3_KEY, CERT_SERIAL, PRIVATE_KEY_FILE]
                    .into_iter()
                    .find(|v| get(v).is_some())
                {
                    return Err(err(MCH_ID, format!("must be set when {var} is set")));
                }
                None
            }
            Some(mch_id) => Some(pay_settings(get, mch_id, oauth.is_some())?),
        };
        Ok(WechatSettings {
            oauth,
            pay,
            timeout_ms: number(get, TIMEOUT_MS, 3000, 100..=60_000)?,
            avatar_max_bytes: number(get, AVATAR_MAX_BYTES, 1 << 20, 1024..=(16 << 20))?,
        })
    }
}

fn pay_settings(
    get: &impl Fn(&str) -> Option<String>,
    mch_id: String,
    has_oauth: bool,
) -> Result<WechatPay, ConfigError> {
    if !has_oauth {
        return Err(err(
            APP_ID,
            format!("must be set when {MCH_ID} is set: transfers pay the openids it gives"),
        ));
    }
    if mch_id.is_empty() || !mch_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(
            MCH_ID,
            format!("'{mch_id}' is not a merchant number (digits)"),
        ));
    }
    let api_v3_key = required(get, API_V3_KEY, MCH_ID)?;
    if api_v3_key.len() != 32 {
        return Err(err(API_V3_KEY, "must be exactly 32 characters".into()));
    }
    let cert_serial = required(get, CERT_SERIAL, MCH_ID)?;
    if !cert_serial.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(err(
            CERT_SERIAL,
            "must be the certificate's serial number in hex".into(),
        ));
    }
    let key_path = required(get, PRIVATE_KEY_FILE, MCH_ID)?;
    let merchant_key = MerchantKey::from_pem(&read_file(PRIVATE_KEY_FILE, &key_path)?)
        .map_err(|why| err(PRIVATE_KEY_FILE, format!("'{key_path}': {why}")))?;
    let (public_key, cert_refresh_secs) = match (get(PUBLIC_KEY_FILE), get(PLATFORM_CERT_FILE)) {
        (Some(path), _) => {
            let serial = required(get, PUBLIC_KEY_ID, PUBLIC_KEY_FILE)?;
            let key =
                PayPublicKey::from_public_key_pem(&read_file(PUBLIC_KEY_FILE, &path)?, serial)
                    .map_err(|why| err(PUBLIC_KEY_FILE, format!("'{path}': {why}")))?;
            (key, None)
        }
        (None, Some(path)) => {
            let serial = required(get, PLATFORM_CERT_SERIAL, PLATFORM_CERT_FILE)?;
            let key = PayPublicKey::from_certificate_pem(
                &read_file(PLATFORM_CERT_FILE, &path)?,
                serial.to_ascii_uppercase(),
            )
            .map_err(|why| err(PLATFORM_CERT_FILE, format!("'{path}': {why}")))?;
            let refresh = number(get, CERT_REFRESH_SECS, 43_200, 60..=604_800)?;
            (key, Some(refresh))
        }
        (None, None) => {
            return Err(err(
                PUBLIC_KEY_FILE,
                format!("must be set when {MCH_ID} is set (or {PLATFORM_CERT_FILE})"),
            ))
        }
    };
    let notify_url = required(get, NOTIFY_URL, MCH_ID)?;
    if !notify_url.starts_with("https://") && !notify_url.starts_with("http://") {
        return Err(err(
            NOTIFY_URL,
            format!("'{notify_url}' must be an https:// address"),
        ));
    }
    let max_transfer: i64 = number(get, MAX_TRANSFER_FEN, 20_000, 10..=20_000_000)?;
    Ok(WechatPay {
        mch_id,
        api_v3_key: Secret(api_v3_key.into_bytes()),
        cert_serial: cert_serial.to_ascii_uppercase(),
        merchant_key,
        public_key,
        cert_refresh_secs,
        notify_url,
        api_base: base_url(get, PAY_API_BASE, "https://api.mch.weixin.qq.com")?,
        transfer_scene_id: get(TRANSFER_SCENE_ID).unwrap_or_else(|| "1000".into()),
        max_transfer,
        user_daily_limit: number(get, DAILY_LIMIT_FEN, 100_000, 10..=100_000_000)?,
        real_name_from: number(get, REAL_NAME_FROM_FEN, 200_000, 10..=100_000_000)?,
        poll_secs: number(get, POLL_SECS, 60, 1..=86_400)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/wechat");

    fn read(pairs: &[(&str, String)]) -> Result<WechatSettings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        WechatSettings::from_lookup(&|k: &str| map.get(k).cloned())
    }

    fn full() -> Vec<(&'static str, String)> {
        vec![
            (APP_ID, "wx8888888888888888".into()),
            (APP_SECRET, "s3cret".into()),
            (MCH_ID, "1900000109".into()),
            (API_V3_KEY, "0123456789abcdef0123456789abcdef".into()),
            (
                CERT_SERIAL,
                "5157F09EFDC096DE15EBE81A47057A7232F1B8E1".into(),
            ),
            (PRIVATE_KEY_FILE, format!("{FIXTURES}/merchant_key.pem")),
            (PUBLIC_KEY_FILE, format!("{FIXTURES}/wechatpay_public.pem")),
            (
                PUBLIC_KEY_ID,
                "PUB_KEY_ID_0114232134912410000000000000".into(),
            ),
            (
                NOTIFY_URL,
                "https://fission.example/wechatpay/notify".into(),
            ),
        ]
    }

    fn without(var: &str) -> Vec<(&'static str, String)> {
        full().into_iter().filter(|(k, _)| *k != var).collect()
    }

    #[test]
    fn nothing_set_means_wechat_is_off() {
        let s = read(&[]).unwrap();
        assert!(s.oauth.is_none() && s.pay.is_none());
    }

    #[test]
    fn a_complete_merchant_configuration_loads_its_keys() {
        let s = read(&full()).unwrap();
        let pay = s.pay.unwrap();
        assert_eq!(
            pay.public_key.serial,
            "PUB_KEY_ID_0114232134912410000000000000"
        );
        assert_eq!(pay.api_base, "https://api.mch.weixin.qq.com");
        assert!(!format!("{pay:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn each_missing_or_bad_variable_is_named() {
        for var in [
            APP_SECRET,
            API_V3_KEY,
            CERT_SERIAL,
            PRIVATE_KEY_FILE,
            PUBLIC_KEY_FILE,
            PUBLIC_KEY_ID,
            NOTIFY_URL,
        ] {
            assert_eq!(read(&without(var)).unwrap_err().var, var, "without {var}");
        }
        assert_eq!(read(&without(APP_ID)).unwrap_err().var, APP_ID);
        let mut bad = without(API_V3_KEY);
        bad.push((API_V3_KEY, "short".into()));
        assert_eq!(read(&bad).unwrap_err().var, API_V3_KEY);
        let mut bad = without(PRIVATE_KEY_FILE);
        bad.push((PRIVATE_KEY_FILE, format!("{FIXTURES}/wechatpay_public.pem")));
        assert_eq!(read(&bad).unwrap_err().var, PRIVATE_KEY_FILE);
        let mut bad = without(PUBLIC_KEY_FILE);
        bad.push((PUBLIC_KEY_FILE, "/nonexistent.pem".into()));
        assert_eq!(read(&bad).unwrap_err().var, PUBLIC_KEY_FILE);
        assert_eq!(
            read(&[
                (API_BASE, "ftp://x".into()),
                (APP_ID, "a".into()),
                (APP_SECRET, "b".into())
            ])
            .unwrap_err()
            .var,
            API_BASE
        );
        assert_eq!(read(&[(CERT_SERIAL, "AB".into())]).unwrap_err().var, MCH_ID);
    }

    #[test]
    fn a_platform_certificate_may_stand_for_the_public_key() {
        let mut vars: Vec<_> = full()
            .into_iter()
            .filter(|(k, _)| *k != PUBLIC_KEY_FILE && *k != PUBLIC_KEY_ID)
            .collect();
        vars.push((
            PLATFORM_CERT_FILE,
            format!("{FIXTURES}/wechatpay_platform_cert.pem"),
        ));
        assert_eq!(read(&vars).unwrap_err().var, PLATFORM_CERT_SERIAL);
        vars.push((
            PLATFORM_CERT_SERIAL,
            "5157F09EFDC096DE15EBE81A47057A7232F1B8E1".into(),
        ));
        let pay = read(&vars).unwrap().pay.unwrap();
        assert_eq!(
            pay.public_key.serial,
            "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
        );
        assert_eq!(
            pay.cert_refresh_secs,
            Some(43_200),
            "certificates are refreshed"
        );
        assert_eq!(read(&full()).unwrap().pay.unwrap().cert_refresh_secs, None);
        vars.push((CERT_REFRESH_SECS, "5".into()));
        assert_eq!(read(&vars).unwrap_err().var, CERT_REFRESH_SECS);
    }
}

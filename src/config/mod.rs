//! Settings from the environment (`FISSION_*`), each with a safe default and a clear
//! error naming the variable when its value is bad.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

mod console;
mod parse;
mod wechat;

pub use console::ConsoleSettings;
use parse::{err, number, utc_offset};
pub use wechat::{WechatOAuth, WechatPay, WechatSettings};

#[derive(Debug, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

/// A database URL whose `Debug` never shows a password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.starts_with("sqlite:") {
            Ok(DatabaseUrl::Sqlite(raw.to_owned()))
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(raw.to_owned()))
        } else {
            Err(format!(
                "unsupported database URL scheme in '{}': use sqlite://FILE or postgres://...",
                redact_url(raw)
            ))
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(raw) => write!(f, "Sqlite({raw})"),
            DatabaseUrl::Postgres(raw) => write!(f, "Postgres({})", redact_url(raw)),
        }
    }
}

fn redact_url(raw: &str) -> String {
    match (raw.find("://"), raw.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***{}", &raw[..scheme_end], &raw[at..])
        }
        _ => raw.to_owned(),
    }
}

/// A secret whose `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub db_max_connections: u32,
    pub bind: String,
    pub public_url: String,
    /// Current secret first; a second one is accepted during rotation.
    pub webhook_secrets: Vec<Secret>,
    pub data_dir: PathBuf,
    /// Signs cookies and form tokens; must be shared by all servers of one deployment.
    pub secret_key: Option<Secret>,
    pub workers: usize,
    pub rate_limit_per_minute: u32,
    pub rate_limit_burst: u32,
    pub trusted_proxies: Vec<IpAddr>,
    pub max_upload_bytes: usize,
    pub max_image_side: u32,
    pub campaign_cache_ttl: Duration,
    pub visit_batch_size: usize,
    pub visit_queue_capacity: usize,
    /// How long the visit writer lets visits gather after the first of a batch.
    pub visit_linger: Duration,
    /// Offset of the reporting day from UTC, in minutes (China: +480).
    pub report_utc_offset_minutes: i32,
    pub worker_interval: Duration,
    pub cookie_secure: Option<bool>,
    /// When set, `/metrics` wants it as a bearer token; unset, it answers loopback only.
    pub metrics_token: Option<Secret>,
    /// Public writes per minute from one IP, whatever the visitor (a campus NAT).
    pub rate_limit_ip_per_minute: u32,
    /// Raw visit rows (user agent, visitor hash) are deleted after this many days; the
    /// daily counters stay.
    pub raw_visit_days: u32,
    /// Who sends one-time codes (`FISSION_SMS_PROVIDER`, `log` by default).
    pub sms: crate::sms::provider::SmsProvider,
    /// Console sessions and sign-in limits.
    pub console: ConsoleSettings,
    /// WeChat web authorisation and WeChat Pay transfers, each off until configured.
    pub wechat: WechatSettings,
}

const KNOWN_VARS: &[&str] = &[
    "FISSION_DATABASE_URL",
    "FISSION_DB_MAX_CONNECTIONS",
    "FISSION_RAW_VISIT_DAYS",
    "FISSION_BIND",
    "FISSION_PUBLIC_URL",
    "FISSION_WEBHOOK_SECRET",
    "FISSION_WEBHOOK_SECRET_PREVIOUS",
    "FISSION_DATA_DIR",
    "FISSION_SECRET_KEY",
    "FISSION_WORKERS",
    "FISSION_RATE_LIMIT_PER_MINUTE",
    "FISSION_RATE_LIMIT_BURST",
    "FISSION_TRUSTED_PROXIES",
    "FISSION_MAX_UPLOAD_BYTES",
    "FISSION_MAX_IMAGE_SIDE",
    "FISSION_CAMPAIGN_CACHE_SECS",
    "FISSION_VISIT_BATCH_SIZE",
    "FISSION_VISIT_QUEUE",
    "FISSION_REPORT_UTC_OFFSET",
    "FISSION_WORKER_INTERVAL_MS",
    "FISSION_COOKIE_SECURE",
    "FISSION_METRICS_TOKEN",
    "FISSION_RATE_LIMIT_IP_PER_MINUTE",
    "FISSION_TEST_POSTGRES_URL",
    "FISSION_SMS_PROVIDER",
    "FISSION_TENCENT_SMS_SECRET_ID",
    "FISSION_TENCENT_SMS_SECRET_KEY",
    "FISSION_TENCENT_SMS_SDK_APP_ID",
    "FISSION_TENCENT_SMS_SIGN_NAME",
    "FISSION_TENCENT_SMS_TEMPLATE_ID",
    "FISSION_TENCENT_SMS_OPENING_TEMPLATE_ID",
    "FISSION_TENCENT_SMS_REGION",
    "FISSION_CONSOLE_SESSION_IDLE_MINUTES",
    "FISSION_CONSOLE_SIGN_IN_WINDOW_MINUTES",
    "FISSION_CONSOLE_SIGN_IN_FAILURES_PER_ACCOUNT",
    "FISSION_CONSOLE_SIGN_IN_FAILURES_PER_ADDRESS",
    "FISSION_DEMO_PASSWORD",
];

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        for (key, _) in std::env::vars() {
            let known = KNOWN_VARS.contains(&key.as_str()) || wechat::VARS.contains(&key.as_str());
            if key.starts_with("FISSION_") && !known {
                tracing::warn!(variable = %key, "unknown FISSION_ variable ignored");
            }
        }
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.is_empty()))
    }

    /// Builds settings from any key lookup, so tests can pass their own values.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let database_url = DatabaseUrl::parse(
            &get("FISSION_DATABASE_URL").unwrap_or_else(|| "sqlite://fission.db".into()),
        )
        .map_err(|problem| err("FISSION_DATABASE_URL", problem))?;
        let bind = get("FISSION_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        if bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(err("FISSION_BIND", format!("'{bind}' is not HOST:PORT")));
        }
        let public_url = match get("FISSION_PUBLIC_URL") {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                url.trim_end_matches('/').to_owned()
            }
            Some(url) => {
                return Err(err(
                    "FISSION_PUBLIC_URL",
                    format!("'{url}' must start with http:// or https://"),
                ))
            }
            None => format!("http://{bind}"),
        };
        let mut webhook_secrets = Vec::new();
        for var in ["FISSION_WEBHOOK_SECRET", "FISSION_WEBHOOK_SECRET_PREVIOUS"] {
            if let Some(secret) = get(var) {
                webhook_secrets.push(Secret(secret.into_bytes()));
            }
        }
        let secret_key = match get("FISSION_SECRET_KEY") {
            Some(key) if key.len() < 32 => {
                return Err(err(
                    "FISSION_SECRET_KEY",
                    "must be at least 32 characters".into(),
                ))
            }
            key => key.map(|k| Secret(k.into_bytes())),
        };
        let trusted_proxies = get("FISSION_TRUSTED_PROXIES")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|ip| {
                        ip.parse().map_err(|_| {
                            err(
                                "FISSION_TRUSTED_PROXIES",
                                format!("'{ip}' is not an IP address"),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let default_workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Settings {
            database_url,
            db_max_connections: number(&get, "FISSION_DB_MAX_CONNECTIONS", 10, 1..=1000)?,
            bind,
            public_url,
            webhook_secrets,
            data_dir: PathBuf::from(get("FISSION_DATA_DIR").unwrap_or_else(|| "data".into())),
            secret_key,
            workers: number(&get, "FISSION_WORKERS", default_workers as u64, 1..=256)? as usize,
            rate_limit_per_minute: number(
                &get,
                "FISSION_RATE_LIMIT_PER_MINUTE",
                30,
                0..=1_000_000,
            )?,
            rate_limit_burst: number(&get, "FISSION_RATE_LIMIT_BURST", 10, 1..=1_000_000)?,
            trusted_proxies,
            max_upload_bytes: number(&get, "FISSION_MAX_UPLOAD_BYTES", 5 << 20, 1024..=(64 << 20))?
                as usize,
            max_image_side: number(&get, "FISSION_MAX_IMAGE_SIDE", 4096, 64..=16384)?,
            campaign_cache_ttl: Duration::from_secs(number(
                &get,
                "FISSION_CAMPAIGN_CACHE_SECS",
                5,
                0..=3600,
            )?),
            visit_batch_size: number(&get, "FISSION_VISIT_BATCH_SIZE", 2000, 1..=100_000)? as usize,
            visit_queue_capacity: number(&get, "FISSION_VISIT_QUEUE", 200_000, 1..=10_000_000)?
                as usize,
            visit_linger: Duration::from_millis(number(
                &get,
                "FISSION_VISIT_LINGER_MS",
                50,
                0..=1000,
            )?),
            report_utc_offset_minutes: utc_offset(get("FISSION_REPORT_UTC_OFFSET").as_deref())?,
            worker_interval: Duration::from_millis(number(
                &get,
                "FISSION_WORKER_INTERVAL_MS",
                1000,
                10..=600_000,
            )?),
            metrics_token: get("FISSION_METRICS_TOKEN").map(|t| Secret(t.into_bytes())),
            rate_limit_ip_per_minute: number(
                &get,
                "FISSION_RATE_LIMIT_IP_PER_MINUTE",
                600,
                0..=10_000_000,
            )?,
            raw_visit_days: number(&get, "FISSION_RAW_VISIT_DAYS", 90, 1..=3650)?,
            sms: crate::sms::provider::SmsProvider::from_lookup(&get)
                .map_err(|problem| err("FISSION_SMS_PROVIDER", problem))?,
            console: ConsoleSettings::from_lookup(&get)?,
            wechat: WechatSettings::from_lookup(&get)?,
            cookie_secure: match get("FISSION_COOKIE_SECURE").as_deref() {
                None => None,
                Some("true" | "1") => Some(true),
                Some("false" | "0") => Some(false),
                Some(other) => {
                    return Err(err(
                        "FISSION_COOKIE_SECURE",
                        format!("'{other}' is not true or false"),
                    ))
                }
            },
        })
    }
}

impl Settings {
    /// Cookies are marked Secure when people reach the server over https, unless
    /// FISSION_COOKIE_SECURE says otherwise.
    pub fn secure_cookies(&self) -> bool {
        self.cookie_secure
            .unwrap_or_else(|| self.public_url.starts_with("https://"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_database_on_loopback() {
        let s = settings(&[]).unwrap();
        assert_eq!(
            s.database_url,
            DatabaseUrl::Sqlite("sqlite://fission.db".into())
        );
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
        assert_eq!(s.report_utc_offset_minutes, 480);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = settings(&[("FISSION_BIND", "nope")]).unwrap_err();
        assert_eq!(e.var, "FISSION_BIND");
        let e = settings(&[("FISSION_DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(e.var, "FISSION_DATABASE_URL");
        let e = settings(&[("FISSION_RATE_LIMIT_PER_MINUTE", "-1")]).unwrap_err();
        assert_eq!(e.var, "FISSION_RATE_LIMIT_PER_MINUTE");
        let e = settings(&[("FISSION_PUBLIC_URL", "example.com")]).unwrap_err();
        assert_eq!(e.var, "FISSION_PUBLIC_URL");
    }

    #[test]
    fn cookies_are_secure_behind_an_https_public_url_unless_told_otherwise() {
        assert!(settings(&[("FISSION_PUBLIC_URL", "https://x.example")])
            .unwrap()
            .secure_cookies());
        assert!(!settings(&[("FISSION_PUBLIC_URL", "http://x.example")])
            .unwrap()
            .secure_cookies());
        let off = settings(&[
            ("FISSION_PUBLIC_URL", "https://x.example"),
            ("FISSION_COOKIE_SECURE", "false"),
        ]);
        assert!(!off.unwrap().secure_cookies());
        assert_eq!(
            settings(&[("FISSION_COOKIE_SECURE", "maybe")])
                .unwrap_err()
                .var,
            "FISSION_COOKIE_SECURE"
        );
    }

    #[test]
    fn database_passwords_never_show_in_debug() {
        let url = DatabaseUrl::parse("postgres://fission:hunter2@db:5432/fission").unwrap();
        let shown = format!("{url:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("@db:5432"));
    }

    #[test]
    fn offsets_parse_with_sign_and_minutes() {
        assert_eq!(utc_offset(Some("+05:30")).unwrap(), 330);
        assert_eq!(utc_offset(Some("-03:00")).unwrap(), -180);
        assert!(utc_offset(Some("8")).is_err());
        assert!(
            utc_offset(Some("+05:07")).is_err(),
            "not a whole quarter hour"
        );
    }
}

//! The console's settings: session lifetime and the sign-in limits.

use std::time::Duration;

use super::parse::number;
use super::ConfigError;

/// How long a console session lives without use, and how many failed sign-ins an account
/// and a client address may have within the window before sign-in is refused.
#[derive(Debug, Clone)]
pub struct ConsoleSettings {
    pub session_idle: Duration,
    pub sign_in_window: Duration,
    pub failures_per_account: u32,
    pub failures_per_address: u32,
}

impl ConsoleSettings {
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let minutes = |var, default, max| {
            number(get, var, default, 1..=max).map(|m: u64| Duration::from_secs(m * 60))
        };
        Ok(ConsoleSettings {
            session_idle: minutes("FISSION_CONSOLE_SESSION_IDLE_MINUTES", 480, 60 * 24 * 30)?,
            sign_in_window: minutes("FISSION_CONSOLE_SIGN_IN_WINDOW_MINUTES", 15, 60 * 24)?,
            failures_per_account: number(
                get,
                "FISSION_CONSOLE_SIGN_IN_FAILURES_PER_ACCOUNT",
                5,
                1..=1000,
            )?,
            failures_per_address: number(
                get,
                "FISSION_CONSOLE_SIGN_IN_FAILURES_PER_ADDRESS",
                20,
                1..=100_000,
            )?,
        })
    }
}

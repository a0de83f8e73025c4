//! The development provider: the code goes to the server log, nowhere else. It also
//! remembers the last code per phone in memory, so a test (or a developer) on the same
//! process can read it back; it never leaves the process.

use std::collections::HashMap;
use std::sync::Mutex;

use futures_util::future::BoxFuture;

use super::SmsSender;
use crate::participants::phone::Phone;

/// Phones remembered at most; the memory is cleared when full.
const REMEMBERED: usize = 10_000;

#[derive(Debug, Default)]
pub struct LogSms {
    last: Mutex<HashMap<String, String>>,
    openings: Mutex<HashMap<String, u32>>,
}

impl LogSms {
    /// The last code "sent" to `phone`.
    pub fn last_code(&self, phone: &str) -> Option<String> {
        self.last.lock().ok()?.get(phone).cloned()
    }

    /// How many opening reminders `phone` was "sent".
    pub fn openings(&self, phone: &str) -> u32 {
        self.openings
            .lock()
            .ok()
            .and_then(|o| o.get(phone).copied())
            .unwrap_or(0)
    }
}

impl SmsSender for LogSms {
    fn send_code<'a>(
        &'a self,
        phone: &'a Phone,
        code: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        let phone = phone.as_str();
        let tail = phone.get(phone.len().saturating_sub(4)..).unwrap_or("");
        tracing::info!(phone_tail = tail, code, "SMS code (log provider: not sent)");
        if let Ok(mut last) = self.last.lock() {
            if last.len() >= REMEMBERED {
                last.clear();
            }
            last.insert(phone.to_owned(), code.to_owned());
        }
        Box::pin(async { Ok(()) })
    }

    fn send_opening<'a>(
        &'a self,
        phone: &'a Phone,
        title: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        let phone = phone.as_str();
        let tail = phone.get(phone.len().saturating_sub(4)..).unwrap_or("");
        tracing::info!(
            phone_tail = tail,
            title,
            "campaign opening SMS (log provider: not sent)"
        );
        if let Ok(mut openings) = self.openings.lock() {
            if openings.len() >= REMEMBERED {
                openings.clear();
            }
            *openings.entry(phone.to_owned()).or_default() += 1;
        }
        Box::pin(async { Ok(()) })
    }
}

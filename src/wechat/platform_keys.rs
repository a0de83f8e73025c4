//! The keys WeChat Pay signs with, by serial. With a WeChat Pay public key
//! (`PUB_KEY_ID_...`) there is one and it never changes. With platform certificates the
//! set is downloaded again periodically and when an answer names a serial not yet known
//! (a rotation at WeChat Pay), but at most once a minute, so a flood of forged serials
//! cannot make every callback a download. Each server keeps its own copy: certificates
//! are public, and losing them on a restart only means one more download.

use std::collections::HashMap;
use std::sync::RwLock;

use super::keys::PayPublicKey;

/// A download for an unknown serial waits this long after the previous one.
pub const UNKNOWN_SERIAL_GAP_MS: i64 = 60_000;

pub struct PlatformKeys {
    /// `Some(interval in ms)` when certificates are downloaded; `None` for a fixed key.
    refresh_ms: Option<i64>,
    known: RwLock<Known>,
}

struct Known {
    keys: HashMap<String, PayPublicKey>,
    /// The serial requests name in `Wechatpay-Serial`: the newest key.
    newest: String,
    last_download: Option<i64>,
    next_refresh: i64,
}

/// Why a download is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Periodic,
    UnknownSerial,
}

impl PlatformKeys {
    /// `refresh_secs` is `Some` in platform-certificate mode; `now` in ms.
    pub fn new(initial: Option<&PayPublicKey>, refresh_secs: Option<u64>, now: i64) -> Self {
        let refresh_ms =
            refresh_secs.map(|s| i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX));
        let keys: HashMap<_, _> = initial
            .map(|k| (k.serial.clone(), k.clone()))
            .into_iter()
            .collect();
        let newest = initial.map(|k| k.serial.clone()).unwrap_or_default();
        PlatformKeys {
            refresh_ms,
            known: RwLock::new(Known {
                keys,
                newest,
                last_download: None,
                next_refresh: now.saturating_add(refresh_ms.unwrap_or(i64::MAX)),
            }),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Known> {
        self.known.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, serial: &str) -> Option<PayPublicKey> {
        self.read().keys.get(serial).cloned()
    }

    /// The serial to name in requests (and to encrypt for).
    pub fn newest(&self) -> Option<PayPublicKey> {
        let known = self.read();
        known.keys.get(&known.newest).cloned()
    }

    /// Takes the right to download now, if `why` allows one: true at most once per
    /// refresh interval (periodic) or per minute (unknown serial), never for a fixed key.
    pub fn claim_download(&self, why: Reason, now: i64) -> bool {
        let Some(refresh_ms) = self.refresh_ms else {
            return false;
        };
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        let allowed = match why {
            Reason::Periodic => now >= known.next_refresh,
            Reason::UnknownSerial => known
                .last_download
                .is_none_or(|at| now - at >= UNKNOWN_SERIAL_GAP_MS),
        };
        if allowed {
            known.last_download = Some(now);
            known.next_refresh = now.saturating_add(refresh_ms);
        }
        allowed
    }

    /// The downloaded certificates become the known set; `newest` names requests.
    pub fn replace(&self, keys: Vec<PayPublicKey>, newest: &str) {
        if !keys.iter().any(|k| k.serial == newest) {
            return;
        }
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        known.keys = keys.into_iter().map(|k| (k.serial.clone(), k)).collect();
        known.newest = newest.to_owned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAY_PUBLIC: &str = include_str!("../../tests/fixtures/wechat/wechatpay_public.pem");
    const ROTATED: &str =
        include_str!("../../tests/fixtures/wechat/wechatpay_platform_cert_rotated.pem");

    fn key(serial: &str) -> PayPublicKey {
        PayPublicKey::from_public_key_pem(PAY_PUBLIC, serial.into()).unwrap()
    }

    #[test]
    fn a_fixed_public_key_is_never_downloaded_again() {
        let keys = PlatformKeys::new(Some(&key("PUB_KEY_ID_1")), None, 0);
        assert!(!keys.claim_download(Reason::UnknownSerial, 0));
        assert!(!keys.claim_download(Reason::Periodic, i64::MAX));
        assert!(keys.get("PUB_KEY_ID_1").is_some());
    }

    #[test]
    fn downloads_are_due_periodically_and_for_unknown_serials_at_most_once_a_minute() {
        let keys = PlatformKeys::new(Some(&key("A")), Some(3600), 1_000);
        assert!(!keys.claim_download(Reason::Periodic, 1_000));
        assert!(keys.claim_download(Reason::UnknownSerial, 2_000));
        assert!(!keys.claim_download(Reason::UnknownSerial, 61_999));
        assert!(keys.claim_download(Reason::UnknownSerial, 62_000));
        assert!(!keys.claim_download(Reason::Periodic, 62_000 + 3_599_999));
        assert!(keys.claim_download(Reason::Periodic, 62_000 + 3_600_000));
    }

    #[test]
    fn a_download_replaces_the_set_and_names_the_newest() {
        let keys = PlatformKeys::new(Some(&key("A")), Some(3600), 0);
        let rotated = PayPublicKey::from_certificate(ROTATED).unwrap();
        let serial = rotated.serial.clone();
        keys.replace(vec![key("A"), rotated], &serial);
        assert_eq!(keys.newest().unwrap().serial, serial);
        assert!(keys.get("A").is_some());
        keys.replace(vec![], "A");
        assert!(keys.get(&serial).is_some(), "an empty list changes nothing");
    }
}

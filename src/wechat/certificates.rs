//! WeChat Pay's platform certificates (`GET /v3/certificates`): each listed certificate
//! is encrypted with the APIv3 key (AEAD_AES_256_GCM, like a callback's resource) and the
//! answer is signed like any other. Answers and callbacks are verified with the key of
//! the serial they name; an unknown serial (WeChat Pay rotated its certificate) fetches
//! the list again first. In public-key mode there is nothing to download.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::keys::PayPublicKey;
use super::pay::{self, PayError};
use super::platform_keys::Reason;
use super::signing::{self, SignedBy, VerifyError};
use super::{aead, Wechat};
use crate::config::WechatPay;
use crate::db::time::to_ms;

pub const CERTIFICATES_PATH: &str = "/v3/certificates";

#[derive(Deserialize)]
struct CertificateList {
    data: Vec<Listed>,
}

#[derive(Deserialize)]
struct Listed {
    serial_no: String,
    #[serde(default)]
    effective_time: String,
    encrypt_certificate: aead::Resource,
}

/// Checks that `body` came from WeChat Pay, under the key of the serial it names.
pub async fn verify(
    wechat: &Wechat,
    pay: &WechatPay,
    by: &SignedBy<'_>,
    body: &str,
    now_secs: i64,
) -> Result<(), VerifyError> {
    let key = match wechat.keys.get(by.serial) {
        Some(key) => key,
        None => {
            let now = now_secs.saturating_mul(1000);
            if wechat.keys.claim_download(Reason::UnknownSerial, now) {
                log_failure(download(wechat, pay).await, by.serial);
            }
            wechat
                .keys
                .get(by.serial)
                .ok_or_else(|| VerifyError::UnknownSerial(by.serial.to_owned()))?
        }
    };
    signing::verify(&key, by, body, now_secs)
}

/// The periodic download, when one is due (platform-certificate mode only).
pub async fn refresh_if_due(wechat: &Wechat, pay: &WechatPay, now: DateTime<Utc>) {
    if wechat.keys.claim_download(Reason::Periodic, to_ms(now)) {
        log_failure(download(wechat, pay).await, "periodic");
    }
}

fn log_failure(result: Result<usize, PayError>, why: &str) {
    match result {
        Ok(count) => tracing::info!(count, why, "WeChat Pay platform certificates downloaded"),
        Err(e) => {
            tracing::warn!(error = %e, why, "downloading WeChat Pay's platform certificates failed")
        }
    }
}

/// Downloads, opens and checks the certificate list; returns how many it holds.
pub async fn download(wechat: &Wechat, pay: &WechatPay) -> Result<usize, PayError> {
    let get = (reqwest::Method::GET, CERTIFICATES_PATH);
    let answer = pay::send(wechat, pay, get, None, None).await?;
    let list: CertificateList =
        serde_json::from_str(&answer.text).map_err(|e| PayError::Unreadable(e.to_string()))?;
    let keys = list
        .data
        .iter()
        .map(|listed| open(&pay.api_v3_key.0, listed))
        .collect::<Result<Vec<_>, _>>()?;
    let by = pay::signed_by(&answer.headers);
    // A serial not yet trusted may be one of the certificates just opened: their
    // ciphertext authenticates under the APIv3 key, which only WeChat Pay and the
    // merchant hold (WeChat Pay's own SDKs check a first download this way).
    let signer = wechat
        .keys
        .get(by.serial)
        .or_else(|| keys.iter().find(|k| k.serial == by.serial).cloned())
        .ok_or_else(|| PayError::Signature(VerifyError::UnknownSerial(by.serial.to_owned())))?;
    signing::verify(&signer, &by, &answer.text, Utc::now().timestamp())
        .map_err(PayError::Signature)?;
    let newest = list
        .data
        .iter()
        .max_by_key(|l| DateTime::parse_from_rfc3339(&l.effective_time).ok())
        .map(|l| l.serial_no.to_ascii_uppercase())
        .unwrap_or_default();
    let count = keys.len();
    wechat.keys.replace(keys, &newest);
    Ok(count)
}

/// One listed certificate, decrypted; its serial must be the one it is listed under.
fn open(api_v3_key: &[u8], listed: &Listed) -> Result<PayPublicKey, PayError> {
    let unreadable =
        |why: String| PayError::Unreadable(format!("certificate {}: {why}", listed.serial_no));
    let plain = aead::decrypt(api_v3_key, &listed.encrypt_certificate)
        .map_err(|e| unreadable(e.to_string()))?;
    let pem = String::from_utf8(plain).map_err(|_| unreadable("not text".into()))?;
    let key = PayPublicKey::from_certificate(&pem).map_err(unreadable)?;
    if !key.serial.eq_ignore_ascii_case(&listed.serial_no) {
        return Err(unreadable(format!(
            "the certificate's own serial is {}",
            key.serial
        )));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROTATED: &str =
        include_str!("../../tests/fixtures/wechat/wechatpay_platform_cert_rotated.pem");
    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn listed(serial: &str, plain: &str, key: &[u8]) -> Listed {
        Listed {
            serial_no: serial.into(),
            effective_time: "2026-12-04T10:00:00+08:00".into(),
            encrypt_certificate: aead::encrypt(
                key,
                "61f9c719728a",
                "certificate",
                plain.as_bytes(),
            )
            .unwrap(),
        }
    }

    #[test]
    fn a_listed_certificate_opens_under_its_own_serial_only() {
        let serial = "3775B6A45ACD588826D15E583A95F5DD0E7A4F2C";
        assert_eq!(
            open(KEY, &listed(serial, ROTATED, KEY)).unwrap().serial,
            serial
        );
        let other_key = b"0123456789abcdef0123456789abcdeX";
        assert!(open(KEY, &listed(serial, ROTATED, other_key)).is_err());
        let misnamed = listed("5157F09EFDC096DE15EBE81A47057A7232F1B8E1", ROTATED, KEY);
        let refused = open(KEY, &misnamed).err().map(|e| e.to_string());
        assert!(refused.is_some_and(|why| why.contains("own serial")));
    }
}

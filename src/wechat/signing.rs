//! API v3 signatures. A request is signed over "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n"
//! (URL: path and query) and carries `Authorization: WECHATPAY2-SHA256-RSA2048
//! mchid="..",nonce_str="..",signature="..",timestamp="..",serial_no=".."`. Responses
//! and callbacks are signed by WeChat Pay over "TIMESTAMP\nNONCE\nBODY\n", given in the
//! `Wechatpay-Timestamp`, `-Nonce`, `-Signature` and `-Serial` headers.

use rand::Rng;

use super::keys::{MerchantKey, PayPublicKey};

pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";
/// A response or callback older or newer than this is refused (replays).
pub const MAX_SKEW_SECS: i64 = 300;

/// 32 random upper-case letters and digits.
pub fn nonce() -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::thread_rng();
    (0..32)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

pub fn request_message(method: &str, url: &str, timestamp: i64, nonce: &str, body: &str) -> String {
    format!("{method}\n{url}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The merchant's identity for the Authorization header.
pub struct Merchant<'a> {
    pub mch_id: &'a str,
    pub cert_serial: &'a str,
    pub key: &'a MerchantKey,
}

/// The `Authorization` header of one request.
pub fn authorization(
    m: &Merchant<'_>,
    method: &str,
    url: &str,
    body: &str,
    timestamp: i64,
    nonce: &str,
) -> String {
    let signature = m
        .key
        .sign(request_message(method, url, timestamp, nonce, body).as_bytes());
    format!(
        "{SCHEME} mchid=\"{}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{}\"",
        m.mch_id, m.cert_serial
    )
}

/// The fields of an `Authorization` header, for whoever checks one (the test stand-in).
#[derive(Debug, PartialEq, Eq)]
pub struct AuthorizationFields {
    pub mch_id: String,
    pub nonce: String,
    pub signature: String,
    pub timestamp: String,
    pub serial_no: String,
}

pub fn parse_authorization(header: &str) -> Option<AuthorizationFields> {
    let rest = header.strip_prefix(SCHEME)?.strip_prefix(' ')?;
    let mut fields = std::collections::HashMap::new();
    for pair in rest.split(',') {
        let (key, value) = pair.trim().split_once('=')?;
        let value = value.strip_prefix('"')?.strip_suffix('"')?;
        fields.insert(key, value.to_owned());
    }
    let mut take = |k: &str| fields.remove(k);
    Some(AuthorizationFields {
        mch_id: take("mchid")?,
        nonce: take("nonce_str")?,
        signature: take("signature")?,
        timestamp: take("timestamp")?,
        serial_no: take("serial_no")?,
    })
}

/// The signature headers of a response or callback.
pub struct SignedBy<'a> {
    pub timestamp: &'a str,
    pub nonce: &'a str,
    pub signature: &'a str,
    pub serial: &'a str,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("signed with serial {0}, which is not the configured WeChat Pay key")]
    UnknownSerial(String),
    #[error("the timestamp is missing or more than five minutes off")]
    Stale,
    #[error("the signature does not match")]
    BadSignature,
}

pub fn response_message(timestamp: &str, nonce: &str, body: &str) -> String {
    format!("{timestamp}\n{nonce}\n{body}\n")
}

/// Checks that `body` came from WeChat Pay, recently.
pub fn verify(
    key: &PayPublicKey,
    by: &SignedBy<'_>,
    body: &str,
    now: i64,
) -> Result<(), VerifyError> {
    if by.serial != key.serial {
        return Err(VerifyError::UnknownSerial(by.serial.to_owned()));
    }
    let at: i64 = by.timestamp.parse().map_err(|_| VerifyError::Stale)?;
    if (now - at).abs() > MAX_SKEW_SECS {
        return Err(VerifyError::Stale);
    }
    if !key.verify(
        response_message(by.timestamp, by.nonce, body).as_bytes(),
        by.signature,
    ) {
        return Err(VerifyError::BadSignature);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MERCHANT_KEY: &str = include_str!("../../tests/fixtures/wechat/merchant_key.pem");
    const MERCHANT_PUBLIC: &str = include_str!("../../tests/fixtures/wechat/merchant_public.pem");
    const PAY_KEY: &str = include_str!("../../tests/fixtures/wechat/wechatpay_key.pem");
    const PAY_PUBLIC: &str = include_str!("../../tests/fixtures/wechat/wechatpay_public.pem");

    #[test]
    fn the_message_is_five_lines_each_ending_in_a_newline() {
        assert_eq!(
            request_message(
                "GET",
                "/v3/certificates",
                1554208460,
                "593BEC0C930BF1AFEB40B4A08C8FB242",
                ""
            ),
            "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n"
        );
    }

    #[test]
    fn the_authorization_header_round_trips_and_its_signature_verifies() {
        let key = MerchantKey::from_pem(MERCHANT_KEY).unwrap();
        let m = Merchant {
            mch_id: "1900000109",
            cert_serial: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
            key: &key,
        };
        let header = authorization(
            &m,
            "POST",
            "/v3/fund-app/mch-transfer/transfer-bills",
            "{}",
            1554208460,
            "N1",
        );
        let fields = parse_authorization(&header).unwrap();
        assert_eq!(fields.mch_id, "1900000109");
        assert_eq!(fields.timestamp, "1554208460");
        assert_eq!(fields.serial_no, "5157F09EFDC096DE15EBE81A47057A7232F1B8E1");
        let public = PayPublicKey::from_public_key_pem(MERCHANT_PUBLIC, "m".into()).unwrap();
        let message = request_message(
            "POST",
            "/v3/fund-app/mch-transfer/transfer-bills",
            1554208460,
            "N1",
            "{}",
        );
        assert!(public.verify(message.as_bytes(), &fields.signature));
        assert!(parse_authorization("Bearer x").is_none());
        assert!(parse_authorization(&header.replace("serial_no", "serial")).is_none());
    }

    #[test]
    fn responses_verify_only_fresh_untouched_and_under_the_configured_serial() {
        let signer = MerchantKey::from_pem(PAY_KEY).unwrap();
        let key = PayPublicKey::from_public_key_pem(PAY_PUBLIC, "PUB_KEY_ID_1".into()).unwrap();
        let body = r#"{"state":"SUCCESS"}"#;
        let signature = signer.sign(response_message("1700000000", "n", body).as_bytes());
        let by = SignedBy {
            timestamp: "1700000000",
            nonce: "n",
            signature: &signature,
            serial: "PUB_KEY_ID_1",
        };
        assert_eq!(verify(&key, &by, body, 1_700_000_100), Ok(()));
        assert_eq!(
            verify(&key, &by, r#"{"state":"FAIL"}"#, 1_700_000_100),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify(&key, &by, body, 1_700_000_400),
            Err(VerifyError::Stale)
        );
        let other = SignedBy {
            serial: "PUB_KEY_ID_2",
            ..by
        };
        assert!(matches!(
            verify(&key, &other, body, 1_700_000_000),
            Err(VerifyError::UnknownSerial(_))
        ));
    }

    #[test]
    fn nonces_are_32_characters_and_differ() {
        let (a, b) = (nonce(), nonce());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}

//! The keys of WeChat Pay's API v3: the merchant's RSA private key (PEM, PKCS#8 as the
//! certificate tool writes `apiclient_key.pem`, or PKCS#1) that signs requests, and
//! WeChat Pay's RSA public key (a `PUB_KEY_ID_...` public key PEM, or the public key
//! inside a platform certificate) that signs responses and callbacks. SHA256withRSA
//! (RSASSA-PKCS1-v1_5) both ways, through ring.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};

/// The merchant's private key.
#[derive(Clone)]
pub struct MerchantKey(Arc<RsaKeyPair>);

impl std::fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MerchantKey(***)")
    }
}

/// WeChat Pay's public key and the serial it is named by in `Wechatpay-Serial`.
#[derive(Clone)]
pub struct PayPublicKey {
    pub serial: String,
    /// The PKCS#1 `RSAPublicKey` DER.
    rsa_public_key: Arc<Vec<u8>>,
}

/// The first PEM block of a file: its label and DER bytes.
fn pem(text: &str) -> Result<(String, Vec<u8>), String> {
    let start = text
        .find("-----BEGIN ")
        .ok_or("no PEM block (-----BEGIN ...)")?;
    let rest = &text[start + 11..];
    let label_end = rest.find("-----").ok_or("a broken PEM header")?;
    let label = rest[..label_end].to_owned();
    let body = &rest[label_end + 5..];
    let end = body.find("-----END ").ok_or("no PEM end line")?;
    let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
    let der = B64.decode(b64).map_err(|_| "the PEM body is not base64")?;
    Ok((label, der))
}

/// One DER element: its tag, contents and the bytes after it.
fn der_element(input: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let bad = || "malformed DER".to_owned();
    let (&tag, rest) = input.split_first().ok_or_else(bad)?;
    let (&first, rest) = rest.split_first().ok_or_else(bad)?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 3 || rest.len() < n {
            return Err(bad());
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(bad());
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const BIT_STRING: u8 = 0x03;
/// The DER of OID 1.2.840.113549.1.1.1 (rsaEncryption).
const RSA_ENCRYPTION: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];

/// The `RSAPublicKey` inside a `SubjectPublicKeyInfo`.
fn rsa_key_of_spki(spki: &[u8]) -> Result<Vec<u8>, String> {
    let (tag, body, _) = der_element(spki)?;
    let (alg_tag, algorithm, rest) = der_element(body)?;
    if tag != SEQUENCE || alg_tag != SEQUENCE || !algorithm.starts_with(RSA_ENCRYPTION) {
        return Err("not an RSA public key".into());
    }
    let (bits_tag, bits, _) = der_element(rest)?;
    match bits.split_first() {
        Some((0, key)) if bits_tag == BIT_STRING => Ok(key.to_vec()),
        _ => Err("malformed public key bits".into()),
    }
}

/// A certificate's serial number (upper-case hex, as WeChat Pay writes it) and RSA key.
fn certificate_parts(text: &str) -> Result<(String, Vec<u8>), String> {
    let (label, der) = pem(text)?;
    if label != "CERTIFICATE" {
        return Err(format!("a '{label}' PEM block is not a certificate"));
    }
    let (_, certificate, _) = der_element(&der)?;
    let (_, tbs, _) = der_element(certificate)?;
    let mut rest = tbs;
    // The optional [0] version, then serial, signature, issuer, validity, subject.
    if rest.first() == Some(&0xa0) {
        rest = der_element(rest)?.2;
    }
    let (_, serial, _) = der_element(rest)?;
    let serial = serial.strip_prefix(&[0]).unwrap_or(serial);
    for _ in 0..5 {
        rest = der_element(rest)?.2;
    }
    let (_, _, after) = der_element(rest)?;
    let spki = &rest[..rest.len() - after.len()];
    Ok((hex::encode_upper(serial), rsa_key_of_spki(spki)?))
}

impl MerchantKey {
    pub fn from_pem(text: &str) -> Result<Self, String> {
        let (label, der) = pem(text)?;
        let pair = match label.as_str() {
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
            other => return Err(format!("a '{other}' PEM block is not an RSA private key")),
        }
        .map_err(|e| format!("not a usable RSA private key ({e})"))?;
        Ok(MerchantKey(Arc::new(pair)))
    }

    /// SHA256withRSA over `message`, base64.
    pub fn sign(&self, message: &[u8]) -> String {
        let mut out = vec![0; self.0.public().modulus_len()];
        self.0
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut out,
            )
            .expect("an RSA key signs any message");
        B64.encode(out)
    }
}

impl PayPublicKey {
    /// A public key PEM (`-----BEGIN PUBLIC KEY-----`), as WeChat Pay hands out with its id.
    pub fn from_public_key_pem(text: &str, serial: String) -> Result<Self, String> {
        let (label, der) = pem(text)?;
        let key = match label.as_str() {
            "PUBLIC KEY" => rsa_key_of_spki(&der)?,
            "RSA PUBLIC KEY" => der,
            other => return Err(format!("a '{other}' PEM block is not a public key")),
        };
        Ok(PayPublicKey {
            serial,
            rsa_public_key: Arc::new(key),
        })
    }

    /// The public key of a platform certificate (`-----BEGIN CERTIFICATE-----`).
    pub fn from_certificate_pem(text: &str, serial: String) -> Result<Self, String> {
        let (_, key) = certificate_parts(text)?;
        Ok(PayPublicKey {
            serial,
            rsa_public_key: Arc::new(key),
        })
    }

    /// A platform certificate under the serial number written in it (upper-case hex).
    pub fn from_certificate(text: &str) -> Result<Self, String> {
        let (serial, key) = certificate_parts(text)?;
        Ok(PayPublicKey {
            serial,
            rsa_public_key: Arc::new(key),
        })
    }

    /// `plain` encrypted for WeChat Pay the way API v3 wants sensitive fields (RSAES-OAEP
    /// with SHA-1 and MGF1), base64.
    pub fn encrypt(&self, plain: &[u8]) -> Result<String, String> {
        use rsa::pkcs1::DecodeRsaPublicKey;
        let key = rsa::RsaPublicKey::from_pkcs1_der(&self.rsa_public_key)
            .map_err(|e| format!("not an RSA public key ({e})"))?;
        let sealed = key
            .encrypt(
                &mut rand::thread_rng(),
                rsa::Oaep::new::<sha1::Sha1>(),
                plain,
            )
            .map_err(|e| format!("cannot encrypt ({e})"))?;
        Ok(B64.encode(sealed))
    }

    /// True when `signature` (base64) is WeChat Pay's SHA256withRSA over `message`.
    pub fn verify(&self, message: &[u8], signature_b64: &str) -> bool {
        let Ok(signature) = B64.decode(signature_b64.trim()) else {
            return false;
        };
        UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            self.rsa_public_key.as_slice(),
        )
        .verify(message, &signature)
        .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MERCHANT_KEY: &str = include_str!("../../tests/fixtures/wechat/merchant_key.pem");
    const MERCHANT_KEY_PKCS1: &str =
        include_str!("../../tests/fixtures/wechat/merchant_key_pkcs1.pem");
    const MERCHANT_PUBLIC: &str = include_str!("../../tests/fixtures/wechat/merchant_public.pem");
    const PAY_PUBLIC: &str = include_str!("../../tests/fixtures/wechat/wechatpay_public.pem");
    const PAY_KEY: &str = include_str!("../../tests/fixtures/wechat/wechatpay_key.pem");
    const PAY_CERT: &str = include_str!("../../tests/fixtures/wechat/wechatpay_platform_cert.pem");

    /// The message of the API v3 signing rule, and the signature OpenSSL gives for it
    /// with the fixture key (`openssl dgst -sha256 -sign merchant_key.pem | base64`):
    /// PKCS#1 v1.5 signatures are deterministic, so ours must match to the byte.
    const MESSAGE: &str = "POST\n/v3/fund-app/mch-transfer/transfer-bills\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{\"appid\":\"wxf636efh567hg4356\"}\n";
    const OPENSSL_SIGNATURE: &str = "U29PNQ0Ot2YT+MO6EKVFC88Ss20VpjVfRxSSWYa4t58QMfbUKIgKv9WCsq0MHoAUxclVmzzqItZJvIXAt4rdv/dNrBBy54sew478C5N07VgMfDzZYSNRtzWF4FDrVGOAzxtsG3TAbZItB/hAdXnNRftQR5QjqPYi7JnMZI9t+A0nkYCeYll5jem6fZnhaU5OcUQgQEpNixnOCzq3v2IYYxBp6leUGBrHi2sSr1Yqm3/hWQio9yluzbvhymNn2kc/cGKwaND7MO3AYQcrxko+WLOKO0bj4B9gO/GWw+YBWdQiZnCZFqvPAzOgUoUrBMkXGSRuwzmK/aKV5Xbua4W42g==";

    #[test]
    fn signatures_match_openssl_for_both_private_key_encodings() {
        for pem in [MERCHANT_KEY, MERCHANT_KEY_PKCS1] {
            assert_eq!(
                MerchantKey::from_pem(pem).unwrap().sign(MESSAGE.as_bytes()),
                OPENSSL_SIGNATURE
            );
        }
    }

    #[test]
    fn a_signature_verifies_only_for_its_message_and_key() {
        let merchant = PayPublicKey::from_public_key_pem(MERCHANT_PUBLIC, "m".into()).unwrap();
        assert!(merchant.verify(MESSAGE.as_bytes(), OPENSSL_SIGNATURE));
        assert!(!merchant.verify(MESSAGE.replace("POST", "GET").as_bytes(), OPENSSL_SIGNATURE));
        assert!(!merchant.verify(MESSAGE.as_bytes(), "not base64!"));
        let other = PayPublicKey::from_public_key_pem(PAY_PUBLIC, "p".into()).unwrap();
        assert!(!other.verify(MESSAGE.as_bytes(), OPENSSL_SIGNATURE));
    }

    #[test]
    fn a_platform_certificate_gives_the_same_key_as_its_public_key_file() {
        let signed = MerchantKey::from_pem(PAY_KEY).unwrap().sign(b"hello");
        let from_cert = PayPublicKey::from_certificate_pem(PAY_CERT, "c".into()).unwrap();
        let from_file = PayPublicKey::from_public_key_pem(PAY_PUBLIC, "p".into()).unwrap();
        assert!(from_cert.verify(b"hello", &signed));
        assert!(from_file.verify(b"hello", &signed));
        assert_eq!(from_cert.rsa_public_key, from_file.rsa_public_key);
        // The serial number OpenSSL prints for the fixture (`openssl x509 -noout -serial`).
        let named = PayPublicKey::from_certificate(PAY_CERT).unwrap();
        assert_eq!(named.serial, "5157F09EFDC096DE15EBE81A47057A7232F1B8E1");
        assert_eq!(named.rsa_public_key, from_file.rsa_public_key);
    }

    #[test]
    fn a_field_encrypted_for_wechat_pay_opens_only_with_its_private_key() {
        use rsa::pkcs8::DecodePrivateKey;
        let key = PayPublicKey::from_public_key_pem(PAY_PUBLIC, "p".into()).unwrap();
        let sealed = B64.decode(key.encrypt("张三".as_bytes()).unwrap()).unwrap();
        assert_eq!(sealed.len(), 256);
        assert_ne!(
            key.encrypt("张三".as_bytes()).unwrap(),
            B64.encode(&sealed),
            "randomised"
        );
        let private = rsa::RsaPrivateKey::from_pkcs8_pem(PAY_KEY).unwrap();
        let oaep = || rsa::Oaep::new::<sha1::Sha1>();
        assert_eq!(private.decrypt(oaep(), &sealed).unwrap(), "张三".as_bytes());
        let other = rsa::RsaPrivateKey::from_pkcs8_pem(MERCHANT_KEY).unwrap();
        assert!(other.decrypt(oaep(), &sealed).is_err());
    }

    #[test]
    fn wrong_files_are_refused_with_a_reason() {
        assert!(MerchantKey::from_pem(PAY_PUBLIC)
            .unwrap_err()
            .contains("not an RSA private key"));
        assert!(MerchantKey::from_pem("hello").is_err());
        assert!(PayPublicKey::from_certificate_pem(PAY_PUBLIC, "x".into()).is_err());
        assert!(PayPublicKey::from_public_key_pem(MERCHANT_KEY, "x".into()).is_err());
    }
}

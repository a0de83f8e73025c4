//! The encrypted `resource` of WeChat Pay callbacks: AEAD_AES_256_GCM with the APIv3 key
//! as key, `nonce` (12 characters) as IV, `associated_data` as AAD, and `ciphertext`
//! the base64 of the encrypted bytes followed by the 16-byte tag.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use serde::{Deserialize, Serialize};

pub const ALGORITHM: &str = "AEAD_AES_256_GCM";

/// A callback's `resource` object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resource {
    pub algorithm: String,
    pub ciphertext: String,
    #[serde(default)]
    pub associated_data: String,
    pub nonce: String,
    #[serde(default)]
    pub original_type: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecryptError {
    #[error("algorithm {0} is not AEAD_AES_256_GCM")]
    Algorithm(String),
    #[error("the key must be 32 bytes and the nonce 12")]
    Sizes,
    #[error("the ciphertext is not base64")]
    Base64,
    #[error("the ciphertext does not authenticate (wrong key, nonce or associated data)")]
    Authentication,
}

fn key(api_v3_key: &[u8]) -> Result<LessSafeKey, DecryptError> {
    UnboundKey::new(&AES_256_GCM, api_v3_key)
        .map(LessSafeKey::new)
        .map_err(|_| DecryptError::Sizes)
}

fn nonce(iv: &[u8]) -> Result<Nonce, DecryptError> {
    Nonce::try_assume_unique_for_key(iv).map_err(|_| DecryptError::Sizes)
}

/// Decrypts raw bytes: `sealed` is the ciphertext with its tag appended.
pub fn open(
    api_v3_key: &[u8],
    iv: &[u8],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>, DecryptError> {
    let mut buf = sealed.to_vec();
    let plain = key(api_v3_key)?
        .open_in_place(nonce(iv)?, Aad::from(aad), &mut buf)
        .map_err(|_| DecryptError::Authentication)?;
    Ok(plain.to_vec())
}

/// Encrypts raw bytes, tag appended (what WeChat Pay does; the tests' stand-in uses it).
pub fn seal(
    api_v3_key: &[u8],
    iv: &[u8],
    aad: &[u8],
    plain: &[u8],
) -> Result<Vec<u8>, DecryptError> {
    let mut buf = plain.to_vec();
    key(api_v3_key)?
        .seal_in_place_append_tag(nonce(iv)?, Aad::from(aad), &mut buf)
        .map_err(|_| DecryptError::Authentication)?;
    Ok(buf)
}

/// The plaintext of a callback resource.
pub fn decrypt(api_v3_key: &[u8], resource: &Resource) -> Result<Vec<u8>, DecryptError> {
    if resource.algorithm != ALGORITHM {
        return Err(DecryptError::Algorithm(resource.algorithm.clone()));
    }
    let sealed = B64
        .decode(resource.ciphertext.trim())
        .map_err(|_| DecryptError::Base64)?;
    open(
        api_v3_key,
        resource.nonce.as_bytes(),
        resource.associated_data.as_bytes(),
        &sealed,
    )
}

/// A resource as WeChat Pay would send it.
pub fn encrypt(
    api_v3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    plain: &[u8],
) -> Result<Resource, DecryptError> {
    let sealed = seal(
        api_v3_key,
        nonce.as_bytes(),
        associated_data.as_bytes(),
        plain,
    )?;
    Ok(Resource {
        algorithm: ALGORITHM.into(),
        ciphertext: B64.encode(sealed),
        associated_data: associated_data.into(),
        nonce: nonce.into(),
        original_type: "mch_payment".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// The GCM specification's test cases 13, 14 and 16 (McGrew and Viega, also in
    /// NIST's GCM test vectors): AES-256, 96-bit IV.
    #[test]
    fn known_answers_from_the_gcm_specification() {
        let zero_key = [0u8; 32];
        let zero_iv = [0u8; 12];
        assert_eq!(
            seal(&zero_key, &zero_iv, b"", b"").unwrap(),
            hex("530f8afbc74536b9a963b4f1c4cb738b")
        );
        assert_eq!(
            seal(&zero_key, &zero_iv, b"", &[0u8; 16]).unwrap(),
            hex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919")
        );
        let key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        let iv = hex("cafebabefacedbaddecaf888");
        let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        let plain = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        let sealed = hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b");
        assert_eq!(seal(&key, &iv, &aad, &plain).unwrap(), sealed);
        assert_eq!(open(&key, &iv, &aad, &sealed).unwrap(), plain);
    }

    #[test]
    fn a_callback_resource_decrypts_only_with_its_key_nonce_and_associated_data() {
        let key = b"0123456789abcdef0123456789abcdef";
        let plain = br#"{"out_bill_no":"FT1","state":"SUCCESS"}"#;
        let resource = encrypt(key, "fdasflkja484", "mch_payment", plain).unwrap();
        assert_eq!(decrypt(key, &resource).unwrap(), plain);
        let wrong_key = b"0123456789abcdef0123456789abcdeX";
        assert_eq!(
            decrypt(wrong_key, &resource),
            Err(DecryptError::Authentication)
        );
        let other_ad = Resource {
            associated_data: "transfer".into(),
            ..resource.clone()
        };
        assert_eq!(decrypt(key, &other_ad), Err(DecryptError::Authentication));
        let other_alg = Resource {
            algorithm: "AES_128".into(),
            ..resource.clone()
        };
        assert!(matches!(
            decrypt(key, &other_alg),
            Err(DecryptError::Algorithm(_))
        ));
        let short_nonce = Resource {
            nonce: "abc".into(),
            ..resource
        };
        assert_eq!(decrypt(key, &short_nonce), Err(DecryptError::Sizes));
    }
}

//! Keyed hashes and signatures derived from the deployment's secret key: visitor and IP
//! hashes (personal data never stored raw), signed cookie values and form tokens.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The HMAC is keyed once: its state after the key block is cloned for each token, so a
/// token costs the message's compression rounds, not the key's two as well (a landing
/// page view makes four).
#[derive(Clone)]
pub struct Signer {
    keyed: HmacSha256,
}

impl Signer {
    pub fn new(key: &[u8]) -> Self {
        Signer {
            keyed: HmacSha256::new_from_slice(key).expect("HMAC takes any key length"),
        }
    }

    fn mac(&self, purpose: &str, parts: &[&str]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(purpose.as_bytes());
        for part in parts {
            mac.update(b"\x1f");
            mac.update(part.as_bytes());
        }
        mac.finalize().into_bytes().into()
    }

    /// A short, keyed, irreversible token for a tuple (128 bits, hex).
    pub fn hash(&self, purpose: &str, parts: &[&str]) -> String {
        let mut token = String::with_capacity(32);
        self.hash_into(purpose, parts, &mut token);
        token
    }

    /// [`Signer::hash`] written at the end of `out`.
    pub fn hash_into(&self, purpose: &str, parts: &[&str], out: &mut String) {
        let mut hex = [0u8; 32];
        hex::encode_to_slice(&self.mac(purpose, parts)[..16], &mut hex)
            .expect("16 bytes are 32 hex digits");
        out.push_str(std::str::from_utf8(&hex).expect("hex digits are ASCII"));
    }

    /// `value.signature` for a cookie.
    pub fn seal(&self, purpose: &str, value: &str) -> String {
        let mut sealed = String::with_capacity(value.len() + 33);
        self.seal_into(purpose, value, &mut sealed);
        sealed
    }

    /// [`Signer::seal`] written at the end of `out` (a cookie header being written).
    pub fn seal_into(&self, purpose: &str, value: &str, out: &mut String) {
        out.push_str(value);
        out.push('.');
        self.hash_into(purpose, &[value], out);
    }

    /// The value of a sealed string if its signature holds.
    pub fn open<'a>(&self, purpose: &str, sealed: &'a str) -> Option<&'a str> {
        let (value, signature) = sealed.rsplit_once('.')?;
        let expected = self.hash(purpose, &[value]);
        bool::from(expected.as_bytes().ct_eq(signature.as_bytes())).then_some(value)
    }

    pub fn verify(&self, purpose: &str, parts: &[&str], token: &str) -> bool {
        bool::from(self.hash(purpose, parts).as_bytes().ct_eq(token.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::Signer;

    #[test]
    fn a_token_is_the_keyed_hash_of_its_purpose_and_parts() {
        use hmac::{Hmac, Mac};
        let key = b"0123456789abcdef0123456789abcdef";
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
        mac.update(b"visitor\x1fa\x1fb");
        let expected = hex::encode(&mac.finalize().into_bytes()[..16]);
        let signer = Signer::new(key);
        assert_eq!(signer.hash("visitor", &["a", "b"]), expected);
        // The keyed state is reused, never changed by a token.
        assert_eq!(signer.hash("visitor", &["a", "b"]), expected);
    }

    #[test]
    fn sealed_values_open_only_untouched_and_with_the_same_key() {
        let signer = Signer::new(b"0123456789abcdef0123456789abcdef");
        let sealed = signer.seal("me", "abc|def");
        assert_eq!(signer.open("me", &sealed), Some("abc|def"));
        assert_eq!(signer.open("other", &sealed), None);
        assert_eq!(signer.open("me", &sealed.replace("abc", "abd")), None);
        assert_eq!(
            Signer::new(b"another key of thirty-two bytes!").open("me", &sealed),
            None
        );
    }
}

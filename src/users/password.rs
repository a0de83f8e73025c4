//! Passwords: argon2id PHC strings, hashed and checked off the async workers (each takes
//! tens of milliseconds of CPU on purpose).

use std::sync::LazyLock;

use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 200;

/// Checked against when the e-mail is unknown, so a wrong address takes as long to refuse
/// as a wrong password and does not reveal which accounts exist.
static DECOY: LazyLock<String> = LazyLock::new(|| hash_now("decoy password").unwrap_or_default());

/// Why a new password is refused, in the console's words.
pub fn check_policy(password: &str) -> Result<(), &'static str> {
    let len = password.chars().count();
    if len < MIN_LEN {
        Err("密码至少 10 个字符")
    } else if len > MAX_LEN {
        Err("密码最多 200 个字符")
    } else {
        Ok(())
    }
}

/// A random password for a new account: 16 URL-safe characters (96 bits).
pub fn generate() -> String {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?
        .to_string())
}

fn verify_now(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .context("the password hashing task")?
}

/// Whether `password` matches the stored hash; `None` checks against a decoy and says no.
pub async fn verify(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify_now(&password, &phc),
        None => {
            verify_now(&password, &DECOY);
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify_only_their_password() {
        let phc = hash_now("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_now("correct horse battery", &phc));
        assert!(!verify_now("correct horse batterz", &phc));
        assert!(!verify_now("anything", "not a hash"));
        assert_ne!(phc, hash_now("correct horse battery").unwrap(), "salted");
    }

    #[test]
    fn generated_passwords_pass_the_policy() {
        let p = generate();
        assert_eq!(p.len(), 16);
        assert!(check_policy(&p).is_ok());
        assert!(check_policy("short").is_err());
    }
}

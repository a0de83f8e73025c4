//! A console account and the e-mail address that names it.

use chrono::{DateTime, Utc};

use crate::audit::Actor;
use crate::auth::Role;

/// An e-mail address, trimmed and lower-cased: the one way to name an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, &'static str> {
        let email = raw.trim().to_lowercase();
        let Some((local, domain)) = email.split_once('@') else {
            return Err("请输入有效的邮箱地址");
        };
        let valid = (3..=254).contains(&email.len())
            && !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if valid {
            Ok(Email(email))
        } else {
            Err("请输入有效的邮箱地址")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl From<&User> for Actor {
    /// Who did it, for an audit entry: the console user, by id and e-mail.
    fn from(user: &User) -> Actor {
        Actor::user(&user.id, &user.email)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lower_cased_and_checked() {
        assert_eq!(
            Email::parse("  Ops@Brand.CN ").unwrap().as_str(),
            "ops@brand.cn"
        );
        for bad in [
            "",
            "ops",
            "@brand.cn",
            "ops@",
            "ops@brand",
            "o ps@brand.cn",
            "a@b@c.cn",
            "ops@.cn",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}

//! Chinese mobile numbers, normalised at the edge: "+86 138-0013-8000" and "13800138000"
//! are the same person.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("请输入手机号 (phone number is required)")]
    Empty,
    #[error("请输入11位中国大陆手机号 (not a valid mainland China mobile number)")]
    Invalid,
}

impl PhoneError {
    /// What the phone pages tell a visitor: plain Chinese. The API's `message` keeps the
    /// `Display` text, as the contract shows it.
    pub fn visitor_message(&self) -> &'static str {
        match self {
            PhoneError::Empty => "请输入手机号",
            PhoneError::Invalid => "请输入11位中国大陆手机号",
        }
    }
}

impl Phone {
    /// Accepts 11-digit mobile numbers starting 13-19, with optional +86 / 0086 / 86
    /// prefix and spaces, dashes, dots or parentheses between digits.
    pub fn parse(raw: &str) -> Result<Phone, PhoneError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        if trimmed.len() > 32 {
            return Err(PhoneError::Invalid);
        }
        let mut digits = String::with_capacity(16);
        let mut plus = false;
        for c in trimmed.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if digits.is_empty() && !plus => plus = true,
                ' ' | '-' | '.' | '(' | ')' | '\u{3000}' => {}
                _ => return Err(PhoneError::Invalid),
            }
        }
        let national = if plus {
            digits.strip_prefix("86").ok_or(PhoneError::Invalid)?
        } else if let Some(rest) = digits.strip_prefix("0086") {
            rest
        } else if digits.len() == 13 {
            digits.strip_prefix("86").ok_or(PhoneError::Invalid)?
        } else {
            &digits
        };
        let bytes = national.as_bytes();
        if bytes.len() != 11 || bytes[0] != b'1' || !(b'3'..=b'9').contains(&bytes[1]) {
            return Err(PhoneError::Invalid);
        }
        Ok(Phone(national.to_owned()))
    }

    /// The 11-digit national number, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn e164(&self) -> String {
        format!("+86{}", self.0)
    }

    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// "13800138000" -> "138****8000"; anything shorter is masked whole.
pub fn mask(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "*".repeat(phone.chars().count().min(11))
    }
}

impl fmt::Debug for Phone {
    // Phone numbers are personal data: logs see only the masked form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_spellings_normalise_to_eleven_digits() {
        for raw in [
            "13800138000",
            "+86 138 0013 8000",
            "+86-138-0013-8000",
            "0086 13800138000",
            "8613800138000",
            " 138.0013.8000 ",
            "(+86) 13800138000",
        ] {
            assert_eq!(
                Phone::parse(raw).map(|p| p.0),
                Ok("13800138000".into()),
                "{raw}"
            );
        }
    }

    #[test]
    fn non_mobile_numbers_are_rejected() {
        for raw in [
            "12800138000",
            "1380013800",
            "138001380001",
            "+1 13800138000",
            "abc",
            "138-0013-800a",
            "010-12345678",
            "+8612800138000",
        ] {
            assert_eq!(Phone::parse(raw), Err(PhoneError::Invalid), "{raw}");
        }
        assert_eq!(Phone::parse("  "), Err(PhoneError::Empty));
    }

    #[test]
    fn masking_keeps_prefix_and_last_four() {
        assert_eq!(Phone::parse("13800138000").unwrap().masked(), "138****8000");
        assert_eq!(
            format!("{:?}", Phone::parse("13800138000").unwrap()),
            "Phone(138****8000)"
        );
    }

    #[test]
    fn visitors_read_plain_chinese_while_the_api_keeps_its_text() {
        for e in [PhoneError::Empty, PhoneError::Invalid] {
            let words = e.visitor_message();
            assert!(!words.chars().any(|c| c.is_ascii_alphabetic()), "{words}");
            assert!(e.to_string().starts_with(words));
        }
    }

    proptest! {
        #[test]
        fn every_valid_mobile_survives_formatting(second in 3u8..=9, rest in "[0-9]{9}", sep in "[ -]?") {
            let national = format!("1{second}{rest}");
            let spaced = format!("+86{sep}{}{sep}{}{sep}{}", &national[..3], &national[3..7], &national[7..]);
            let parsed = Phone::parse(&spaced).unwrap();
            prop_assert_eq!(parsed.as_str(), national.as_str());
        }

        #[test]
        fn parse_never_panics(raw in "\\PC{0,40}") {
            let _ = Phone::parse(&raw);
        }
    }
}

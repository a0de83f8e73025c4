//! Invite codes: short, URL-safe, unambiguous when read aloud, and not guessable
//! (random, ~49 bits), unlike sequential or reversible ids.

use std::fmt;

use rand::Rng;

const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
const LENGTH: usize = 10;

#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct InviteCode(String);

impl InviteCode {
    pub fn generate() -> InviteCode {
        let mut rng = rand::thread_rng();
        let code = (0..LENGTH)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        InviteCode(code)
    }

    /// Accepts codes as printed (case-insensitive); anything else is not a code.
    pub fn parse(raw: &str) -> Option<InviteCode> {
        let code = raw.trim().to_ascii_lowercase();
        let valid = (4..=32).contains(&code.len()) && code.bytes().all(|b| ALPHABET.contains(&b));
        valid.then_some(InviteCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InviteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for InviteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InviteCode({})", self.0)
    }
}

/// A channel label (渠道码): a poster batch, a staff member, an outlet.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Channel(String);

impl Channel {
    /// Letters (any script), digits, `-`, `_` and `.`; at most 64 characters. The empty
    /// channel means "direct".
    pub fn parse(raw: &str) -> Option<Channel> {
        let raw = raw.trim();
        let valid = raw.chars().count() <= 64
            && raw
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
        valid.then(|| Channel(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_codes_parse_back_and_differ() {
        let a = InviteCode::generate();
        let b = InviteCode::generate();
        assert_eq!(InviteCode::parse(a.as_str()), Some(a.clone()));
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), LENGTH);
    }

    #[test]
    fn codes_are_case_insensitive_and_reject_lookalikes() {
        assert_eq!(
            InviteCode::parse("AB23CD45EF").unwrap().as_str(),
            "ab23cd45ef"
        );
        assert!(InviteCode::parse("ab0cd1efgl").is_none());
        assert!(InviteCode::parse("<script>").is_none());
    }

    #[test]
    fn channels_refuse_markup_and_spaces() {
        assert_eq!(Channel::parse("staff-7").unwrap().as_str(), "staff-7");
        assert_eq!(Channel::parse("门店A").unwrap().as_str(), "门店A");
        assert!(Channel::parse("a b").is_none());
        assert!(Channel::parse("\"><script>").is_none());
        assert!(Channel::parse(&"x".repeat(65)).is_none());
    }

    proptest! {
        #[test]
        fn parsed_codes_only_hold_the_alphabet(raw in "\\PC{0,40}") {
            if let Some(code) = InviteCode::parse(&raw) {
                prop_assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
            }
        }
    }
}

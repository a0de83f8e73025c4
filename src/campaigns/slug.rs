use std::fmt;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// A campaign's URL name: 2-64 of `a-z`, `0-9` and inner `-`.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Option<Slug> {
        let b = raw.as_bytes();
        let valid = (2..=64).contains(&b.len())
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-';
        valid.then(|| Slug(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl utoipa::PartialSchema for Slug {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(2))
            .max_length(Some(64))
            .pattern(Some("^[a-z0-9][a-z0-9-]*[a-z0-9]$"))
            .into()
    }
}

impl utoipa::ToSchema for Slug {}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slug({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Slug;

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert!(Slug::parse("spring-tea").is_some());
        assert!(Slug::parse("2026-tea").is_some());
        for bad in ["", "a", "-tea", "tea-", "Spring", "spring tea", "茶", "a/b"] {
            assert!(Slug::parse(bad).is_none(), "{bad}");
        }
    }
}

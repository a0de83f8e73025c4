//! A campaign's budget: an integer amount in the currency's minor unit (fen).

use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct Budget {
    /// Minor units (fen), 0..=10^12.
    pub amount: i64,
    #[serde(default = "default_currency")]
    pub currency: CurrencyCode,
}

/// An ISO 4217 code such as `CNY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CurrencyCode([u8; 3]);

impl TryFrom<String> for CurrencyCode {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        match raw.as_bytes() {
            [a, b, c] if raw.bytes().all(|b| b.is_ascii_uppercase()) => {
                Ok(CurrencyCode([*a, *b, *c]))
            }
            _ => Err(format!(
                "currency '{raw}' must be three capital letters, like CNY"
            )),
        }
    }
}

impl From<CurrencyCode> for String {
    fn from(code: CurrencyCode) -> String {
        code.as_str().to_owned()
    }
}

impl CurrencyCode {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("CNY")
    }
}

impl utoipa::PartialSchema for CurrencyCode {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[A-Z]{3}$"))
            .examples(["CNY"])
            .into()
    }
}

impl ToSchema for CurrencyCode {}

pub fn default_currency() -> CurrencyCode {
    CurrencyCode(*b"CNY")
}

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

/// Fen as yuan with two decimals, as people read money: 500 -> "5.00".
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}{}.{:02}", fen / 100, fen % 100)
}

/// Yuan as typed ("12", "12.5", "12.50", "￥1,200.00") to fen, exactly: no floating
/// point on the way, at most two decimals.
pub fn parse_yuan(raw: &str) -> Result<i64, &'static str> {
    const BAD: &str = "请输入金额，如 12.50（元，最多两位小数）";
    let cleaned: String = raw
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!frac.is_empty() && !digits(frac)) || frac.len() > 2 || whole.len() > 12 {
        return Err(BAD);
    }
    let whole: i64 = whole.parse().map_err(|_| BAD)?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| BAD)?;
    Ok(whole * 100 + frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_is_parsed_exactly_and_printed_with_two_decimals() {
        assert_eq!(parse_yuan("12.50"), Ok(1250));
        assert_eq!(parse_yuan(" 0.1 "), Ok(10));
        assert_eq!(parse_yuan("1000"), Ok(100_000));
        assert_eq!(parse_yuan("0.29"), Ok(29));
        assert_eq!(parse_yuan(" ￥1,200.01 "), Ok(120_001));
        for bad in [
            "",
            "-1",
            "1.234",
            "abc",
            ".5",
            "1e3",
            "1 2",
            "9999999999999",
        ] {
            assert!(parse_yuan(bad).is_err(), "{bad}");
        }
        assert_eq!(format_yuan(1250), "12.50");
        assert_eq!(format_yuan(5), "0.05");
        assert_eq!(format_yuan(-205), "-2.05");
    }
}

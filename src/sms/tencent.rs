//! Tencent Cloud SMS (`SendSms`, API version 2021-01-11), signed with TC3-HMAC-SHA256 as
//! Tencent's "Signature v3" documentation describes: a canonical request, a string to
//! sign scoped to the UTC date and service, and a key derived from the secret.

use chrono::DateTime;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const HOST: &str = "sms.tencentcloudapi.com";
const SERVICE: &str = "sms";
const ACTION: &str = "SendSms";
const VERSION: &str = "2021-01-11";
const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The keys, from `FISSION_TENCENT_SMS_*`.
#[derive(Clone, PartialEq, Eq)]
pub struct TencentConfig {
    pub secret_id: String,
    pub secret_key: String,
    pub sdk_app_id: String,
    pub sign_name: String,
    pub template_id: String,
    /// The template telling a phone that a campaign it asked about has opened (one
    /// parameter: the campaign's title); without it, reminders are not sent.
    pub opening_template_id: Option<String>,
    pub region: String,
}

impl std::fmt::Debug for TencentConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TencentConfig")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("sdk_app_id", &self.sdk_app_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl TencentConfig {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let need = |name: &str| {
            get(name)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("{name} is required with FISSION_SMS_PROVIDER=tencent"))
        };
        Ok(TencentConfig {
            secret_id: need("FISSION_TENCENT_SMS_SECRET_ID")?,
            secret_key: need("FISSION_TENCENT_SMS_SECRET_KEY")?,
            sdk_app_id: need("FISSION_TENCENT_SMS_SDK_APP_ID")?,
            sign_name: need("FISSION_TENCENT_SMS_SIGN_NAME")?,
            template_id: need("FISSION_TENCENT_SMS_TEMPLATE_ID")?,
            opening_template_id: get("FISSION_TENCENT_SMS_OPENING_TEMPLATE_ID")
                .filter(|v| !v.is_empty()),
            region: get("FISSION_TENCENT_SMS_REGION").unwrap_or_else(|| "ap-guangzhou".into()),
        })
    }

    /// The signed `SendSms` request for one code (template parameters: the code, then
    /// its lifetime in minutes).
    pub fn send_request(
        &self,
        e164: &str,
        code: &str,
        minutes: u32,
        timestamp: i64,
    ) -> SignedRequest {
        let params = vec![code.to_owned(), minutes.to_string()];
        self.request(e164, &self.template_id, params, timestamp)
    }

    /// The signed `SendSms` request saying a campaign has opened (template parameter:
    /// its title, cut to Tencent's 12 characters), if a template for it is configured.
    pub fn opening_request(
        &self,
        e164: &str,
        title: &str,
        timestamp: i64,
    ) -> Option<SignedRequest> {
        let template = self.opening_template_id.as_deref()?;
        let title: String = title.chars().take(12).collect();
        Some(self.request(e164, template, vec![title], timestamp))
    }

    fn request(
        &self,
        e164: &str,
        template_id: &str,
        template_param_set: Vec<String>,
        timestamp: i64,
    ) -> SignedRequest {
        let body = SendSms {
            phone_number_set: [e164.to_owned()],
            sms_sdk_app_id: &self.sdk_app_id,
            sign_name: &self.sign_name,
            template_id,
            template_param_set,
        };
        let body = serde_json::to_string(&body).unwrap_or_default();
        let authorization = authorization(
            &self.secret_id,
            &self.secret_key,
            SERVICE,
            HOST,
            &body,
            timestamp,
        );
        let headers = vec![
            ("Authorization", authorization),
            ("Content-Type", CONTENT_TYPE.to_owned()),
            ("Host", HOST.to_owned()),
            ("X-TC-Action", ACTION.to_owned()),
            ("X-TC-Timestamp", timestamp.to_string()),
            ("X-TC-Version", VERSION.to_owned()),
            ("X-TC-Region", self.region.clone()),
        ];
        SignedRequest { headers, body }
    }
}

/// A POST to `https://{HOST}/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SendSms<'a> {
    phone_number_set: [String; 1],
    sms_sdk_app_id: &'a str,
    sign_name: &'a str,
    template_id: &'a str,
    template_param_set: Vec<String>,
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The `Authorization` header of a POST with a JSON body, signing `content-type` and `host`.
pub fn authorization(
    secret_id: &str,
    secret_key: &str,
    service: &str,
    host: &str,
    payload: &str,
    timestamp: i64,
) -> String {
    let signed_headers = "content-type;host";
    let canonical_request = format!(
        "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{host}\n\n{signed_headers}\n{}",
        sha256_hex(payload.as_bytes())
    );
    // The date is UTC's, whatever the server's zone.
    let date = DateTime::from_timestamp(timestamp, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string();
    let scope = format!("{date}/{service}/tc3_request");
    let string_to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let secret_date = hmac(format!("TC3{secret_key}").as_bytes(), &date);
    let secret_service = hmac(&secret_date, service);
    let secret_signing = hmac(&secret_service, "tc3_request");
    let signature = hex::encode(hmac(&secret_signing, &string_to_sign));
    format!(
        "TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tencent's documented example (Signature v3, CVM DescribeInstances).
    #[test]
    fn the_signature_matches_tencents_documented_example() {
        let payload = r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
        let header = authorization(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            "cvm",
            "cvm.tencentcloudapi.com",
            payload,
            1_551_113_065,
        );
        assert_eq!(
            header,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn a_send_request_carries_the_code_and_the_signed_headers() {
        let config = TencentConfig {
            secret_id: "AKID".into(),
            secret_key: "key".into(),
            sdk_app_id: "1400000000".into(),
            sign_name: "裂变".into(),
            template_id: "123".into(),
            opening_template_id: Some("456".into()),
            region: "ap-guangzhou".into(),
        };
        let request = config.send_request("+8613800138000", "042917", 5, 1_764_000_000);
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(body["PhoneNumberSet"][0], "+8613800138000");
        assert_eq!(body["TemplateParamSet"], serde_json::json!(["042917", "5"]));
        let header = |name| {
            request
                .headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("X-TC-Action"), Some("SendSms"));
        let expected = authorization("AKID", "key", "sms", HOST, &request.body, 1_764_000_000);
        assert_eq!(header("Authorization"), Some(expected.as_str()));
        assert!(
            !format!("{config:?}").contains("\"key\""),
            "the secret stays out of logs"
        );
        let opening = config
            .opening_request(
                "+8613800138000",
                "春茶上新·邀请好友领红包活动",
                1_764_000_000,
            )
            .unwrap();
        let body: serde_json::Value = serde_json::from_str(&opening.body).unwrap();
        assert_eq!(body["TemplateId"], "456");
        assert_eq!(
            body["TemplateParamSet"],
            serde_json::json!(["春茶上新·邀请好友领红包"])
        );
    }
}

//! Sends the signed `SendSms` request to Tencent Cloud and reads its answer: the request
//! as a whole can fail (`Response.Error`), or the one number can (`SendStatusSet[].Code`
//! other than `Ok`).

use std::time::Duration;

use anyhow::Context;
use futures_util::future::BoxFuture;
use serde::Deserialize;

use super::proof::CODE_MINUTES;
use super::tencent::{TencentConfig, HOST};
use super::SmsSender;
use crate::participants::phone::Phone;

const TIMEOUT: Duration = Duration::from_secs(5);

pub struct TencentSms {
    config: TencentConfig,
    client: reqwest::Client,
}

impl TencentSms {
    pub fn new(config: TencentConfig) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .context("building the Tencent SMS client")?;
        Ok(TencentSms { config, client })
    }

    async fn send(&self, phone: &Phone, code: &str) -> Result<(), TencentError> {
        let now = chrono::Utc::now().timestamp();
        let signed = self
            .config
            .send_request(&phone.e164(), code, CODE_MINUTES, now);
        self.post(signed).await
    }

    async fn post(&self, signed: super::tencent::SignedRequest) -> Result<(), TencentError> {
        let mut request = self.client.post(format!("https://{HOST}/"));
        for (name, value) in signed.headers {
            request = request.header(name, value);
        }
        let body = request
            .body(signed.body)
            .send()
            .await
            .map_err(TencentError::Transport)?
            .text()
            .await
            .map_err(TencentError::Transport)?;
        parse_response(&body)
    }
}

impl SmsSender for TencentSms {
    fn send_code<'a>(
        &'a self,
        phone: &'a Phone,
        code: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move { Ok(self.send(phone, code).await?) })
    }

    fn send_opening<'a>(
        &'a self,
        phone: &'a Phone,
        title: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let now = chrono::Utc::now().timestamp();
            let signed = self
                .config
                .opening_request(&phone.e164(), title, now)
                .context("FISSION_TENCENT_SMS_OPENING_TEMPLATE_ID is not set")?;
            Ok(self.post(signed).await?)
        })
    }
}

/// Why Tencent did not send.
#[derive(Debug, thiserror::Error)]
pub enum TencentError {
    #[error("Tencent SMS unreachable: {0}")]
    Transport(reqwest::Error),
    #[error("Tencent SMS refused the request: {code}: {message} (request {request_id})")]
    Api {
        code: String,
        message: String,
        request_id: String,
    },
    #[error("Tencent SMS did not send to the number: {code}: {message}")]
    NotSent { code: String, message: String },
    #[error("Tencent SMS answered something unreadable: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Envelope {
    response: Body,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Body {
    error: Option<ApiError>,
    #[serde(default)]
    send_status_set: Vec<SendStatus>,
    #[serde(default)]
    request_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiError {
    code: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendStatus {
    code: String,
    #[serde(default)]
    message: String,
}

/// Reads a `SendSms` answer: Ok only when every number's status is `Ok`.
pub fn parse_response(body: &str) -> Result<(), TencentError> {
    let envelope: Envelope =
        serde_json::from_str(body).map_err(|e| TencentError::Malformed(e.to_string()))?;
    let response = envelope.response;
    if let Some(error) = response.error {
        return Err(TencentError::Api {
            code: error.code,
            message: error.message,
            request_id: response.request_id,
        });
    }
    if response.send_status_set.is_empty() {
        return Err(TencentError::Malformed("no SendStatusSet".into()));
    }
    match response
        .send_status_set
        .into_iter()
        .find(|s| s.code != "Ok")
    {
        Some(status) => Err(TencentError::NotSent {
            code: status.code,
            message: status.message,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sent_message_is_ok() {
        let body = r#"{"Response":{"SendStatusSet":[{"SerialNo":"5000:1045710669157053657849499619",
            "PhoneNumber":"+8613800138000","Fee":1,"SessionContext":"","Code":"Ok",
            "Message":"send success","IsoCode":"CN"}],"RequestId":"a0aabda6-cf91-4f3e-a81f-9198114a2279"}}"#;
        assert!(parse_response(body).is_ok());
    }

    #[test]
    fn a_refused_request_names_tencents_code() {
        let body = r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure",
            "Message":"The provided credentials could not be validated."},"RequestId":"r-1"}}"#;
        match parse_response(body) {
            Err(TencentError::Api {
                code, request_id, ..
            }) => {
                assert_eq!(code, "AuthFailure.SignatureFailure");
                assert_eq!(request_id, "r-1");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_number_not_sent_to_is_an_error() {
        let body = r#"{"Response":{"SendStatusSet":[{"Code":"LimitExceeded.PhoneNumberDailyLimit",
            "Message":"the number exceeds its daily limit"}],"RequestId":"r-2"}}"#;
        assert!(matches!(
            parse_response(body),
            Err(TencentError::NotSent { code, .. }) if code == "LimitExceeded.PhoneNumberDailyLimit"
        ));
        assert!(matches!(
            parse_response("<html>"),
            Err(TencentError::Malformed(_))
        ));
        assert!(matches!(
            parse_response(r#"{"Response":{"RequestId":"r-3"}}"#),
            Err(TencentError::Malformed(_))
        ));
    }
}

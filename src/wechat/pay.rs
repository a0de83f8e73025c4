//! WeChat Pay's merchant transfer API (商家转账): create a transfer bill
//! (`POST /v3/fund-app/mch-transfer/transfer-bills`) and read it back by the merchant's
//! bill number (`GET .../out-bill-no/{out_bill_no}`). Every request is signed with the
//! merchant key; every successful answer must carry WeChat Pay's signature.

use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use serde::{Deserialize, Serialize};

use super::signing::{self, Merchant, SignedBy, VerifyError};
use super::{certificates, Wechat};
use crate::config::WechatPay;

pub const TRANSFER_PATH: &str = "/v3/fund-app/mch-transfer/transfer-bills";

/// One scene report line (`transfer_scene_report_infos`), required by the scene.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SceneInfo {
    pub info_type: String,
    pub info_content: String,
}

/// The body of a transfer request, as documented.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TransferRequest {
    pub appid: String,
    pub out_bill_no: String,
    pub transfer_scene_id: String,
    pub openid: String,
    pub transfer_amount: i64,
    pub transfer_remark: String,
    pub notify_url: String,
    pub user_recv_perception: String,
    pub transfer_scene_report_infos: Vec<SceneInfo>,
    /// The payee's real name, encrypted for WeChat Pay; required from 2,000 yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
}

/// A transfer bill as WeChat Pay reports it (create, query and callback share these).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Bill {
    pub out_bill_no: String,
    #[serde(default)]
    pub transfer_bill_no: Option<String>,
    pub state: String,
    #[serde(default)]
    pub package_info: Option<String>,
    #[serde(default)]
    pub fail_reason: Option<String>,
}

impl Bill {
    /// SUCCESS, FAIL and CANCELLED never change again.
    pub fn is_final(&self) -> bool {
        matches!(self.state.as_str(), "SUCCESS" | "FAIL" | "CANCELLED")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PayError {
    #[error("WeChat Pay could not be reached: {0}")]
    Transport(reqwest::Error),
    #[error("WeChat Pay answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error("WeChat Pay's answer is not signed by its key: {0}")]
    Signature(VerifyError),
    #[error("WeChat Pay's answer could not be read: {0}")]
    Unreadable(String),
}

impl PayError {
    /// The error code WeChat Pay gave, if it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            PayError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct ErrorAnswer {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The signature headers of an answer.
pub(super) fn signed_by(headers: &HeaderMap) -> SignedBy<'_> {
    SignedBy {
        timestamp: header(headers, "Wechatpay-Timestamp"),
        nonce: header(headers, "Wechatpay-Nonce"),
        signature: header(headers, "Wechatpay-Signature"),
        serial: header(headers, "Wechatpay-Serial"),
    }
}

/// A 2xx answer, its signature not yet checked.
pub(super) struct Answer {
    pub headers: HeaderMap,
    pub text: String,
}

/// A request signed with the merchant key; WeChat Pay's error for a non-2xx answer.
/// `sealed_for` names the key an encrypted field was sealed for (else the newest).
pub(super) async fn send(
    wechat: &Wechat,
    config: &WechatPay,
    (method, path): (reqwest::Method, &str),
    body: Option<String>,
    sealed_for: Option<&str>,
) -> Result<Answer, PayError> {
    let merchant = Merchant {
        mch_id: &config.mch_id,
        cert_serial: &config.cert_serial,
        key: &config.merchant_key,
    };
    let payload = body.unwrap_or_default();
    let auth = signing::authorization(
        &merchant,
        method.as_str(),
        path,
        &payload,
        chrono::Utc::now().timestamp(),
        &signing::nonce(),
    );
    let mut request = wechat
        .client
        .request(method, format!("{}{path}", config.api_base))
        .header(AUTHORIZATION, auth)
        .header(ACCEPT, "application/json")
        .header(USER_AGENT, concat!("fission/", env!("CARGO_PKG_VERSION")));
    let serial = sealed_for
        .map(str::to_owned)
        .or_else(|| wechat.keys.newest().map(|k| k.serial));
    if let Some(serial) = serial {
        request = request.header("Wechatpay-Serial", serial);
    }
    if !payload.is_empty() {
        request = request
            .header(CONTENT_TYPE, "application/json")
            .body(payload);
    }
    let response = request
        .send()
        .await
        .map_err(|e| PayError::Transport(e.without_url()))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response
        .text()
        .await
        .map_err(|e| PayError::Transport(e.without_url()))?;
    if !(200..300).contains(&status) {
        let answer: ErrorAnswer = serde_json::from_str(&text).unwrap_or(ErrorAnswer {
            code: String::new(),
            message: text.clone(),
        });
        return Err(PayError::Api {
            status,
            code: answer.code,
            message: answer.message,
        });
    }
    Ok(Answer { headers, text })
}

/// A signed call; the body of a 2xx answer once its signature is checked.
async fn call(
    wechat: &Wechat,
    config: &WechatPay,
    (method, path): (reqwest::Method, &str),
    body: Option<String>,
    sealed_for: Option<&str>,
) -> Result<String, PayError> {
    let answer = send(wechat, config, (method, path), body, sealed_for).await?;
    let now = chrono::Utc::now().timestamp();
    certificates::verify(
        wechat,
        config,
        &signed_by(&answer.headers),
        &answer.text,
        now,
    )
    .await
    .map_err(PayError::Signature)?;
    Ok(answer.text)
}

fn read_bill(text: &str) -> Result<Bill, PayError> {
    serde_json::from_str(text).map_err(|e| PayError::Unreadable(e.to_string()))
}

/// Creates the bill; `sealed_for` is the serial `user_name` was encrypted for, if any.
pub async fn create_transfer(
    wechat: &Wechat,
    config: &WechatPay,
    request: &TransferRequest,
    sealed_for: Option<&str>,
) -> Result<Bill, PayError> {
    let body = serde_json::to_string(request).map_err(|e| PayError::Unreadable(e.to_string()))?;
    let post = (reqwest::Method::POST, TRANSFER_PATH);
    let text = call(wechat, config, post, Some(body), sealed_for).await?;
    read_bill(&text)
}

/// The bill WeChat Pay holds under this number; `None` when it has none (`NOT_FOUND`).
pub async fn query_transfer(
    wechat: &Wechat,
    config: &WechatPay,
    out_bill_no: &str,
) -> Result<Option<Bill>, PayError> {
    let path = format!("{TRANSFER_PATH}/out-bill-no/{out_bill_no}");
    match call(wechat, config, (reqwest::Method::GET, &path), None, None).await {
        Ok(text) => read_bill(&text).map(Some),
        Err(PayError::Api { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A callback's envelope (the resource is encrypted).
#[derive(Debug, Deserialize, Serialize)]
pub struct Notification {
    pub id: String,
    pub event_type: String,
    pub resource: super::aead::Resource,
}

//! The stand-in's platform certificates: `GET /v3/certificates` as documented (each
//! certificate AEAD_AES_256_GCM-encrypted with the APIv3 key, associated data
//! `certificate`, the answer signed like any other), and a rotation: WeChat Pay starts
//! signing with a new certificate and lists both.

use actix_web::{web, HttpRequest, HttpResponse};
use fission::wechat::aead;
use fission::wechat::certificates::CERTIFICATES_PATH;
use fission::wechat::keys::MerchantKey;
use fission::wechat::signing;
use serde_json::json;

use crate::wechat_standin::{
    check_signature, fixture, fixture_path, signed, signed_headers, Shared, StandIn, World,
    API_V3_KEY, PUBLIC_KEY_ID,
};
use fission::wechat::pay::TransferRequest;

pub const PLATFORM_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
pub const ROTATED_SERIAL: &str = "3775B6A45ACD588826D15E583A95F5DD0E7A4F2C";

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(CERTIFICATES_PATH, web::get().to(certificates));
}

/// fission's key variables in platform-certificate mode: the first certificate only.
pub(crate) fn settings() -> Vec<(&'static str, String)> {
    vec![
        (
            "FISSION_WECHATPAY_PLATFORM_CERT_FILE",
            fixture_path("wechatpay_platform_cert.pem"),
        ),
        (
            "FISSION_WECHATPAY_PLATFORM_CERT_SERIAL",
            PLATFORM_SERIAL.into(),
        ),
    ]
}

impl StandIn {
    /// A WeChat Pay that signs with platform certificates instead of a public key.
    pub async fn start_with_certificates() -> StandIn {
        let key = MerchantKey::from_pem(&fixture("wechatpay_key.pem")).unwrap();
        StandIn::start_with(World {
            signer: Some((PLATFORM_SERIAL.into(), key)),
            certificates: vec![(
                PLATFORM_SERIAL.into(),
                fixture("wechatpay_platform_cert.pem"),
            )],
            ..World::default()
        })
        .await
    }

    /// WeChat Pay rotates: a new certificate signs from now on; both are listed.
    pub fn rotate_platform_certificate(&self) {
        let key = MerchantKey::from_pem(&fixture("wechatpay_key_rotated.pem")).unwrap();
        let mut world = self.world();
        world.signer = Some((ROTATED_SERIAL.into(), key));
        world.certificates.push((
            ROTATED_SERIAL.into(),
            fixture("wechatpay_platform_cert_rotated.pem"),
        ));
    }

    pub fn certificate_downloads(&self) -> usize {
        self.world().certificate_downloads
    }
}

/// The payee's name of a transfer: required from 2,000 yuan, encrypted (RSA-OAEP, SHA-1)
/// for the key named in the request's `Wechatpay-Serial`, decrypted with its private key.
pub(crate) fn real_name(req: &HttpRequest, r: &TransferRequest) -> Result<Option<String>, String> {
    use base64::Engine;
    use rsa::pkcs8::DecodePrivateKey;
    let Some(sealed) = &r.user_name else {
        return match r.transfer_amount >= 200_000 {
            true => Err(format!("{} fen without user_name", r.transfer_amount)),
            false => Ok(None),
        };
    };
    let serial = req
        .headers()
        .get("Wechatpay-Serial")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let pem = match serial {
        PUBLIC_KEY_ID | PLATFORM_SERIAL => fixture("wechatpay_key.pem"),
        ROTATED_SERIAL => fixture("wechatpay_key_rotated.pem"),
        other => return Err(format!("user_name sealed for unknown serial {other}")),
    };
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .map_err(|_| "user_name is not base64")?;
    let plain = key
        .decrypt(rsa::Oaep::new::<sha1::Sha1>(), &bytes)
        .map_err(|_| format!("user_name does not decrypt under {serial}"))?;
    String::from_utf8(plain)
        .map(Some)
        .map_err(|_| "user_name is not UTF-8".into())
}

/// A callback signed again, by the merchant's own key (not WeChat Pay's) under `serial`.
pub fn forged(
    callback: &(Vec<(String, String)>, String),
    serial: &str,
) -> (Vec<(String, String)>, String) {
    let key = MerchantKey::from_pem(&fixture("merchant_key.pem")).unwrap();
    (
        signed_headers(&callback.1, serial, &key),
        callback.1.clone(),
    )
}

async fn certificates(req: HttpRequest, data: Shared) -> HttpResponse {
    let mut world = data.0.lock().unwrap();
    if let Err(p) = check_signature(&req, "", &data.2) {
        world.problems.push(format!("certificates: {p}"));
        return HttpResponse::Unauthorized()
            .json(json!({"code": "SIGN_ERROR", "message": "签名错误"}));
    }
    world.certificate_downloads += 1;
    let listed: Vec<_> = world
        .certificates
        .iter()
        .enumerate()
        .map(|(i, (serial, pem))| {
            let nonce = &signing::nonce()[..12];
            let sealed =
                aead::encrypt(API_V3_KEY.as_bytes(), nonce, "certificate", pem.as_bytes()).unwrap();
            json!({
                "serial_no": serial,
                "effective_time": format!("2026-12-0{}T10:00:00+08:00", i + 1),
                "expire_time": "2031-12-01T10:00:00+08:00",
                "encrypt_certificate": {
                    "algorithm": sealed.algorithm,
                    "nonce": sealed.nonce,
                    "associated_data": sealed.associated_data,
                    "ciphertext": sealed.ciphertext,
                },
            })
        })
        .collect();
    signed(&data, &mut world, json!({ "data": listed }))
}

//! A local stand-in for WeChat (web authorisation) and WeChat Pay (merchant transfers),
//! started by the tests. It checks what the documentation asks of a caller (the request
//! signature and every field) and answers with the documented payloads, signed with
//! its own "WeChat Pay" key; errors can be queued. Every check that fails is kept in
//! `problems()`, which a test expects to be empty.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use fission::wechat::aead;
use fission::wechat::keys::{MerchantKey, PayPublicKey};
use fission::wechat::pay::{TransferRequest, TRANSFER_PATH};
use fission::wechat::signing;
use serde_json::{json, Value};

pub const APP_ID: &str = "wxd930ea5d5a258f4f";
pub const APP_SECRET: &str = "standin-app-secret-0123";
pub const MCH_ID: &str = "1900000109";
pub const API_V3_KEY: &str = "standin-apiv3-key-0123456789abcd";
pub const CERT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
pub const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";
pub const NOTIFY_URL: &str = "https://fission.test/wechat/pay/notify";
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/wechat");

/// One transfer bill as the stand-in keeps it.
#[derive(Clone, Debug)]
pub struct Bill {
    pub request: TransferRequest,
    pub transfer_bill_no: String,
    pub state: String,
    pub fail_reason: Option<String>,
    /// `user_name` as the stand-in decrypted it.
    pub real_name: Option<String>,
}

#[derive(Default)]
pub(crate) struct World {
    /// Who authorises next: openid, nickname.
    pub(crate) user: (String, String),
    pub(crate) codes: HashMap<String, (String, String)>,
    pub(crate) tokens: HashMap<String, String>,
    pub(crate) bills: HashMap<String, Bill>,
    /// Every create call WeChat Pay accepted as a new bill.
    pub(crate) created: Vec<String>,
    pub(crate) queued_errors: VecDeque<(u16, String, String)>,
    /// Sign the next answers with a wrong key (an answer that must not be trusted).
    pub(crate) forge_answers: usize,
    pub(crate) problems: Vec<String>,
    pub(crate) sequence: u64,
    /// What WeChat Pay signs with now: `PUBLIC_KEY_ID` and the fixture key, or a
    /// platform certificate's serial and key (see `wechat_standin_certs.rs`).
    pub(crate) signer: Option<(String, MerchantKey)>,
    /// Platform certificates served by `/v3/certificates`: serial, PEM.
    pub(crate) certificates: Vec<(String, String)>,
    pub(crate) certificate_downloads: usize,
    /// Where the stand-in listens, for the avatar URLs it hands out.
    pub(crate) base_url: String,
    /// Serve something that is not an image as the avatar.
    pub(crate) avatar_broken: bool,
}

#[derive(Clone)]
pub struct StandIn {
    pub url: String,
    world: Arc<Mutex<World>>,
    pay_key: MerchantKey,
}

pub(crate) fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("a fixture")
}

pub(crate) fn fixture_path(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl StandIn {
    pub async fn start() -> StandIn {
        Self::start_with(World::default()).await
    }

    pub(crate) async fn start_with(world: World) -> StandIn {
        let world = Arc::new(Mutex::new(world));
        let pay_key = MerchantKey::from_pem(&fixture("wechatpay_key.pem")).unwrap();
        let merchant =
            PayPublicKey::from_public_key_pem(&fixture("merchant_public.pem"), CERT_SERIAL.into())
                .unwrap();
        let data = web::Data::new((world.clone(), pay_key.clone(), merchant));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .configure(crate::wechat_standin_oauth::routes)
                .configure(crate::wechat_standin_certs::routes)
                .route(TRANSFER_PATH, web::post().to(create))
                .route(
                    &format!("{TRANSFER_PATH}/out-bill-no/{{no}}"),
                    web::get().to(query),
                )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        let url = format!("http://127.0.0.1:{port}");
        world.lock().unwrap().base_url = url.clone();
        StandIn {
            url,
            world,
            pay_key,
        }
    }

    /// The settings that point fission at this stand-in.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        if self.world.lock().unwrap().certificates.is_empty() {
            self.settings_with_key_vars(vec![
                (
                    "FISSION_WECHATPAY_PUBLIC_KEY_FILE",
                    format!("{FIXTURES}/wechatpay_public.pem"),
                ),
                ("FISSION_WECHATPAY_PUBLIC_KEY_ID", PUBLIC_KEY_ID.into()),
            ])
        } else {
            self.settings_with_key_vars(crate::wechat_standin_certs::settings())
        }
    }

    fn settings_with_key_vars(
        &self,
        key_vars: Vec<(&'static str, String)>,
    ) -> Vec<(&'static str, String)> {
        let mut vars = vec![
            ("FISSION_WECHAT_APP_ID", APP_ID.into()),
            ("FISSION_WECHAT_APP_SECRET", APP_SECRET.into()),
            ("FISSION_WECHAT_API_BASE", self.url.clone()),
            ("FISSION_WECHAT_OAUTH_BASE", self.url.clone()),
            ("FISSION_WECHATPAY_MCH_ID", MCH_ID.into()),
            ("FISSION_WECHATPAY_API_V3_KEY", API_V3_KEY.into()),
            ("FISSION_WECHATPAY_CERT_SERIAL", CERT_SERIAL.into()),
            (
                "FISSION_WECHATPAY_PRIVATE_KEY_FILE",
                format!("{FIXTURES}/merchant_key.pem"),
            ),
            ("FISSION_WECHATPAY_NOTIFY_URL", NOTIFY_URL.into()),
            ("FISSION_WECHATPAY_API_BASE", self.url.clone()),
            ("FISSION_WECHATPAY_POLL_SECS", "1".into()),
            // The tests run the jobs themselves.
            ("FISSION_WORKER_INTERVAL_MS", "600000".into()),
        ];
        vars.extend(key_vars);
        vars
    }

    /// The WeChat user who authorises next.
    pub fn as_user(&self, openid: &str, nickname: &str) {
        self.world.lock().unwrap().user = (openid.into(), nickname.into());
    }

    pub fn queue_error(&self, status: u16, code: &str, message: &str) {
        self.world
            .lock()
            .unwrap()
            .queued_errors
            .push_back((status, code.into(), message.into()));
    }

    pub fn forge_next_answers(&self, n: usize) {
        self.world.lock().unwrap().forge_answers = n;
    }

    pub(crate) fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }

    pub fn problems(&self) -> Vec<String> {
        self.world.lock().unwrap().problems.clone()
    }

    pub fn created(&self) -> Vec<String> {
        self.world.lock().unwrap().created.clone()
    }

    pub fn bill(&self, out_bill_no: &str) -> Option<Bill> {
        self.world.lock().unwrap().bills.get(out_bill_no).cloned()
    }

    /// The payee confirms receipt (or lets it lapse): the bill ends and its callback is
    /// built, encrypted and signed, ready to deliver.
    pub fn finish(
        &self,
        out_bill_no: &str,
        state: &str,
        fail_reason: Option<&str>,
    ) -> (Vec<(String, String)>, String) {
        let bill = {
            let mut world = self.world.lock().unwrap();
            let bill = world.bills.get_mut(out_bill_no).expect("a bill");
            bill.state = state.into();
            bill.fail_reason = fail_reason.map(str::to_owned);
            bill.clone()
        };
        let plain = bill_json(&bill).to_string();
        let nonce = &signing::nonce()[..12];
        let resource = aead::encrypt(
            API_V3_KEY.as_bytes(),
            nonce,
            "mch_payment",
            plain.as_bytes(),
        )
        .unwrap();
        let body = json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "create_time": chrono::Utc::now().to_rfc3339(),
            "resource_type": "encrypt-resource",
            "event_type": "MCHTRANSFER.BILL.FINISHED",
            "summary": "商家转账单据终态通知",
            "resource": resource,
        })
        .to_string();
        let (serial, key) = self.world.lock().unwrap().signer(&self.pay_key);
        (signed_headers(&body, &serial, &key), body)
    }
}

impl World {
    /// The serial and key WeChat Pay signs with now.
    fn signer(&self, pay_key: &MerchantKey) -> (String, MerchantKey) {
        self.signer
            .clone()
            .unwrap_or_else(|| (PUBLIC_KEY_ID.into(), pay_key.clone()))
    }
}

/// The headers of an answer or callback signed by `key` under `serial`.
pub(crate) fn signed_headers(body: &str, serial: &str, key: &MerchantKey) -> Vec<(String, String)> {
    let (timestamp, nonce) = (now().to_string(), signing::nonce());
    let signature = key.sign(signing::response_message(&timestamp, &nonce, body).as_bytes());
    vec![
        ("Wechatpay-Timestamp".into(), timestamp),
        ("Wechatpay-Nonce".into(), nonce),
        ("Wechatpay-Signature".into(), signature),
        ("Wechatpay-Serial".into(), serial.into()),
    ]
}

pub(crate) type Shared = web::Data<(Arc<Mutex<World>>, MerchantKey, PayPublicKey)>;

fn bill_json(b: &Bill) -> Value {
    let mut v = json!({
        "mch_id": MCH_ID,
        "out_bill_no": b.request.out_bill_no,
        "transfer_bill_no": b.transfer_bill_no,
        "appid": b.request.appid,
        "state": b.state,
        "transfer_amount": b.request.transfer_amount,
        "transfer_remark": b.request.transfer_remark,
        "openid": b.request.openid,
        "create_time": "2026-12-03T18:00:00+08:00",
        "update_time": "2026-12-03T18:00:01+08:00",
    });
    if let Some(reason) = &b.fail_reason {
        v["fail_reason"] = json!(reason);
    }
    v
}

fn error(status: u16, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .json(json!({"code": code, "message": message}))
}

/// Checks the merchant's signature the way WeChat Pay does.
pub(crate) fn check_signature(
    req: &HttpRequest,
    body: &str,
    merchant: &PayPublicKey,
) -> Result<(), String> {
    let header = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let fields =
        signing::parse_authorization(header).ok_or("no WECHATPAY2-SHA256-RSA2048 Authorization")?;
    if fields.mch_id != MCH_ID || fields.serial_no != CERT_SERIAL {
        return Err(format!(
            "mchid {} / serial_no {}",
            fields.mch_id, fields.serial_no
        ));
    }
    let at: i64 = fields.timestamp.parse().map_err(|_| "timestamp")?;
    if (now() - at).abs() > 300 {
        return Err("timestamp out of range".into());
    }
    let url = req.uri().path_and_query().map_or("", |p| p.as_str());
    let message = signing::request_message(req.method().as_str(), url, at, &fields.nonce, body);
    if !merchant.verify(message.as_bytes(), &fields.signature) {
        return Err("signature does not verify".into());
    }
    if req.headers().get("Accept").and_then(|v| v.to_str().ok()) != Some("application/json") {
        return Err("Accept is not application/json".into());
    }
    Ok(())
}

pub(crate) fn signed(data: &Shared, world: &mut World, body: Value) -> HttpResponse {
    let text = body.to_string();
    let (serial, mut key) = world.signer(&data.1);
    if world.forge_answers > 0 {
        world.forge_answers -= 1;
        key = MerchantKey::from_pem(&fixture("merchant_key.pem")).unwrap();
    }
    let mut answer = HttpResponse::Ok();
    for header in signed_headers(&text, &serial, &key) {
        answer.insert_header(header);
    }
    answer.content_type("application/json").body(text)
}

fn check_fields(r: &TransferRequest) -> Result<(), String> {
    let no = &r.out_bill_no;
    if !(5..=32).contains(&no.len()) || !no.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!("out_bill_no {no} is not 5-32 letters and digits"));
    }
    if r.appid != APP_ID || r.openid.is_empty() || r.transfer_scene_id.is_empty() {
        return Err("appid, openid or transfer_scene_id".into());
    }
    if r.transfer_amount < 10
        || r.transfer_remark.chars().count() > 32
        || r.transfer_remark.is_empty()
    {
        return Err("transfer_amount below 0.1 yuan or transfer_remark not 1-32 characters".into());
    }
    if r.notify_url != NOTIFY_URL
        || r.user_recv_perception.is_empty()
        || r.transfer_scene_report_infos.is_empty()
    {
        return Err("notify_url, user_recv_perception or transfer_scene_report_infos".into());
    }
    Ok(())
}

async fn create(req: HttpRequest, body: String, data: Shared) -> HttpResponse {
    let mut world = data.0.lock().unwrap();
    if let Err(p) = check_signature(&req, &body, &data.2) {
        world.problems.push(format!("create: {p}"));
        return error(401, "SIGN_ERROR", "签名错误");
    }
    let request: TransferRequest = match serde_json::from_str(&body) {
        Ok(r) => r,
        Err(e) => {
            world.problems.push(format!("create: body {e}"));
            return error(400, "PARAM_ERROR", "参数错误");
        }
    };
    if let Err(p) = check_fields(&request) {
        world.problems.push(format!("create: {p}"));
        return error(400, "PARAM_ERROR", "参数错误");
    }
    let real_name = match crate::wechat_standin_certs::real_name(&req, &request) {
        Ok(name) => name,
        Err(p) => {
            world.problems.push(format!("create: {p}"));
            return error(400, "PARAM_ERROR", "转账金额>=2000元时，user_name必填");
        }
    };
    if let Some((status, code, message)) = world.queued_errors.pop_front() {
        return error(status, &code, &message);
    }
    if let Some(existing) = world.bills.get(&request.out_bill_no).cloned() {
        if existing.request != request {
            return error(400, "INVALID_REQUEST", "商户单号重复，但参数不一致");
        }
        // The same request again: the bill it made.
        let answer = json!({"out_bill_no": request.out_bill_no, "transfer_bill_no": existing.transfer_bill_no,
            "create_time": "2026-12-03T18:00:00+08:00", "state": existing.state, "package_info": package(&existing)});
        return signed(&data, &mut world, answer);
    }
    world.sequence += 1;
    let bill = Bill {
        transfer_bill_no: format!("1330000071100999991182020050700{:04}", world.sequence),
        request: request.clone(),
        state: "WAIT_USER_CONFIRM".into(),
        fail_reason: None,
        real_name,
    };
    world.created.push(request.out_bill_no.clone());
    world
        .bills
        .insert(request.out_bill_no.clone(), bill.clone());
    let answer = json!({"out_bill_no": request.out_bill_no, "transfer_bill_no": bill.transfer_bill_no,
        "create_time": "2026-12-03T18:00:00+08:00", "state": "WAIT_USER_CONFIRM", "package_info": package(&bill)});
    signed(&data, &mut world, answer)
}

fn package(b: &Bill) -> String {
    format!("ABBQO+oYAAABAAAAAAAk+yPZGWQAAAAA{}", b.transfer_bill_no)
}

async fn query(req: HttpRequest, no: web::Path<String>, data: Shared) -> HttpResponse {
    let mut world = data.0.lock().unwrap();
    if let Err(p) = check_signature(&req, "", &data.2) {
        world.problems.push(format!("query: {p}"));
        return error(401, "SIGN_ERROR", "签名错误");
    }
    match world.bills.get(no.as_str()).cloned() {
        Some(bill) => signed(&data, &mut world, bill_json(&bill)),
        None => error(404, "NOT_FOUND", "记录不存在"),
    }
}

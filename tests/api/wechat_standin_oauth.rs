//! The stand-in's web authorisation: WeChat's authorise page (a redirect back with a
//! one-time code), the code exchange and the profile, as documented, with their errors.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use fission::wechat::signing;
use serde_json::json;

use crate::wechat_standin::{Shared, StandIn, APP_ID, APP_SECRET};

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/connect/oauth2/authorize", web::get().to(authorize))
        .route("/sns/oauth2/access_token", web::get().to(access_token))
        .route("/sns/userinfo", web::get().to(userinfo))
        .route("/mmopen/standin/{size}", web::get().to(avatar));
}

impl StandIn {
    /// From now on the avatar URL answers with something that is not an image.
    pub fn break_avatars(&self) {
        self.world().avatar_broken = true;
    }
}

/// The colour of every avatar the stand-in serves.
pub const AVATAR_RGB: [u8; 3] = [220, 40, 40];

/// A 132 px square PNG, as WeChat's `headimgurl` gives; or, when broken, not an image.
async fn avatar(data: Shared) -> HttpResponse {
    if data.0.lock().unwrap().avatar_broken {
        return HttpResponse::Ok()
            .content_type("image/png")
            .body("<html>not an image</html>");
    }
    let face = image::RgbImage::from_pixel(132, 132, image::Rgb(AVATAR_RGB));
    let mut png = std::io::Cursor::new(Vec::new());
    face.write_to(&mut png, image::ImageFormat::Png).unwrap();
    HttpResponse::Ok()
        .content_type("image/png")
        .body(png.into_inner())
}

fn query_map(req: &HttpRequest) -> HashMap<String, String> {
    web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default()
}

async fn authorize(req: HttpRequest, data: Shared) -> HttpResponse {
    let q = query_map(&req);
    let mut world = data.0.lock().unwrap();
    let mut problem = |p: String| world.problems.push(p);
    if q.get("appid").map(String::as_str) != Some(APP_ID) {
        problem(format!("authorize: appid {:?}", q.get("appid")));
    }
    if q.get("response_type").map(String::as_str) != Some("code") {
        problem("authorize: response_type is not code".into());
    }
    let scope = q.get("scope").cloned().unwrap_or_default();
    if scope != "snsapi_base" && scope != "snsapi_userinfo" {
        problem(format!("authorize: scope {scope}"));
    }
    let state = q.get("state").cloned().unwrap_or_default();
    if state.len() > 128 || !state.bytes().all(|b| b.is_ascii_alphanumeric()) {
        problem(format!(
            "authorize: state {state} is not up to 128 letters and digits"
        ));
    }
    let Some(redirect) = q.get("redirect_uri").cloned() else {
        problem("authorize: no redirect_uri".into());
        return HttpResponse::BadRequest().finish();
    };
    world.sequence += 1;
    let code = format!("code{}{}", world.sequence, signing::nonce());
    let user = world.user.clone();
    world.codes.insert(code.clone(), (user.0, scope));
    HttpResponse::Found()
        .insert_header(("Location", format!("{redirect}?code={code}&state={state}")))
        .finish()
}

async fn access_token(req: HttpRequest, data: Shared) -> HttpResponse {
    let q = query_map(&req);
    let mut world = data.0.lock().unwrap();
    let good = q.get("appid").map(String::as_str) == Some(APP_ID)
        && q.get("secret").map(String::as_str) == Some(APP_SECRET)
        && q.get("grant_type").map(String::as_str) == Some("authorization_code");
    if !good {
        world.problems.push(format!(
            "access_token: bad appid, secret or grant_type: {q:?}"
        ));
        return HttpResponse::Ok().json(json!({"errcode": 40125, "errmsg": "invalid appsecret"}));
    }
    // A code works once.
    let Some((openid, scope)) = q.get("code").and_then(|c| world.codes.remove(c)) else {
        return HttpResponse::Ok().json(json!({"errcode": 40029, "errmsg": "invalid code"}));
    };
    let token = format!("ACCESS{}", signing::nonce());
    world.tokens.insert(token.clone(), openid.clone());
    HttpResponse::Ok().json(json!({
        "access_token": token, "expires_in": 7200, "refresh_token": "REFRESH", "openid": openid,
        "scope": scope, "is_snapshotuser": 0
    }))
}

async fn userinfo(req: HttpRequest, data: Shared) -> HttpResponse {
    let q = query_map(&req);
    let world = data.0.lock().unwrap();
    let openid = q.get("access_token").and_then(|t| world.tokens.get(t));
    match openid {
        Some(openid) if q.get("openid") == Some(openid) => HttpResponse::Ok().json(json!({
            "openid": openid, "nickname": world.user.1, "sex": 0, "province": "", "city": "", "country": "",
            "headimgurl": format!("{}/mmopen/standin/132", world.base_url), "privilege": []
        })),
        _ => HttpResponse::Ok().json(json!({"errcode": 40001, "errmsg": "invalid credential"})),
    }
}

//! WeChat on the phone pages: inside WeChat, a visitor without an openid is sent through
//! web authorisation first; the callback exchanges the code on the server, remembers the
//! openid in a sealed cookie and recognises a returning participant on any device. Any
//! failure (not configured, refused, WeChat down) ends on the phone-only path, never on
//! an error page.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::Utc;
use rand::RngCore;
use serde::Deserialize;
use utoipa::IntoParams;

use super::identity_store as store;
use super::oauth::{self, Scope};
use crate::campaigns::Campaign;
use crate::db::time::to_ms;
use crate::http::client;
use crate::pages::cookies::{self, SetCookie};
use crate::participants::leads::Captured;
use crate::state::AppState;

/// The visitor's openid, sealed (the same for every campaign of the official account).
pub const OPENID: &str = "fx_wx";
/// Set when authorisation did not work out: the visitor stays on the phone-only path
/// for a while instead of being sent round again.
pub const SKIP: &str = "fx_wx_skip";
const STATE_PURPOSE: &str = "wechat-state";
const STATE_ID_LEN: usize = 24;

fn cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> SetCookie {
    let secure = state.settings.secure_cookies();
    SetCookie::new(name, |out| out.push_str(value), "/", max_age_secs, secure)
}

/// The openid of this browser's WeChat user, if authorisation gave one.
pub fn openid(state: &AppState, req: &HttpRequest) -> Option<String> {
    let sealed = req.cookie(OPENID)?;
    state.signer.open(OPENID, sealed.value()).map(str::to_owned)
}

/// Landing hook: the redirect to WeChat's authorise page, when this visit should go
/// through it first.
pub async fn authorize_first(
    state: &AppState,
    req: &HttpRequest,
    campaign: &Campaign,
) -> Option<HttpResponse> {
    let config = state.settings.wechat.oauth.as_ref()?;
    if campaign.openness(Utc::now()) != crate::campaigns::Openness::Open {
        return None;
    }
    let ua = client::user_agent(req);
    if !oauth::in_wechat(ua) || req.cookie(SKIP).is_some() || openid(state, req).is_some() {
        return None;
    }
    let mut bytes = [0u8; STATE_ID_LEN / 2];
    rand::thread_rng().fill_bytes(&mut bytes);
    let id = hex::encode(bytes);
    let scope = if campaign.spec.page.ask_name {
        Scope::UserInfo
    } else {
        Scope::Base
    };
    let return_to = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let now = to_ms(Utc::now());
    if let Err(e) =
        store::create_state(&state.db, &id, &campaign.id, return_to, scope.as_str(), now).await
    {
        tracing::warn!(error = ?e, "WeChat authorisation skipped: the state could not be stored");
        return None;
    }
    // WeChat allows letters and digits only in `state`: the id and its signature, joined.
    let signed = format!("{id}{}", state.signer.hash(STATE_PURPOSE, &[&id]));
    let redirect_uri = format!(
        "{}/c/{}/wechat/callback",
        state.settings.public_url,
        campaign.slug.as_str()
    );
    let url = oauth::authorize_url(config, &redirect_uri, scope, &signed);
    Some(
        HttpResponse::Found()
            .insert_header(("Location", url))
            .insert_header(("Cache-Control", "no-store"))
            .finish(),
    )
}

/// Join hook: binds the visitor's openid to the participant they joined as (a new
/// participant, or the one this browser already is), and tells whether the openid is
/// that participant's (then it proves who they are, like their cookie does).
pub async fn after_join(
    state: &AppState,
    req: &HttpRequest,
    campaign: &Campaign,
    captured: &Captured,
) -> bool {
    let Some(openid) = openid(state, req) else {
        return false;
    };
    let participant = captured.participant();
    let mine = cookies::me(req, &state.signer, campaign.slug.as_str());
    let db = &state.db;
    if matches!(captured, Captured::New { .. })
        || mine.as_deref() == Some(participant.code.as_str())
    {
        let now = to_ms(Utc::now());
        return match store::bind(db, &campaign.id, &participant.id, &openid, now).await {
            Ok(bound) => bound.bound,
            Err(e) => {
                tracing::warn!(error = ?e, "binding an openid failed; the participant keeps the phone path");
                false
            }
        };
    }
    matches!(store::openid_of(db, &participant.id).await, Ok(Some(o)) if o == openid)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Callback {
    /// WeChat's one-time code; absent when the person refused.
    code: Option<String>,
    /// The state this server sent.
    state: Option<String>,
}

/// The state's id, if its signature holds.
fn state_id<'a>(state: &AppState, signed: &'a str) -> Option<&'a str> {
    if signed.len() <= STATE_ID_LEN || !signed.is_ascii() {
        return None;
    }
    let (id, signature) = signed.split_at(STATE_ID_LEN);
    state
        .signer
        .verify(STATE_PURPOSE, &[id], signature)
        .then_some(id)
}

/// Back from WeChat authorisation
///
/// Exchanges the code for the visitor's openid on the server, remembers it, recognises a
/// returning participant and goes back to the page the visitor came from. Anything
/// wrong goes back too, on the phone-only path.
#[utoipa::path(
    operation_id = "wechatCallback",
    tag = "pages",
    params(Callback),
    responses((status = 302, description = "Back to the page the visitor came from"))
)]
#[get("/c/{slug}/wechat/callback")]
pub async fn callback(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<Callback>,
) -> HttpResponse {
    let fallback = format!("/c/{}", slug.as_str());
    let skip = |to: &str| back(&state, to, vec![cookie(&state, SKIP, "1", 30 * 60)]);
    let (Some(config), Some(signed)) =
        (state.settings.wechat.oauth.as_ref(), query.state.as_deref())
    else {
        return skip(&fallback);
    };
    let campaign = match state.campaigns.get(&state.db, &slug).await {
        Ok(Some(c)) => c,
        _ => return skip(&fallback),
    };
    let now = Utc::now();
    let taken = match state_id(&state, signed) {
        Some(id) => store::take_state(&state.db, id, &campaign.id, to_ms(now)).await,
        None => Ok(None),
    };
    let (return_to, scope) = match taken {
        Ok(Some((to, scope))) if to.starts_with(&fallback) => {
            (to, Scope::parse(&scope).unwrap_or(Scope::Base))
        }
        Ok(_) => return skip(&fallback),
        Err(e) => {
            tracing::warn!(error = ?e, "WeChat callback: the state could not be read");
            return skip(&fallback);
        }
    };
    let Some(code) = query.code.as_deref() else {
        return skip(&return_to);
    };
    let identity = match oauth::exchange(&state.wechat.client, config, code, scope).await {
        Ok(identity) => identity,
        Err(e) => {
            tracing::warn!(error = %e, "WeChat code exchange failed; phone-only path");
            return skip(&return_to);
        }
    };
    if identity.nickname.is_some() || identity.avatar_url.is_some() {
        let (nick, avatar) = (identity.nickname.as_deref(), identity.avatar_url.as_deref());
        if let Err(e) =
            store::save_profile(&state.db, &identity.openid, nick, avatar, to_ms(now)).await
        {
            tracing::warn!(error = ?e, "saving a WeChat profile failed");
        }
    }
    let sealed = state.signer.seal(OPENID, &identity.openid);
    let mut set = vec![cookie(&state, OPENID, &sealed, 30 * 86_400)];
    match store::participant_of(&state.db, &campaign.id, &identity.openid).await {
        Ok(Some((_, code))) => {
            let secure = state.settings.secure_cookies();
            set.push(cookies::me_cookie(
                &state.signer,
                campaign.slug.as_str(),
                &code,
                secure,
            ));
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = ?e, "looking up a returning openid failed"),
    }
    back(&state, &return_to, set)
}

fn back(_state: &AppState, to: &str, set: Vec<SetCookie>) -> HttpResponse {
    let mut response = HttpResponse::Found()
        .insert_header(("Location", to.to_owned()))
        .insert_header(("Cache-Control", "no-store"))
        .finish();
    for c in set {
        c.add_to(&mut response);
    }
    response
}

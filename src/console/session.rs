//! Who is signed in to the console. `Console<A>` is the extractor every console page
//! takes: no live session sends the browser to /admin/login, a role outside `A` gets the
//! 403 page. POST handlers then check the form's CSRF token with [`Console::check_csrf`].

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, FromRequest, HttpRequest};
use chrono::Utc;
use subtle::ConstantTimeEq;

use super::error::ConsoleError;
use crate::audit::Actor;
use crate::auth::Access;
use crate::pages::csrf::same_origin;
use crate::state::AppState;
use crate::users::{sessions, User};

pub const SESSION_COOKIE: &str = "fission_console";
pub const LANG_COOKIE: &str = "lang";
/// A session's last use is written at most this often (seconds).
const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn of(req: &HttpRequest) -> Lang {
        match req.cookie(LANG_COOKIE) {
            Some(c) if c.value() == "en" => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// A signed-in console user allowed the access `A`.
pub struct Console<A: Access> {
    pub user: User,
    /// The session's token for forms (hidden field `_csrf`).
    pub csrf: String,
    pub lang: Lang,
    /// The request's path, for the nav's current section.
    pub path: String,
    session_id: String,
    _access: PhantomData<A>,
}

impl<A: Access> Console<A> {
    /// A posted form is accepted only from our own origin and with this session's token.
    pub fn check_csrf(&self, req: &HttpRequest, form_token: &str) -> Result<(), ConsoleError> {
        let token_ok: bool = self.csrf.as_bytes().ct_eq(form_token.as_bytes()).into();
        if token_ok && same_origin(req) {
            Ok(())
        } else {
            Err(ConsoleError::Csrf)
        }
    }

    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// The signed-in user as the audit log names who acted.
    pub fn actor(&self) -> Actor {
        Actor::from(&self.user)
    }
}

impl<A: Access + 'static> FromRequest for Console<A> {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ConsoleError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let secret = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let lang = Lang::of(req);
        let path = req.path().to_owned();
        // After signing in, back to the page asked for (GETs only: a form is not replayed).
        let next = (req.method() == actix_web::http::Method::GET)
            .then(|| req.uri().path_and_query().map(|p| p.to_string()))
            .flatten();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ConsoleError::Internal(anyhow::anyhow!("no app state")))?;
            let sign_in = || ConsoleError::SignIn { next: next.clone() };
            let secret = secret.ok_or_else(sign_in)?;
            let now = Utc::now();
            let idle = chrono::Duration::from_std(state.settings.console.session_idle)
                .map_err(anyhow::Error::from)?;
            let session = sessions::find(&state.db, &secret, now, idle)
                .await?
                .ok_or_else(sign_in)?;
            if (now - session.last_seen_at).num_seconds() >= TOUCH_EVERY_SECS {
                sessions::touch(&state.db, &session.id, now).await?;
            }
            if !A::ROLES.contains(&session.user.role) {
                return Err(ConsoleError::Forbidden);
            }
            Ok(Console {
                user: session.user,
                csrf: session.csrf,
                lang,
                path,
                session_id: session.id,
                _access: PhantomData,
            })
        })
    }
}

/// The session cookie: HttpOnly, SameSite=Strict, Secure on https, for /admin only.
/// It has no Max-Age: the server ends idle sessions, the browser forgets it on exit.
pub fn session_cookie(state: &AppState, secret: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, secret)
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.secure_cookies())
        .finish()
}

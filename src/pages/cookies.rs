//! The three cookies a phone carries: who the visitor is (`fx_v`), which invite link
//! brought them (`fx_ref`, per campaign, for the attribution window) and which
//! participant they became (`fx_me`, per campaign). All are sealed with the server key.

use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use rand::RngCore;

use crate::http::signing::Signer;
use crate::participants::{Channel, InviteCode};

pub const VISITOR: &str = "fx_v";
pub const REFERRAL: &str = "fx_ref";
pub const ME: &str = "fx_me";

const DAY_SECS: i64 = 86_400;

/// A `Set-Cookie` value for the phone pages' cookies: `HttpOnly`, `SameSite=Lax`, `Secure`
/// when the public URL is https (the cookie then never travels in clear text), a path and
/// a lifetime. Written in one pass, byte for byte as the `cookie` crate writes the same
/// cookie (a test compares them): the landing page sets two for every new visitor, and
/// building `Cookie`s to format them was about 5% of a view's CPU on one core.
pub struct SetCookie(String);

impl SetCookie {
    /// `value` writes the cookie's value (a sealed one, see [`Signer::seal_into`]).
    pub fn new(
        name: &str,
        value: impl FnOnce(&mut String),
        path: &str,
        max_age_secs: i64,
        secure: bool,
    ) -> Self {
        use std::fmt::Write;
        let mut header = String::with_capacity(192);
        header.push_str(name);
        header.push('=');
        value(&mut header);
        header.push_str("; HttpOnly; SameSite=Lax");
        if secure {
            header.push_str("; Secure");
        }
        header.push_str("; Path=");
        header.push_str(path);
        let _ = write!(header, "; Max-Age={max_age_secs}");
        SetCookie(header)
    }

    /// Appends the header to a response. A value no header can carry (a control character)
    /// is left out, as `HttpResponse::add_cookie` leaves it.
    pub fn add_to(self, response: &mut HttpResponse) {
        use actix_web::http::header::{HeaderValue, SET_COOKIE};
        use actix_web::web::Bytes;
        if let Ok(value) = HeaderValue::from_maybe_shared(Bytes::from(self.0)) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
}

/// The visitor id from the cookie, or a fresh one with the cookie to set.
pub fn visitor(req: &HttpRequest, signer: &Signer, secure: bool) -> (String, Option<SetCookie>) {
    if let Some(c) = req.cookie(VISITOR) {
        if let Some(id) = signer.open(VISITOR, c.value()) {
            return (id.to_owned(), None);
        }
    }
    let id = new_visitor_id(Utc::now().timestamp_millis());
    let sealed = |out: &mut String| signer.seal_into(VISITOR, &id, out);
    let cookie = SetCookie::new(VISITOR, sealed, "/", 365 * DAY_SECS, secure);
    (id, Some(cookie))
}

/// Hex digits of the first-view time at the front of a visitor id.
const TIME_DIGITS: usize = 12;
/// A visitor id's length: the time and 80 random bits.
const ID_DIGITS: usize = TIME_DIGITS + 20;

/// A fresh visitor id: the time of the first view (48 bits of milliseconds) in front of 80
/// random bits, all hex. Keys made from it (see [`visitor_key`]) keep the time in front,
/// so new visitors arrive in key order: the visit tables' indexes grow at their right
/// edge and a batch of a thousand new visitors dirties a few pages, not a page each.
fn new_visitor_id(now_ms: i64) -> String {
    let mut bytes = [0u8; 16];
    let time = (now_ms.max(0) as u64) & 0xffff_ffff_ffff;
    bytes[..6].copy_from_slice(&time.to_be_bytes()[2..]);
    rand::thread_rng().fill_bytes(&mut bytes[6..]);
    let mut id = [0u8; ID_DIGITS];
    hex::encode_to_slice(bytes, &mut id).expect("16 bytes are 32 hex digits");
    String::from_utf8(id.to_vec()).expect("hex digits are ASCII")
}

/// The first-view time in front of a visitor id, for ids made by [`new_visitor_id`]
/// (older cookies carry 24 random digits and have none).
fn time_prefix(id: &str) -> Option<&str> {
    (id.len() == ID_DIGITS && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| &id[..TIME_DIGITS])
}

/// Who a visitor is when views are counted and devices compared: their visitor cookie,
/// so people behind one carrier NAT with the same phone model stay apart; a client
/// without one falls back to a hash of its network and browser. A cookie's key starts
/// with the first-view time its id carries, so keys sort in the order visitors came.
pub fn visitor_key(
    signer: &Signer,
    campaign_id: &str,
    visitor_id: Option<&str>,
    ip: &str,
    user_agent: &str,
) -> String {
    match visitor_id {
        Some(id) => {
            let mut key = String::with_capacity(TIME_DIGITS + 32);
            key.push_str(time_prefix(id).unwrap_or(""));
            signer.hash_into("visitor-cookie", &[campaign_id, id], &mut key);
            key
        }
        None => signer.hash("visitor", &[campaign_id, ip, user_agent]),
    }
}

pub fn visitor_id(req: &HttpRequest, signer: &Signer) -> Option<String> {
    let c = req.cookie(VISITOR)?;
    signer.open(VISITOR, c.value()).map(str::to_owned)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Referral {
    pub inviter: Option<InviteCode>,
    pub channel: Channel,
    pub at: DateTime<Utc>,
}

impl Referral {
    /// Which link a visit counts for, and whether it is new (to be remembered). The first
    /// *inviter* within the window wins; a remembered visit without one (a channel poster,
    /// `?ch=` only) does not hold the slot: a friend's invite link opened later takes it,
    /// keeping the poster's channel when the link names none.
    pub fn settle(remembered: Option<Referral>, link: Referral) -> (Referral, bool) {
        match remembered {
            Some(r) if r.inviter.is_some() => (r, false),
            Some(r) if link.inviter.is_some() => {
                let channel = if link.channel.as_str().is_empty() {
                    r.channel
                } else {
                    link.channel
                };
                (Referral { channel, ..link }, true)
            }
            Some(r) => (r, false),
            None => {
                let new = link.inviter.is_some() || !link.channel.as_str().is_empty();
                (link, new)
            }
        }
    }
}

/// The remembered invite link, if it is still inside the attribution window.
pub fn referral(
    req: &HttpRequest,
    signer: &Signer,
    slug: &str,
    window_hours: u32,
    now: DateTime<Utc>,
) -> Option<Referral> {
    let c = req.cookie(REFERRAL)?;
    let value = signer.open(&format!("{REFERRAL}:{slug}"), c.value())?;
    let mut parts = value.splitn(3, '|');
    let at_ms: i64 = parts.next()?.parse().ok()?;
    let inviter = Some(parts.next()?)
        .filter(|s| !s.is_empty())
        .and_then(InviteCode::parse);
    let channel = Channel::parse(parts.next()?)?;
    let at = crate::db::time::from_ms(at_ms);
    (now - at < chrono::Duration::hours(window_hours.into())).then_some(Referral {
        inviter,
        channel,
        at,
    })
}

pub fn referral_cookie(
    signer: &Signer,
    slug: &str,
    r: &Referral,
    window_hours: u32,
    secure: bool,
) -> SetCookie {
    use std::fmt::Write;
    let inviter = r.inviter.as_ref().map_or("", |c| c.as_str());
    let mut value = String::with_capacity(64);
    let _ = write!(
        value,
        "{}|{inviter}|{}",
        r.at.timestamp_millis(),
        r.channel.as_str()
    );
    let days = i64::from(window_hours.div_ceil(24).max(1));
    let purpose = format!("{REFERRAL}:{slug}");
    let sealed = |out: &mut String| signer.seal_into(&purpose, &value, out);
    SetCookie::new(
        REFERRAL,
        sealed,
        &format!("/c/{slug}"),
        days * DAY_SECS,
        secure,
    )
}

pub fn me(req: &HttpRequest, signer: &Signer, slug: &str) -> Option<String> {
    let c = req.cookie(ME)?;
    signer
        .open(&format!("{ME}:{slug}"), c.value())
        .map(str::to_owned)
}

pub fn me_cookie(signer: &Signer, slug: &str, code: &str, secure: bool) -> SetCookie {
    let purpose = format!("{ME}:{slug}");
    let sealed = |out: &mut String| signer.seal_into(&purpose, code, out);
    SetCookie::new(ME, sealed, &format!("/c/{slug}"), 365 * DAY_SECS, secure)
}

/// On to `/c/{slug}/me` as the participant `code`: after joining, or after proving the
/// phone on a new device.
pub fn to_my_page(signer: &Signer, slug: &str, code: &str, secure: bool) -> HttpResponse {
    let mut response = HttpResponse::SeeOther()
        .insert_header(("Location", format!("/c/{slug}/me")))
        .insert_header(("Cache-Control", "no-store"))
        .finish();
    me_cookie(signer, slug, code, secure).add_to(&mut response);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_headers_read_as_the_cookie_crate_writes_them() {
        use actix_web::cookie::{time, Cookie, SameSite};
        for secure in [false, true] {
            for (name, value, path, days) in [
                (VISITOR, "0193a5b2c3d4e5f60718293a4b5c6d7e.0f1e", "/", 365),
                (
                    REFERRAL,
                    "1764800000000|abcd2345|门店-A_1.5.9a8b",
                    "/c/spring-tea",
                    3,
                ),
            ] {
                let ours = SetCookie::new(
                    name,
                    |out| out.push_str(value),
                    path,
                    days * DAY_SECS,
                    secure,
                );
                let theirs = Cookie::build(name, value)
                    .secure(secure)
                    .path(path)
                    .http_only(true)
                    .same_site(SameSite::Lax)
                    .max_age(time::Duration::days(days))
                    .finish();
                assert_eq!(ours.0, theirs.to_string());
            }
        }
    }

    #[test]
    fn a_sealed_value_opens_and_an_id_carries_its_time_in_hex() {
        let signer = Signer::new(b"0123456789abcdef0123456789abcdef");
        let id = new_visitor_id(0x0123_4567_89ab);
        assert!(
            id.starts_with("0123456789ab") && id.len() == ID_DIGITS,
            "{id}"
        );
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        let mut sealed = String::from("x");
        signer.seal_into("p", &id, &mut sealed);
        assert_eq!(signer.open("p", &sealed[1..]), Some(id.as_str()));
        assert_eq!(&sealed[1..], signer.seal("p", &id));
    }

    #[test]
    fn visitor_keys_sort_in_the_order_visitors_came_and_stay_apart_per_campaign() {
        let signer = Signer::new(b"0123456789abcdef0123456789abcdef");
        let first = new_visitor_id(1_764_800_000_000);
        let later = new_visitor_id(1_764_800_000_001);
        assert_eq!(first.len(), ID_DIGITS);
        assert_ne!(
            first[TIME_DIGITS..],
            later[TIME_DIGITS..],
            "80 random bits each"
        );
        let key = |campaign, id: &str| visitor_key(&signer, campaign, Some(id), "", "");
        assert!(key("c1", &first) < key("c1", &later));
        assert!(key("c1", &first).starts_with(&first[..TIME_DIGITS]));
        assert_ne!(key("c1", &first), key("c2", &first));
        assert_eq!(key("c1", &first), key("c1", &first));
        // Cookies from before ids carried a time: the plain keyed hash, as they had.
        let old = "0123456789abcdef01234567";
        assert_eq!(key("c1", old), signer.hash("visitor-cookie", &["c1", old]));
    }

    fn link(inviter: Option<&str>, channel: &str, minutes: i64) -> Referral {
        Referral {
            inviter: inviter.and_then(InviteCode::parse),
            channel: Channel::parse(channel).unwrap(),
            at: DateTime::from_timestamp(minutes * 60, 0).unwrap(),
        }
    }

    #[test]
    fn the_first_inviter_wins_and_a_visit_without_one_holds_nothing() {
        let first = link(Some("abcdefghjk"), "", 0);
        let later = link(Some("bcdefghjkm"), "", 5);
        assert_eq!(
            Referral::settle(Some(first.clone()), later.clone()),
            (first, false)
        );

        let poster = link(None, "poster-a", 0);
        let (settled, new) = Referral::settle(Some(poster), later.clone());
        assert!(new);
        assert_eq!(settled.inviter, later.inviter);
        assert_eq!(
            settled.channel.as_str(),
            "poster-a",
            "the poster's channel is kept"
        );

        let (settled, new) = Referral::settle(None, link(None, "", 0));
        assert!(!new && settled.inviter.is_none());
        assert!(Referral::settle(None, link(None, "poster-b", 0)).1);
    }
}

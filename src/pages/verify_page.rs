//! The page a known phone gets on a browser that is not its participant's: the poster
//! and invite link, and the forms that send and check an SMS code (issue 8 item 1).

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use serde::Serialize;

use super::views::MeLinks;
use crate::campaigns::Campaign;
use crate::state::AppState;

#[derive(Serialize)]
struct ProofPage<'a> {
    title: &'a str,
    me: MeLinks,
    phone: &'a str,
    /// `138****8000`
    phone_masked: String,
    csrf: &'a str,
    send_action: String,
    verify_action: String,
    /// A code was sent: the page asks for it.
    sent: bool,
    error: Option<&'a str>,
}

/// Whose number a page is about, and the page's form token.
pub struct Asked<'a> {
    pub campaign: &'a Campaign,
    pub participant_code: &'a str,
    pub phone: &'a str,
    pub csrf: &'a str,
}

/// The page for a known phone on a browser that is not its participant's.
pub fn proof_page(
    state: &AppState,
    asked: &Asked<'_>,
    status: StatusCode,
    sent: bool,
    error: Option<&str>,
) -> HttpResponse {
    let campaign = asked.campaign;
    let slug = campaign.slug.as_str();
    let page = ProofPage {
        title: &campaign.title,
        me: MeLinks::new(
            &state.settings.public_url,
            slug,
            asked.participant_code,
            String::new(),
        ),
        phone: asked.phone,
        phone_masked: mask(asked.phone),
        csrf: asked.csrf,
        send_action: format!("/c/{slug}/verify/send"),
        verify_action: format!("/c/{slug}/verify"),
        sent,
        error,
    };
    let mut response = state.templates.page(status, "joined.html", &page);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

fn mask(phone: &str) -> String {
    match (phone.get(..3), phone.get(phone.len().saturating_sub(4)..)) {
        (Some(head), Some(tail)) if phone.len() >= 7 => format!("{head}****{tail}"),
        _ => "****".to_owned(),
    }
}

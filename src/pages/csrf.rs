//! The forms' defence against cross-site posts: a token per visitor and campaign (the
//! signed visitor cookie's id, HMAC'd), and the browser's own word on where a post came
//! from. Every page form (join, shipping, phone proof) is checked the same way here.

use actix_web::HttpRequest;

use crate::http::signing::Signer;

const PURPOSE: &str = "csrf";

/// The token a page of `slug` carries for this visitor.
pub fn token(signer: &Signer, slug: &str, visitor: &str) -> String {
    signer.hash(PURPOSE, &[slug, visitor])
}

/// Whether a posted form came from one of our pages for this visitor: from our own
/// origin, with the token that visitor's page carried.
pub fn accepts(
    req: &HttpRequest,
    signer: &Signer,
    slug: &str,
    visitor: &str,
    sent: Option<&str>,
) -> bool {
    same_origin(req)
        && !visitor.is_empty()
        && sent.is_some_and(|t| signer.verify(PURPOSE, &[slug, visitor], t))
}

/// Forms may only be posted from our own pages: browsers say where a request comes from.
pub(crate) fn same_origin(req: &HttpRequest) -> bool {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    if header("sec-fetch-site").is_some_and(|site| site == "cross-site") {
        return false;
    }
    match (header("origin"), header("host")) {
        (Some("null"), _) => false,
        (Some(origin), Some(host)) => origin.split("://").nth(1) == Some(host),
        _ => true,
    }
}

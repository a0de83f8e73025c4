//! Control characters (NUL and the rest) never get past the edge: PostgreSQL refuses NUL
//! in text and nothing else wants them. One middleware checks every string of a JSON
//! body, form fields, text bodies (CSV, code lists), query strings and path segments.
//! Newline and tab pass only in multi-line text: fields named in [`MULTI_LINE`] (or ending
//! in `_` and one of those names), and
//! text bodies whose lines are the format. Bodies are checked as the handler reads them,
//! never buffered ahead of it; images and multipart uploads are not text and pass.

use std::cell::Cell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{self, BytesMut};
use actix_web::{HttpMessage, HttpRequest};
use futures_util::{stream, Stream, StreamExt};
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::error::{ApiError, ErrorCode};

/// Fields whose text may span lines (page copy, quotes, notes, postal addresses).
const MULTI_LINE: &[&str] = &[
    "text",
    "quote",
    "subtitle",
    "incentive",
    "consent_text",
    "follow_text",
    "note",
    "description",
    "address",
    // Console form fields holding one entry per line (`proof_items_lines`).
    "lines",
];

/// A multi-line field by name, or a form field ending in one (`closing_text`).
fn is_multi_line(key: &str) -> bool {
    MULTI_LINE.iter().any(|m| {
        key == *m
            || key
                .strip_suffix(m)
                .is_some_and(|prefix| prefix.ends_with('_'))
    })
}

fn bad(c: char, multi_line: bool) -> bool {
    c.is_control() && !(multi_line && matches!(c, '\n' | '\r' | '\t'))
}

fn clean(text: &str, multi_line: bool) -> bool {
    !text.chars().any(|c| bad(c, multi_line))
}

/// The first JSON string (key or value) with a control character it may not hold.
pub fn json_problem(value: &Value, key: Option<&str>) -> Option<String> {
    match value {
        Value::String(s) => {
            let multi_line = key.is_some_and(is_multi_line);
            (!clean(s, multi_line)).then(|| field(key))
        }
        Value::Array(items) => items.iter().find_map(|v| json_problem(v, key)),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if clean(k, false) {
                json_problem(v, Some(k))
            } else {
                Some("a field name".into())
            }
        }),
        _ => None,
    }
}

fn field(key: Option<&str>) -> String {
    key.map_or("a text".into(), |k| format!("`{k}`"))
}

/// Form fields and query strings: `a=b&c=d`, percent-decoded.
pub fn pairs_problem(encoded: &str, multi_line_allowed: bool) -> Option<String> {
    // Without an escape no pair can decode to a control character: skip the parse (the
    // query string of every page view comes through here).
    if !may_hold_control(encoded.as_bytes(), b'%') {
        return None;
    }
    let Ok(pairs) = web::Query::<Vec<(String, String)>>::from_query(encoded) else {
        // Malformed encodings are the extractor's to report.
        return None;
    };
    pairs.iter().find_map(|(k, v)| {
        let multi_line = multi_line_allowed && is_multi_line(k);
        (!clean(k, false) || !clean(v, multi_line)).then(|| field(Some(k)))
    })
}

/// Whether a percent-encoded path holds a control character once decoded.
pub fn path_has_control(path: &str) -> bool {
    // Most paths carry no escapes: then the bytes themselves are the answer.
    if !path.contains('%') {
        return path.chars().any(char::is_control);
    }
    percent_decode_str(path)
        .decode_utf8_lossy()
        .chars()
        .any(char::is_control)
}

#[derive(Clone, Copy)]
enum Kind {
    Json,
    Form,
    Text,
    Skip,
}

fn kind(req: &ServiceRequest) -> Kind {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.contains("json") {
        Kind::Json
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        Kind::Form
    } else if content_type.starts_with("multipart/")
        || content_type.starts_with("image/")
        || content_type.starts_with("application/octet-stream")
    {
        Kind::Skip
    } else {
        Kind::Text
    }
}

/// Whether `text` could hold a control character once decoded: raw control bytes (C0,
/// DEL, C1 in UTF-8), or the escape that could spell one (`\\` in JSON, `%` in forms and
/// query strings). Most bodies and query strings have none and need no parsing.
fn may_hold_control(text: &[u8], escape: u8) -> bool {
    text.iter().any(|&b| b == escape || b.is_ascii_control())
        || text
            .windows(2)
            .any(|w| w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1]))
}

fn body_problem(kind: Kind, body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let looks_json = matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['));
    match kind {
        Kind::Skip => None,
        Kind::Json | Kind::Text if looks_json => {
            if !may_hold_control(body, b'\\') {
                return None;
            }
            // Malformed JSON is the extractor's to report.
            let value = serde_json::from_str::<Value>(text).ok()?;
            json_problem(&value, None)
        }
        Kind::Form => pairs_problem(text, true),
        // CSV files and code lists: lines are the format, tabs a separator.
        Kind::Json | Kind::Text => (!clean(text, true)).then(|| "the body".into()),
    }
}

/// Bodies longer than this are not checked: every route refuses them anyway (the longest,
/// payout results, takes 16 MiB).
const MAX_CHECKED: usize = 16 << 20;

type Finding = Rc<Cell<Option<String>>>;

/// The body as it streams to the handler, a copy kept beside it. At its end a body with
/// a control character becomes a read error (so the handler stores nothing) and `finding`
/// says where. Reading as the handler reads keeps the route's own size limit and order of
/// checks (no token: 401), and nothing is buffered for a handler that reads no body.
fn checked(payload: Payload, kind: Kind, finding: Finding) -> Payload {
    let start = (payload, Some(BytesMut::new()), finding);
    let stream = stream::unfold(Some(start), move |state| async move {
        let (mut payload, mut copy, finding) = state?;
        match payload.next().await {
            Some(Ok(chunk)) => {
                if copy
                    .as_ref()
                    .is_some_and(|c| c.len() + chunk.len() > MAX_CHECKED)
                {
                    copy = None;
                }
                if let Some(copy) = copy.as_mut() {
                    copy.extend_from_slice(&chunk);
                }
                Some((Ok(chunk), Some((payload, copy, finding))))
            }
            Some(Err(e)) => Some((Err(e), None)),
            None => {
                let what = copy.and_then(|c| body_problem(kind, &c))?;
                let err = io::Error::new(io::ErrorKind::InvalidData, format!("{what}: control"));
                finding.set(Some(what));
                Some((Err(PayloadError::Io(err)), None))
            }
        }
    });
    let boxed: Pin<Box<dyn Stream<Item = Result<web::Bytes, PayloadError>>>> = Box::pin(stream);
    Payload::Stream { payload: boxed }
}

fn invalid_text(what: &str) -> ApiError {
    ApiError::invalid(
        ErrorCode::InvalidText,
        format!("{what} holds a control character"),
    )
}

/// The middleware: 404 for a path with control characters, 422 `invalid_text` for a
/// query or body with them; the body reaches the handler byte for byte (signatures over
/// it still hold).
pub async fn refuse_control_characters(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if path_has_control(req.path()) {
        return Ok(refuse(req.into_parts().0, ApiError::not_found("path")));
    }
    if let Some(what) = pairs_problem(req.query_string(), false) {
        let err = invalid_text(&format!("the query parameter {what}"));
        return Ok(refuse(req.into_parts().0, err));
    }
    let finding = Finding::default();
    let kind = kind(&req);
    if !matches!(kind, Kind::Skip) {
        let payload = req.take_payload();
        req.set_payload(checked(payload, kind, finding.clone()));
    }
    let response = next.call(req).await?;
    match finding.take() {
        Some(what) => Ok(refuse(response.request().clone(), invalid_text(&what))),
        None => Ok(response.map_into_left_body()),
    }
}

fn refuse<B>(req: HttpRequest, err: ApiError) -> ServiceResponse<EitherBody<B>> {
    ServiceResponse::from_err(err, req).map_into_right_body()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_strings_with_control_characters_are_found_with_their_field() {
        assert_eq!(
            json_problem(&json!({"title": "a\u{0}b"}), None),
            Some("`title`".into())
        );
        assert_eq!(
            json_problem(&json!({"events": [{"id": "e\u{1}"}]}), None),
            Some("`id`".into())
        );
        assert_eq!(
            json_problem(&json!({"slug": "a\nb"}), None),
            Some("`slug`".into())
        );
        assert_eq!(
            json_problem(&json!({"k\u{7f}": 1}), None),
            Some("a field name".into())
        );
        assert_eq!(
            json_problem(&json!({"page": {"closing": {"text": "a\nb\tc"}}}), None),
            None
        );
        assert_eq!(
            json_problem(&json!({"text": "a\u{0}"}), None),
            Some("`text`".into())
        );
        assert_eq!(
            json_problem(&json!({"title": "春茶 ✓", "n": 3}), None),
            None
        );
    }

    #[test]
    fn pairs_and_paths_are_decoded_before_the_check() {
        assert_eq!(
            pairs_problem("ref=ab%00cd&ch=x", false),
            Some("`ref`".into())
        );
        assert_eq!(pairs_problem("address=a%0Ab", true), None);
        assert_eq!(
            pairs_problem("address=a%0Ab", false),
            Some("`address`".into())
        );
        assert_eq!(pairs_problem("name=a%0Ab", true), Some("`name`".into()));
        assert_eq!(pairs_problem("limit=10&status=active", false), None);
        assert!(path_has_control("/c/te%00a"));
        assert!(path_has_control("/c/te%C2%85a"));
        assert!(!path_has_control("/c/%E6%98%A5%E8%8C%B6"));
        assert!(!path_has_control("/c/tea/p/abc.png"));
    }
}

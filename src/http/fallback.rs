//! What answers when no route matched: 405 with an `Allow` header when the path is known
//! but not for this method, else 404; both in the contract's error body. The known paths
//! are read from the OpenAPI document, so this can never disagree with it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde_json::Value;

use super::error::{ApiError, ErrorCode};

const METHODS: [&str; 8] = [
    "get", "head", "post", "put", "patch", "delete", "options", "trace",
];

/// Every documented path template with its methods.
pub struct KnownPaths(Vec<(String, Vec<&'static str>)>);

impl KnownPaths {
    pub fn from_document(doc: &Value) -> Self {
        let paths = doc["paths"].as_object().into_iter().flatten();
        KnownPaths(
            paths
                .map(|(path, item)| {
                    let methods = METHODS
                        .into_iter()
                        .filter(|m| item.get(*m).is_some())
                        .collect();
                    (path.clone(), methods)
                })
                .collect(),
        )
    }

    /// The methods of the documented template that matches `path` best.
    pub fn methods_of(&self, path: &str) -> Option<&[&'static str]> {
        best_match(self.0.iter().map(|(t, _)| t.as_str()), path)
            .and_then(|t| self.0.iter().find(|(p, _)| p == t))
            .map(|(_, methods)| methods.as_slice())
    }
}

/// The template matching `path` with the most literal segments, if any matches.
pub fn best_match<'t>(templates: impl Iterator<Item = &'t str>, path: &str) -> Option<&'t str> {
    templates
        .filter(|t| matches(t, path))
        .max_by_key(|t| t.split('/').filter(|s| !s.contains('{')).count())
}

/// `/c/{slug}/p/{file}` matches `/c/tea/p/abc.png`; a parameter fills all of one segment
/// or, as in `{id}.csv`, the part of it between a literal prefix and suffix.
pub fn matches(template: &str, path: &str) -> bool {
    let (mut t, mut p) = (template.split('/'), path.split('/'));
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(ts), Some(ps)) if segment_matches(ts, ps) => {}
            _ => return false,
        }
    }
}

fn segment_matches(template: &str, segment: &str) -> bool {
    let (Some(open), Some(close)) = (template.find('{'), template.rfind('}')) else {
        return template == segment;
    };
    let (prefix, suffix) = (&template[..open], &template[close + 1..]);
    segment.len() > prefix.len() + suffix.len()
        && segment.starts_with(prefix)
        && segment.ends_with(suffix)
}

pub async fn fallback(req: HttpRequest, known: web::Data<KnownPaths>) -> HttpResponse {
    match known.methods_of(req.path()) {
        Some(methods) => {
            let allow = methods.join(", ").to_uppercase();
            let mut response = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::MethodNotAllowed,
                format!("this path answers {allow}"),
            )
            .error_response();
            if let Ok(value) = allow.parse() {
                response
                    .headers_mut()
                    .insert(actix_web::http::header::ALLOW, value);
            }
            response
        }
        None => ApiError::not_found("route").error_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_whole_segments_and_affixes() {
        assert!(matches(
            "/api/v1/payouts/{id}.csv",
            "/api/v1/payouts/PB1.csv"
        ));
        assert!(!matches("/api/v1/payouts/{id}.csv", "/api/v1/payouts/.csv"));
        assert!(!matches(
            "/api/v1/payouts/{id}.csv",
            "/api/v1/payouts/PB1/results"
        ));
        assert!(matches("/c/{slug}", "/c/tea"));
        assert!(!matches("/c/{slug}", "/c/tea/me"));
        let templates = ["/c/{slug}/{page}", "/c/{slug}/me"];
        assert_eq!(
            best_match(templates.into_iter(), "/c/tea/me"),
            Some("/c/{slug}/me")
        );
    }
}

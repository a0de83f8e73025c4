//! Templates are compiled into the binary and parsed once at start-up. The landing page,
//! the same for every visitor but for the form token and the link's query, is rendered
//! once per campaign version and stitched per request.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use rand::RngCore;
use serde::Serialize;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("landing.html", include_str!("../../templates/landing.html")),
    ("me.html", include_str!("../../templates/me.html")),
    ("joined.html", include_str!("../../templates/joined.html")),
    ("notice.html", include_str!("../../templates/notice.html")),
    ("group.html", include_str!("../../templates/group.html")),
];

/// What `notice.html` shows.
#[derive(Serialize)]
struct Notice<'a> {
    title: &'a str,
    heading: &'a str,
    message: &'a str,
}

pub struct Templates {
    tera: tera::Tera,
}

impl Templates {
    pub fn load() -> anyhow::Result<Self> {
        let mut tera = tera::Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())?;
        tera.autoescape_on(vec![".html"]);
        Ok(Templates { tera })
    }

    pub fn render(&self, name: &str, context: &impl Serialize) -> Result<String, tera::Error> {
        self.tera
            .render(name, &tera::Context::from_serialize(context)?)
    }

    /// A rendered page, or a plain error page if the template fails.
    pub fn page(&self, status: StatusCode, name: &str, context: &impl Serialize) -> HttpResponse {
        match self.render(name, context) {
            Ok(html) => html_response(status, html),
            Err(e) => {
                tracing::error!(error = ?e, template = name, "template failed");
                html_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "<!doctype html><title>出错了</title><p>页面暂时无法显示，请稍后再试。</p>"
                        .into(),
                )
            }
        }
    }

    pub fn notice(
        &self,
        status: StatusCode,
        title: &str,
        heading: &str,
        message: &str,
    ) -> HttpResponse {
        let notice = Notice {
            title,
            heading,
            message,
        };
        self.page(status, "notice.html", &notice)
    }
}

pub fn html_response(status: StatusCode, html: String) -> HttpResponse {
    use actix_web::http::header::{HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
    // Built once: the landing page is the hottest path there is.
    const CSP: &str =
        "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'none'; \
                       frame-ancestors 'none'; form-action 'self'";
    let mut response = HttpResponse::build(status);
    for (name, value) in [
        (CONTENT_TYPE, "text/html; charset=utf-8"),
        (CACHE_CONTROL, "no-store"),
        (HeaderName::from_static("x-robots-tag"), "noindex"),
        (HeaderName::from_static("x-content-type-options"), "nosniff"),
        (HeaderName::from_static("referrer-policy"), "same-origin"),
        (HeaderName::from_static("content-security-policy"), CSP),
    ] {
        response.insert_header((name, HeaderValue::from_static(value)));
    }
    response.body(html)
}

enum Segment {
    Text(String),
    Csrf,
    Query,
}

/// A landing page with holes for the per-request parts.
pub struct Stitched {
    segments: Vec<Segment>,
    len: usize,
}

impl Stitched {
    pub fn fill(&self, csrf: &str, query: &str) -> String {
        let mut out = String::with_capacity(self.len + 128);
        for segment in &self.segments {
            match segment {
                Segment::Text(t) => out.push_str(t),
                Segment::Csrf => out.push_str(csrf),
                Segment::Query => out.push_str(query),
            }
        }
        out
    }
}

pub struct PageCache {
    /// Random per process, so no marketer text can contain a hole by accident or design.
    csrf_hole: String,
    query_hole: String,
    pages: RwLock<HashMap<String, (i64, Arc<Stitched>)>>,
}

impl Default for PageCache {
    fn default() -> Self {
        let mut nonce = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        let nonce = hex::encode(nonce);
        PageCache {
            csrf_hole: format!("fxcsrf{nonce}"),
            query_hole: format!("fxquery{nonce}"),
            pages: RwLock::default(),
        }
    }
}

impl PageCache {
    pub fn csrf_hole(&self) -> &str {
        &self.csrf_hole
    }
    pub fn query_hole(&self) -> &str {
        &self.query_hole
    }

    /// The stitched page for this campaign version, rendering it on first use.
    pub fn get_or_render(
        &self,
        campaign_id: &str,
        version: i64,
        render: impl FnOnce() -> Result<String, tera::Error>,
    ) -> Result<Arc<Stitched>, tera::Error> {
        if let Some((v, page)) = self
            .pages
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(campaign_id)
        {
            if *v == version {
                return Ok(page.clone());
            }
        }
        let html = render()?;
        let page = Arc::new(self.split(&html));
        let mut pages = self.pages.write().unwrap_or_else(|e| e.into_inner());
        if pages.len() > 10_000 {
            pages.clear();
        }
        pages.insert(campaign_id.to_owned(), (version, page.clone()));
        Ok(page)
    }

    fn split(&self, html: &str) -> Stitched {
        let mut segments = Vec::new();
        let mut rest = html;
        loop {
            let next_csrf = rest
                .find(&self.csrf_hole)
                .map(|i| (i, self.csrf_hole.len(), Segment::Csrf));
            let next_query = rest
                .find(&self.query_hole)
                .map(|i| (i, self.query_hole.len(), Segment::Query));
            let next = match (next_csrf, next_query) {
                (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
                (a, b) => a.or(b),
            };
            let Some((at, len, hole)) = next else { break };
            segments.push(Segment::Text(rest[..at].to_owned()));
            segments.push(hole);
            rest = &rest[at + len..];
        }
        segments.push(Segment::Text(rest.to_owned()));
        Stitched {
            segments,
            len: html.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_are_filled_per_request() {
        let cache = PageCache::default();
        let html = format!(
            "<form action=\"/join{}\"><input value=\"{}\">{}</form>",
            cache.query_hole(),
            cache.csrf_hole(),
            cache.csrf_hole()
        );
        let page = cache.get_or_render("c1", 1, || Ok(html)).unwrap();
        assert_eq!(
            page.fill("T", "?ref=a"),
            "<form action=\"/join?ref=a\"><input value=\"T\">T</form>"
        );
        // Same version: served from the cache, the renderer is not called.
        let again = cache
            .get_or_render("c1", 1, || panic!("rendered twice"))
            .unwrap();
        assert_eq!(
            again.fill("U", ""),
            "<form action=\"/join\"><input value=\"U\">U</form>"
        );
    }
}

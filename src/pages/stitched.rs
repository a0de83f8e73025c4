//! The landing page, the same for every visitor but for the form token, the link's query,
//! the inviter banner and the live count, is rendered once per campaign version (and
//! gzipped once, [`super::gzip`]) and stitched per request.

use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use rand::RngCore;

use super::render::html_response;

/// The per-request parts of a cached landing page, each marked by a random hole.
#[derive(Clone, Copy)]
enum Hole {
    Csrf,
    Query,
    Banner,
    Live,
}

const HOLES: [Hole; 4] = [Hole::Csrf, Hole::Query, Hole::Banner, Hole::Live];

/// What fills a landing page's holes for one request. `banner` and `live` are HTML,
/// escaped by whoever made them. `gzip`: the browser takes gzip ([`accepts_gzip`]).
#[derive(Default)]
pub struct Fill<'a> {
    pub csrf: &'a str,
    pub query: &'a str,
    pub banner: &'a str,
    pub live: &'a str,
    pub gzip: bool,
}

impl Fill<'_> {
    fn get(&self, hole: Hole) -> &str {
        match hole {
            Hole::Csrf => self.csrf,
            Hole::Query => self.query,
            Hole::Banner => self.banner,
            Hole::Live => self.live,
        }
    }
}

enum Segment {
    /// Shared by every response that sends the page: sending it copies nothing here.
    /// `deflated`: the same text compressed once, for browsers that take gzip (cached
    /// pages only; a page rendered for one request is left to the compression middleware).
    Text {
        text: Bytes,
        deflated: Option<(Bytes, super::gzip::CrcShift)>,
    },
    Hole(Hole),
}

/// A landing page with holes for the per-request parts.
pub struct Stitched {
    segments: Vec<Segment>,
}

impl Stitched {
    /// The page for one request: the cached text and this request's parts, sent one after
    /// the other (the response writer copies each into the socket's buffer once, so the
    /// page is not first copied into a string of its own). Gzip-compressed when the
    /// browser takes it and the page was compressed ahead ([`super::gzip`]).
    pub fn fill(&self, fill: &Fill) -> Filled {
        let gzipped = fill.gzip.then(|| self.gzip_parts(fill)).flatten();
        let compressed = gzipped.is_some();
        let parts: Vec<Bytes> = if let Some(parts) = gzipped {
            parts
        } else {
            self.segments
                .iter()
                .map(|segment| match segment {
                    Segment::Text { text, .. } => text.clone(),
                    Segment::Hole(hole) => Bytes::copy_from_slice(fill.get(*hole).as_bytes()),
                })
                .filter(|part| !part.is_empty())
                .collect()
        };
        let len = parts.iter().map(Bytes::len).sum::<usize>() as u64;
        Filled {
            parts: parts.into_iter(),
            len,
            gzip: compressed,
        }
    }

    /// A gzip member: the compressed texts with this request's parts stored between them;
    /// None for a page that was not compressed ahead.
    fn gzip_parts(&self, fill: &Fill) -> Option<Vec<Bytes>> {
        let mut crc = 0;
        let mut len = 0u64;
        let mut parts = Vec::with_capacity(self.segments.len() + 2);
        parts.push(super::gzip::HEADER);
        for segment in &self.segments {
            match segment {
                Segment::Text { text, deflated } => {
                    let (piece, shift) = deflated.as_ref()?;
                    crc = shift.after(crc);
                    len += text.len() as u64;
                    parts.push(piece.clone());
                }
                Segment::Hole(hole) => {
                    let text = fill.get(*hole).as_bytes();
                    if text.is_empty() {
                        continue;
                    }
                    crc = super::gzip::crc_after(crc, text);
                    len += text.len() as u64;
                    parts.push(super::gzip::stored(text));
                }
            }
        }
        parts.push(super::gzip::end(crc, len));
        Some(parts)
    }
}

/// A stitched page filled for one request, as a response body of known length.
pub struct Filled {
    parts: std::vec::IntoIter<Bytes>,
    len: u64,
    gzip: bool,
}

impl Filled {
    /// The page as a response with the phone pages' headers, and its encoding.
    pub fn respond(self, status: StatusCode) -> HttpResponse {
        use actix_web::http::header::{HeaderValue, CONTENT_ENCODING, VARY};
        let gzip = self.gzip;
        let mut response = html_response(status, self);
        let headers = response.headers_mut();
        headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
        if gzip {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        response
    }
}

/// Whether the request's `Accept-Encoding` takes gzip over no encoding at all.
///
/// What phones send, a plain list (`gzip, deflate, br`), is read by looking for the word;
/// a header with preferences (`;q=`) is negotiated in full by actix's parser, which cost
/// 2% of a landing page view on one core when every header went through it.
pub fn accepts_gzip(req: &actix_web::HttpRequest) -> bool {
    use actix_web::http::header::{AcceptEncoding, Encoding, Header, ACCEPT_ENCODING};
    let mut values = req.headers().get_all(ACCEPT_ENCODING);
    if let (Some(value), None) = (values.next(), values.next()) {
        if !value.as_bytes().contains(&b';') {
            return value
                .as_bytes()
                .split(|b| *b == b',')
                .map(|token| token.trim_ascii())
                .any(|token| token.eq_ignore_ascii_case(b"gzip") || token == b"*");
        }
    }
    AcceptEncoding::parse(req).is_ok_and(|accept| {
        accept.negotiate([Encoding::gzip(), Encoding::identity()].iter()) == Some(Encoding::gzip())
    })
}

impl MessageBody for Filled {
    type Error = Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.len)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Infallible>>> {
        Poll::Ready(self.get_mut().parts.next().map(Ok))
    }
}

/// The marks a template puts where the per-request parts go.
pub struct Holes<'a> {
    pub csrf: &'a str,
    pub query: &'a str,
    pub banner: &'a str,
    pub live: &'a str,
}

pub struct PageCache {
    /// Random per process, so no marketer text can contain a hole by accident or design.
    holes: [String; 4],
    pages: RwLock<HashMap<String, (i64, Arc<Stitched>)>>,
    /// Participant counts and inviter names, briefly remembered.
    pub facts: super::live::Facts,
}

impl Default for PageCache {
    fn default() -> Self {
        let mut nonce = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        let nonce = hex::encode(nonce);
        PageCache {
            holes: ["csrf", "query", "banner", "live"].map(|name| format!("fx{name}{nonce}")),
            pages: RwLock::default(),
            facts: Default::default(),
        }
    }
}

impl PageCache {
    pub fn holes(&self) -> Holes<'_> {
        let [csrf, query, banner, live] = &self.holes;
        Holes {
            csrf,
            query,
            banner,
            live,
        }
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
        let mut page = self.split(&html);
        for segment in &mut page.segments {
            if let Segment::Text { text, deflated } = segment {
                *deflated = Some((
                    super::gzip::deflate_piece(text),
                    super::gzip::CrcShift::new(text),
                ));
            }
        }
        let page = Arc::new(page);
        let mut pages = self.pages.write().unwrap_or_else(|e| e.into_inner());
        if pages.len() > 10_000 {
            pages.clear();
        }
        pages.insert(campaign_id.to_owned(), (version, page.clone()));
        Ok(page)
    }

    /// A page rendered for one request only (a returning participant's), with the same
    /// holes filled.
    pub fn split(&self, html: &str) -> Stitched {
        let mut segments = Vec::new();
        let mut rest = html;
        loop {
            let next = HOLES
                .iter()
                .filter_map(|&hole| {
                    let mark = &self.holes[hole as usize];
                    rest.find(mark.as_str()).map(|at| (at, mark.len(), hole))
                })
                .min_by_key(|(at, _, _)| *at);
            let Some((at, len, hole)) = next else { break };
            segments.push(Segment::Text {
                text: Bytes::copy_from_slice(&rest.as_bytes()[..at]),
                deflated: None,
            });
            segments.push(Segment::Hole(hole));
            rest = &rest[at + len..];
        }
        segments.push(Segment::Text {
            text: Bytes::copy_from_slice(rest.as_bytes()),
            deflated: None,
        });
        Stitched { segments }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(page: Filled) -> String {
        let bytes: Vec<u8> = page.parts.flat_map(|part| part.to_vec()).collect();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn holes_are_filled_per_request() {
        let cache = PageCache::default();
        let holes = cache.holes();
        let html = format!(
            "{}<form action=\"/join{}\"><input value=\"{}\">{}</form>{}",
            holes.banner, holes.query, holes.csrf, holes.csrf, holes.live
        );
        let page = cache.get_or_render("c1", 1, || Ok(html)).unwrap();
        let fill = Fill {
            csrf: "T",
            query: "?ref=a",
            banner: "<b>B</b>",
            live: "L",
            gzip: false,
        };
        let expected = "<b>B</b><form action=\"/join?ref=a\"><input value=\"T\">T</form>L";
        let filled = page.fill(&fill);
        // The body's length is announced before its parts are sent.
        assert_eq!(filled.size(), BodySize::Sized(expected.len() as u64));
        assert!(!filled.gzip);
        assert_eq!(text(filled), expected);
        // The same page for a browser that takes gzip.
        let gzipped = page.fill(&Fill { gzip: true, ..fill });
        assert!(gzipped.gzip);
        let size = gzipped.size();
        let bytes: Vec<u8> = gzipped.parts.flat_map(|part| part.to_vec()).collect();
        assert_eq!(size, BodySize::Sized(bytes.len() as u64));
        let mut html = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut html)
            .unwrap();
        assert_eq!(html, expected);
        // Same version: served from the cache, the renderer is not called.
        let again = cache
            .get_or_render("c1", 1, || panic!("rendered twice"))
            .unwrap();
        let fill = Fill {
            csrf: "U",
            ..Fill::default()
        };
        assert_eq!(
            text(again.fill(&fill)),
            "<form action=\"/join\"><input value=\"U\">U</form>"
        );
        // A page rendered for one request is not compressed ahead: it goes out as it is
        // (and the compression middleware may compress it).
        let once = cache.split("<p>mine</p>");
        let filled = once.fill(&Fill {
            gzip: true,
            ..Fill::default()
        });
        assert!(!filled.gzip);
        assert_eq!(text(filled), "<p>mine</p>");
    }
}

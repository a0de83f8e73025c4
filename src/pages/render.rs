//! Templates are compiled into the binary and parsed once at start-up; the phone pages'
//! response headers. The landing page's cache of stitched pages is [`super::stitched`].

use actix_web::body::MessageBody;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("landing.html", include_str!("../../templates/landing.html")),
    ("me.html", include_str!("../../templates/me.html")),
    ("joined.html", include_str!("../../templates/joined.html")),
    ("notice.html", include_str!("../../templates/notice.html")),
    ("group.html", include_str!("../../templates/group.html")),
    (
        "poster_switch.html",
        include_str!("../../templates/poster_switch.html"),
    ),
    (
        "wechat_claim.html",
        include_str!("../../templates/wechat_claim.html"),
    ),
];

/// The one script phone pages run: my page's copy button. It copies the invite link where
/// the clipboard API is there, else selects it and says to long-press. Allowed by its
/// hash in the pages' CSP, so no other script can run.
pub const COPY_SCRIPT: &str = "document.addEventListener('click',function(e){var b=e.target.closest('[data-copy]');if(!b)return;var i=document.getElementById(b.getAttribute('data-copy')),h=document.getElementById(i.id+'-hint');function sel(){i.focus();i.select();i.setSelectionRange(0,i.value.length);h.textContent='已选中链接，请长按复制';}if(navigator.clipboard&&navigator.clipboard.writeText){navigator.clipboard.writeText(i.value).then(function(){h.textContent='已复制，发给好友吧';},sel);}else{sel();}});";

/// The pages' Content-Security-Policy: nothing from elsewhere, and no script but
/// [`COPY_SCRIPT`].
static CSP: std::sync::LazyLock<actix_web::http::header::HeaderValue> =
    std::sync::LazyLock::new(|| {
        use base64::Engine;
        use sha2::Digest;
        let hash =
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(COPY_SCRIPT));
        let csp = format!(
            "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; \
         script-src 'sha256-{hash}'; frame-ancestors 'none'; form-action 'self'"
        );
        actix_web::http::header::HeaderValue::from_str(&csp).expect("the CSP is ASCII")
    });

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
                    "<!doctype html><title>出错了</title><p>页面暂时无法显示，请稍后再试。</p>",
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

/// Someone not known on this browser: on to the landing page's form.
pub fn to_join_form(slug: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", format!("/c/{slug}#join")))
        .finish()
}

/// A phone page's response: its headers, and the HTML as a `String` or a filled
/// [`super::stitched::Stitched`] page.
pub fn html_response(status: StatusCode, html: impl MessageBody + 'static) -> HttpResponse {
    use actix_web::http::header::{
        HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
        REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    };
    // Constants, not parsed per response: the landing page is the hottest path there is.
    const HEADERS: [(HeaderName, HeaderValue); 5] = [
        (
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ),
        (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (
            HeaderName::from_static("x-robots-tag"),
            HeaderValue::from_static("noindex"),
        ),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (REFERRER_POLICY, HeaderValue::from_static("same-origin")),
    ];
    let mut response = HttpResponse::with_body(status, html).map_into_boxed_body();
    let headers = response.headers_mut();
    for (name, value) in HEADERS {
        headers.insert(name, value);
    }
    headers.insert(CONTENT_SECURITY_POLICY, CSP.clone());
    response
}

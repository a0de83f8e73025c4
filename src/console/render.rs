//! The console's templates (everything under templates/console, compiled into the
//! binary), its strings per language (templates/console/strings/*.toml) and the page
//! frame: every page gets the user, the CSRF token, the strings and the nav.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use anyhow::Context;
use include_dir::{include_dir, Dir};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::session::{Console, Lang};
use super::static_files::{all_files, STATIC};
use crate::auth::{Access, AdminAccess, CampaignWrite, FinanceAccess, Role};
use crate::http::merge_patch::merge;
use crate::state::AppState;

static TEMPLATES: Dir = include_dir!("$CARGO_MANIFEST_DIR/templates/console");

pub struct ConsoleTemplates {
    tera: tera::Tera,
    /// Per language, with the Chinese text standing in for any key English lacks.
    strings: HashMap<Lang, Value>,
    /// Changes whenever a static file does: `?v=` on their URLs, so they cache for long.
    asset_version: String,
}

#[derive(Serialize)]
struct NavItem {
    key: &'static str,
    href: &'static str,
    active: bool,
}

/// The console's sections, each with the roles that see it in the nav.
const NAV: &[(&str, &str, &[Role])] = &[
    (
        "campaigns",
        "/admin/campaigns",
        &[Role::Admin, Role::Marketer, Role::Finance, Role::Viewer],
    ),
    ("finance", "/admin/finance", FinanceAccess::ROLES),
    ("audit", "/admin/audit", AdminAccess::ROLES),
    ("tokens", "/admin/tokens", AdminAccess::ROLES),
    ("users", "/admin/users", AdminAccess::ROLES),
];

impl ConsoleTemplates {
    pub fn load() -> anyhow::Result<Self> {
        let mut tera = tera::Tera::default();
        let mut pages = Vec::new();
        let mut strings = HashMap::new();
        for file in all_files(&TEMPLATES) {
            let path = file.path().to_string_lossy().replace('\\', "/");
            let text = file
                .contents_utf8()
                .with_context(|| format!("templates/console/{path} is not UTF-8"))?;
            if path.ends_with(".html") {
                pages.push((format!("console/{path}"), text.to_owned()));
            } else if let Some(lang) = path
                .strip_prefix("strings/")
                .and_then(|p| p.strip_suffix(".toml"))
            {
                let table: toml::Table = toml::from_str(text)
                    .with_context(|| format!("parsing templates/console/{path}"))?;
                strings.insert(lang.to_owned(), serde_json::to_value(table)?);
            }
        }
        tera.add_raw_templates(pages)?;
        tera.autoescape_on(vec![".html"]);
        let zh = strings
            .remove("zh-CN")
            .context("templates/console/strings/zh-CN.toml is missing")?;
        let mut en = zh.clone();
        // English over Chinese, key by key: a string English lacks shows in Chinese.
        if let Some(english) = strings.remove("en") {
            merge(&mut en, english);
        }
        let mut hasher = Sha256::new();
        for file in all_files(&STATIC) {
            hasher.update(file.path().to_string_lossy().as_bytes());
            hasher.update(file.contents());
        }
        Ok(ConsoleTemplates {
            tera,
            strings: HashMap::from([(Lang::Zh, zh), (Lang::En, en)]),
            asset_version: hex::encode(&hasher.finalize()[..6]),
        })
    }

    /// The strings of a language, as templates see them under `t`.
    pub fn strings(&self, lang: Lang) -> &Value {
        &self.strings[&lang]
    }

    /// A page outside the signed-in frame (sign-in): strings and language only.
    pub fn bare(
        &self,
        lang: Lang,
        status: StatusCode,
        name: &str,
        mut ctx: tera::Context,
    ) -> HttpResponse {
        ctx.insert("t", self.strings(lang));
        ctx.insert("lang", lang.code());
        ctx.insert("asset_v", &self.asset_version);
        self.render(status, name, &ctx)
    }

    fn render(&self, status: StatusCode, name: &str, ctx: &tera::Context) -> HttpResponse {
        match self.tera.render(name, ctx) {
            Ok(html) => html_response(status, html),
            Err(e) => {
                tracing::error!(error = ?e, template = name, "console template failed");
                super::error::ConsoleError::Internal(anyhow::anyhow!("template {name} failed"))
                    .error_response()
            }
        }
    }
}

/// A console page in its frame (nav, user, language switch), answered 200.
pub fn page<A: Access>(
    state: &AppState,
    console: &Console<A>,
    name: &str,
    ctx: tera::Context,
) -> HttpResponse {
    page_with_status(state, console, StatusCode::OK, name, ctx)
}

/// A console page with another status: 422 for a form shown again with its errors.
pub fn page_with_status<A: Access>(
    state: &AppState,
    console: &Console<A>,
    status: StatusCode,
    name: &str,
    mut ctx: tera::Context,
) -> HttpResponse {
    let role = console.user.role;
    let nav: Vec<NavItem> = NAV
        .iter()
        .filter(|(_, _, roles)| roles.contains(&role))
        .map(|(key, href, _)| NavItem {
            key,
            href,
            // A new campaign belongs to the campaigns section.
            active: console.path.starts_with(href)
                || (*key == "campaigns" && console.path == "/admin/new-campaign"),
        })
        .collect();
    ctx.insert("nav", &nav);
    ctx.insert("user", &console.user);
    let initial: String = console.user.email.chars().take(1).collect();
    ctx.insert("user_initial", &initial.to_uppercase());
    ctx.insert("csrf", &console.csrf);
    ctx.insert("path", &console.path);
    ctx.insert(
        "can",
        &serde_json::json!({
            "change_campaigns": CampaignWrite::ROLES.contains(&role),
            "finance": FinanceAccess::ROLES.contains(&role),
            "admin": AdminAccess::ROLES.contains(&role),
        }),
    );
    state.console.bare(console.lang, status, name, ctx)
}

/// Console HTML: never cached, never framed by other sites, scripts and styles only from
/// this server.
pub fn html_response(status: StatusCode, html: String) -> HttpResponse {
    const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
                       script-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'";
    HttpResponse::build(status)
        .insert_header(("Content-Type", "text/html; charset=utf-8"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .insert_header(("Referrer-Policy", "same-origin"))
        .insert_header(("Content-Security-Policy", CSP))
        .body(html)
}

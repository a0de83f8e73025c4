//! What a console request answers when it cannot go on: sign in first (303), not allowed
//! (403), not found, or a failure (500, logged). Pages here are plain and self-contained,
//! so they can be shown whatever went wrong.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use super::render::html_response;
use crate::http::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Not signed in: to the sign-in form, then back to `next` (a console path).
    #[error("not signed in")]
    SignIn { next: Option<String> },
    #[error("this role may not do this")]
    Forbidden,
    #[error("the form's token or origin is wrong")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Api(ApiError),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl From<ApiError> for ConsoleError {
    fn from(err: ApiError) -> Self {
        match err.status_code() {
            StatusCode::NOT_FOUND => ConsoleError::NotFound,
            StatusCode::FORBIDDEN => ConsoleError::Forbidden,
            _ => ConsoleError::Api(err),
        }
    }
}

impl From<crate::users::service::UserError> for ConsoleError {
    fn from(err: crate::users::service::UserError) -> Self {
        use crate::users::service::UserError;
        match err {
            UserError::NotFound => ConsoleError::NotFound,
            UserError::Storage(e) => ConsoleError::Internal(e),
            other => ConsoleError::Internal(anyhow::anyhow!("{other}")),
        }
    }
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            ConsoleError::SignIn { .. } => StatusCode::SEE_OTHER,
            ConsoleError::Forbidden | ConsoleError::Csrf => StatusCode::FORBIDDEN,
            ConsoleError::NotFound => StatusCode::NOT_FOUND,
            ConsoleError::Api(e) => e.status_code(),
            ConsoleError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (heading, message) = match self {
            ConsoleError::SignIn { next } => {
                let location = match next {
                    Some(next) => format!(
                        "/admin/login?next={}",
                        percent_encoding::utf8_percent_encode(
                            next,
                            percent_encoding::NON_ALPHANUMERIC
                        )
                    ),
                    None => "/admin/login".to_owned(),
                };
                return HttpResponse::SeeOther()
                    .insert_header(("Location", location))
                    .insert_header(("Cache-Control", "no-store"))
                    .finish();
            }
            ConsoleError::Forbidden => (
                "无权操作 · Not allowed",
                "你的角色不能查看或修改这里的内容。如需权限，请联系管理员。".to_owned(),
            ),
            ConsoleError::Csrf => (
                "表单已失效 · Form expired",
                "这个表单不是从本控制台提交的，或页面已过期。请返回刷新页面后重试。".to_owned(),
            ),
            ConsoleError::NotFound => ("找不到 · Not found", "没有找到你要的内容。".to_owned()),
            ConsoleError::Api(e) if e.status_code().is_client_error() => {
                ("无法完成 · Cannot do this", e.message().to_owned())
            }
            ConsoleError::Api(_) | ConsoleError::Internal(_) => {
                tracing::error!(error = ?self, "console request failed");
                (
                    "出错了 · Something went wrong",
                    "操作没有完成，已记录错误。请稍后再试。".to_owned(),
                )
            }
        };
        html_response(self.status_code(), error_page(heading, &message))
    }
}

fn error_page(heading: &str, message: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{h}</title><link rel=\"stylesheet\" href=\"/admin/static/console.css\"></head>\
         <body class=\"bare\"><main class=\"card narrow\"><h1>{h}</h1><p>{m}</p>\
         <p><a class=\"button\" href=\"/admin\">返回控制台 · Back to console</a></p></main></body></html>",
        h = escape(heading),
        m = escape(message)
    )
}

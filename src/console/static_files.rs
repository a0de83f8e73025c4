//! The console's stylesheet and scripts (static/console, compiled into the binary), served
//! under /admin/static/. Pages link them with `?v=<content hash>`, so they cache for a year.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use actix_web::{web, HttpRequest, HttpResponse};
use include_dir::{include_dir, Dir, DirEntry, File};
use sha2::{Digest, Sha256};

pub static STATIC: Dir = include_dir!("$CARGO_MANIFEST_DIR/static/console");

/// Every file under an embedded directory, at any depth.
pub fn all_files(dir: &'static Dir<'static>) -> Vec<&'static File<'static>> {
    let mut out = Vec::new();
    for entry in dir.entries() {
        match entry {
            DirEntry::File(file) => out.push(file),
            DirEntry::Dir(sub) => out.extend(all_files(sub)),
        }
    }
    out
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

pub async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let Some(file) = STATIC.get_file(path.as_str()) else {
        return HttpResponse::NotFound()
            .insert_header((CONTENT_TYPE, "text/plain; charset=utf-8"))
            .body("not found");
    };
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(file.contents())[..8]));
    let cache = (CACHE_CONTROL, "public, max-age=31536000, immutable");
    let unchanged = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag);
    if unchanged {
        return HttpResponse::NotModified()
            .insert_header((ETAG, etag))
            .insert_header(cache)
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type(path.as_str())))
        .insert_header((ETAG, etag))
        .insert_header(cache)
        .body(file.contents())
}

//! Reading a multipart form (uploads from the API and the console): every field's bytes
//! by name, the first of each name kept, the whole body held to a limit.

use std::collections::HashMap;

use actix_multipart::{Multipart, MultipartError};
use futures_util::StreamExt;

use super::error::{ApiError, ErrorCode};

/// The fields of a multipart body by name.
#[derive(Debug, Default)]
pub struct Fields(HashMap<String, Vec<u8>>);

impl Fields {
    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.0.get(name).map(Vec::as_slice)
    }

    /// A text field, or "" when it is missing or not UTF-8.
    pub fn text(&self, name: &str) -> &str {
        self.bytes(name)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// A file field that was sent with content (an empty file input sends no bytes).
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.bytes(name).filter(|b| !b.is_empty())
    }

    pub fn take(&mut self, name: &str) -> Option<Vec<u8>> {
        self.0.remove(name)
    }
}

/// Text fields beside the file(s) get this much room on top of the per-field limit.
const FORM_ROOM: usize = 1 << 20;

/// Reads the whole form, refusing a field of more than `limit` bytes (or a form of more
/// than `limit` plus a little room for its text fields).
pub async fn fields(mut form: Multipart, limit: usize) -> Result<Fields, ApiError> {
    let malformed =
        |e: MultipartError| ApiError::bad_request(ErrorCode::InvalidMultipart, e.to_string());
    let mut fields = Fields::default();
    let mut total = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field
            .content_disposition()
            .and_then(|d| d.get_name())
            .unwrap_or_default()
            .to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            total += chunk.len();
            if bytes.len() + chunk.len() > limit || total > limit + FORM_ROOM {
                return Err(ApiError::too_large(format!(
                    "files are limited to {limit} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        fields.0.entry(name).or_insert(bytes);
    }
    Ok(fields)
}

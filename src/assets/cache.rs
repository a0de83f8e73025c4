//! Asset bytes kept in memory after the first read: assets never change, so the cache
//! is always right; it is bounded by total size.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::web::Bytes;

use crate::db::Db;

const MAX_BYTES: usize = 64 << 20;

type Entry = (String, Bytes);

#[derive(Default)]
pub struct AssetCache {
    inner: Mutex<(usize, HashMap<String, Entry>)>,
}

impl AssetCache {
    pub async fn get(&self, db: &Db, id: &str) -> anyhow::Result<Option<Entry>> {
        if let Some(hit) = self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .get(id)
        {
            return Ok(Some(hit.clone()));
        }
        let Some((content_type, bytes)) = super::store::data(db, id).await? else {
            return Ok(None);
        };
        let entry = (content_type, Bytes::from(bytes));
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.0 + entry.1.len() > MAX_BYTES {
            *inner = (0, HashMap::new());
        }
        inner.0 += entry.1.len();
        inner.1.insert(id.to_owned(), entry.clone());
        Ok(Some(entry))
    }
}

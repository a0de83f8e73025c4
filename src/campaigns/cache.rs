//! Campaigns read on every page view come from memory. Entries live for a short TTL so
//! changes made on another server show up within seconds; changes made here drop the
//! entry at once.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::model::Campaign;
use super::store::{self, StoreError};
use crate::db::Db;

/// Unknown slugs are cached too (as `None`), so a flood of made-up URLs cannot reach the
/// database more than once per TTL each; the map is bounded all the same.
const MAX_ENTRIES: usize = 10_000;

/// When the entry was read, and the campaign (`None`: no such slug).
type Cached = (Instant, Option<Arc<Campaign>>);

pub struct CampaignCache {
    ttl: Duration,
    entries: RwLock<HashMap<String, Cached>>,
}

impl CampaignCache {
    pub fn new(ttl: Duration) -> Self {
        CampaignCache {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    pub async fn get(&self, db: &Db, slug: &str) -> Result<Option<Arc<Campaign>>, StoreError> {
        if let Some((at, campaign)) = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(slug)
        {
            if at.elapsed() < self.ttl {
                return Ok(campaign.clone());
            }
        }
        let campaign = store::by_slug(db, slug).await?.map(Arc::new);
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(slug.to_owned(), (Instant::now(), campaign.clone()));
        Ok(campaign)
    }

    pub fn invalidate(&self, slug: &str) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(slug);
    }
}

//! Reads of one thing asked by many requests at once, made once for all of them. Every
//! invited lead reads its inviter's latest invitees twice (before its write and after its
//! commit); a popular inviter's friends arrive together and asked for the same hundreds of
//! rows dozens of times over.
//!
//! A caller is only given a read that *started after it asked*, so it sees everything it
//! (or anyone) committed before asking, exactly as a read of its own would. Per key, one read
//! runs at a time; those who ask while it runs wait, and the first of them to go next reads
//! for all of them. Nothing is kept once nobody waits: this is not a cache, and two servers
//! each read the database as before.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

type Value = Arc<dyn Any + Send + Sync>;

/// Per key: the tick the latest read started at, and what it read.
type Slot = Arc<tokio::sync::Mutex<Option<(u64, Value)>>>;

#[derive(Default)]
pub struct SharedReads {
    clock: AtomicU64,
    slots: Mutex<HashMap<String, Slot>>,
}

impl SharedReads {
    /// What `read` answers for `key`, made now or by a read of the same key that started
    /// after this call began. A failed read is nobody else's: each waiter then reads again.
    pub async fn read<T, F, Fut>(&self, key: &str, read: F) -> Result<Arc<T>, sqlx::Error>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        let asked = self.clock.fetch_add(1, Ordering::SeqCst);
        let held = Held::take(self, key);
        let mut latest = held.slot.lock().await;
        let shared = latest
            .as_ref()
            .filter(|(started, _)| *started > asked)
            .and_then(|(_, value)| value.clone().downcast::<T>().ok());
        if let Some(value) = shared {
            return Ok(value);
        }
        let started = self.clock.fetch_add(1, Ordering::SeqCst);
        let value = Arc::new(read().await?);
        *latest = Some((started, value.clone() as Value));
        Ok(value)
    }
}

/// A caller's hold on a key's slot. Dropped (answered, failed, or the caller's future
/// dropped mid-read), it forgets the key when no one else holds the slot: the map's and
/// this hold are the two references left, and anyone about to wait takes the map's lock
/// first.
struct Held<'a> {
    reads: &'a SharedReads,
    key: &'a str,
    slot: Slot,
}

impl<'a> Held<'a> {
    fn take(reads: &'a SharedReads, key: &'a str) -> Held<'a> {
        let mut slots = reads.slots.lock().unwrap_or_else(|e| e.into_inner());
        let slot = slots.entry(key.to_owned()).or_default().clone();
        Held { reads, key, slot }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let mut slots = self.reads.slots.lock().unwrap_or_else(|e| e.into_inner());
        if Arc::strong_count(&self.slot) == 2 {
            slots.remove(self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[tokio::test]
    async fn callers_waiting_together_share_the_next_read_and_never_an_older_one() {
        let reads = Arc::new(SharedReads::default());
        let made = Arc::new(AtomicUsize::new(0));
        let read = |reads: Arc<SharedReads>, made: Arc<AtomicUsize>| async move {
            reads
                .read("k", || async {
                    let n = made.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    Ok::<_, sqlx::Error>(n)
                })
                .await
                .unwrap()
        };
        // The first read starts alone; eight ask while it runs and share the second.
        let first = tokio::spawn(read(reads.clone(), made.clone()));
        tokio::time::sleep(Duration::from_millis(5)).await;
        let waiting: Vec<_> = (0..8)
            .map(|_| tokio::spawn(read(reads.clone(), made.clone())))
            .collect();
        assert_eq!(*first.await.unwrap(), 0);
        for w in waiting {
            assert_eq!(*w.await.unwrap(), 1, "a read that began before they asked");
        }
        assert_eq!(made.load(Ordering::SeqCst), 2);
        // Nobody waits any more: the next caller reads afresh, and the key is forgotten.
        assert_eq!(*read(reads.clone(), made.clone()).await, 2);
        assert!(reads.slots.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_caller_gone_mid_read_leaves_no_key_behind() {
        let reads = Arc::new(SharedReads::default());
        let gone = tokio::spawn({
            let reads = reads.clone();
            async move {
                reads
                    .read("k", || async {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        Ok::<_, sqlx::Error>(0u8)
                    })
                    .await
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(reads.slots.lock().unwrap().len(), 1);
        gone.abort();
        assert!(gone.await.unwrap_err().is_cancelled());
        assert!(reads.slots.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_failed_read_is_not_shared() {
        let reads = SharedReads::default();
        let failed = reads
            .read("k", || async { Err::<u8, _>(sqlx::Error::RowNotFound) })
            .await;
        assert!(failed.is_err());
        let read = reads
            .read("k", || async { Ok::<_, sqlx::Error>(7u8) })
            .await;
        assert_eq!(*read.unwrap(), 7);
    }
}

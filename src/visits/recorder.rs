use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::model::Visit;
use crate::db::Db;

enum Message {
    Visit(Visit),
    Flush(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct VisitRecorder {
    queue: mpsc::Sender<Message>,
    dropped: Arc<AtomicU64>,
}

impl VisitRecorder {
    /// Starts the writer task; it ends, after a last flush, when every recorder is dropped.
    pub fn start(
        db: Arc<Db>,
        capacity: usize,
        batch_size: usize,
        linger: Duration,
        day_offset_minutes: i32,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (queue, rx) = mpsc::channel(capacity);
        let writer = super::store::Writer::new(day_offset_minutes);
        let task = tokio::spawn(run(db, writer, rx, batch_size, linger));
        (
            VisitRecorder {
                queue,
                dropped: Arc::default(),
            },
            task,
        )
    }

    /// Never waits: when the queue is full the visit is counted as dropped instead.
    pub fn record(&self, visit: Visit) {
        if self.queue.try_send(Message::Visit(visit)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("fission_visits_dropped_total").increment(1);
        }
    }

    /// Waits until everything queued before this call is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// Writes in batches. After the first visit of a batch the writer lingers (`linger`,
/// 50 ms by default) so that the visits of that moment go in one transaction: a page
/// served tens of thousands of times a second is written a few dozen times a second, and
/// the page's worker wakes the writer once per batch instead of once per visit (the
/// queue wakes a waiting receiver only). A flush that starts a batch does not linger;
/// one queued during the linger is answered with that batch. Light traffic is written
/// within `linger`.
async fn run(
    db: Arc<Db>,
    mut writer: super::store::Writer,
    mut rx: mpsc::Receiver<Message>,
    batch_size: usize,
    linger: Duration,
) {
    let mut batch: Vec<Visit> = Vec::with_capacity(batch_size);
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    // After a full batch there is a backlog: the next one is taken at once.
    let mut behind = false;
    while let Some(first) = rx.recv().await {
        take(first, &mut batch, &mut waiting);
        // Sleeping, not polling the queue: a receiver that is not waiting on the queue is
        // not woken by each send.
        if waiting.is_empty() && !behind && !linger.is_zero() {
            tokio::time::sleep(linger).await;
        }
        while batch.len() < batch_size {
            match rx.try_recv() {
                Ok(message) => take(message, &mut batch, &mut waiting),
                Err(_) => break,
            }
        }
        behind = batch.len() >= batch_size;
        if !batch.is_empty() {
            write_with_retry(&db, &mut writer, &batch).await;
            batch.clear();
        }
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}

fn take(message: Message, batch: &mut Vec<Visit>, waiting: &mut Vec<oneshot::Sender<()>>) {
    match message {
        Message::Visit(v) => batch.push(v),
        Message::Flush(done) => waiting.push(done),
    }
}

async fn write_with_retry(db: &Db, writer: &mut super::store::Writer, batch: &[Visit]) {
    for attempt in 1..=3 {
        match writer.write_batch(db, batch).await {
            Ok(()) => {
                metrics::counter!("fission_visits_recorded_total").increment(batch.len() as u64);
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, attempt, size = batch.len(), "writing visits failed");
                tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
            }
        }
    }
    metrics::counter!("fission_visits_dropped_total").increment(batch.len() as u64);
    tracing::error!(
        size = batch.len(),
        "visits dropped after three failed writes"
    );
}

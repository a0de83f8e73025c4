//! The provider's results applied to a batch: the contract's JSON (keyed by grant id) or
//! the provider's own result file (keyed by `out_detail_no`, see `provider_results`).
//! One transaction; replays change nothing; unknown lines and results that contradict
//! an earlier one are reported, never fatal, and contradictions are kept for
//! reconciliation.

use chrono::Utc;

use super::model::{LedgerEvent, LineStatus};
use super::payout_store::{self as store, Entry, LineKey};
use super::views::{ResultLine, ResultMismatch, ResultsView};
use crate::audit::{self, snapshot, Actor};
use crate::db::time::to_ms;
use crate::db::{Db, Tx};
use crate::http::error::{ApiError, ErrorCode};

/// A result file: up to this many lines.
pub const MAX_RESULTS: usize = 100_000;

/// One line's final result as the provider reports it.
pub struct Reported {
    pub key: LineKey,
    /// `Paid` or `Failed`.
    pub status: LineStatus,
    pub provider_ref: Option<String>,
    /// Why a payment failed, as the provider says.
    pub reason: Option<String>,
}

impl Reported {
    fn mismatch(&self, problem: String) -> ResultMismatch {
        let (grant_id, out_detail_no) = match &self.key {
            LineKey::Grant(id) => (Some(id.clone()), None),
            LineKey::Detail(no) => (None, Some(no.clone())),
        };
        ResultMismatch {
            grant_id,
            out_detail_no,
            problem,
        }
    }
}

/// Checks the contract's JSON results before anything is applied.
pub fn from_json(lines: Vec<ResultLine>) -> Result<Vec<Reported>, ApiError> {
    if lines.is_empty() || lines.len() > MAX_RESULTS {
        return Err(ApiError::invalid(
            ErrorCode::InvalidResults,
            format!("send 1 to {MAX_RESULTS} results"),
        ));
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let status = match l.status.as_str() {
                "paid" => LineStatus::Paid,
                "failed" => LineStatus::Failed,
                _ => {
                    return Err(ApiError::invalid(
                        ErrorCode::InvalidResults,
                        format!("[{i}].status must be paid or failed"),
                    ))
                }
            };
            Ok(Reported {
                key: LineKey::Grant(l.grant_id),
                status,
                provider_ref: l.provider_ref,
                reason: None,
            })
        })
        .collect()
}

struct Batch<'a> {
    id: &'a str,
    campaign_id: &'a str,
    /// How the journal names who acted.
    actor: &'a str,
    now: i64,
}

/// Applies one result; what it did goes into `out`.
async fn apply(
    tx: &mut Tx<'_>,
    batch: &Batch<'_>,
    line: &Reported,
    out: &mut ResultsView,
) -> anyhow::Result<()> {
    let Some((grant_id, current, amount)) = store::line(tx, batch.id, &line.key).await? else {
        out.mismatches
            .push(line.mismatch("not in this batch".into()));
        return Ok(());
    };
    let status = line.status;
    if current == status {
        out.unchanged += 1;
        return Ok(());
    }
    if current != LineStatus::Pending {
        out.mismatches
            .push(line.mismatch(format!("already {current}, now reported {status}")));
        let note = format!("conflicting result: {status}");
        store::note_conflict(tx, batch.id, &grant_id, &note).await?;
        return Ok(());
    }
    let provider_ref = line.provider_ref.as_deref();
    store::settle_line(tx, batch.id, &grant_id, status, provider_ref, batch.now).await?;
    let event = if status == LineStatus::Paid {
        store::mark_paid(tx, &grant_id, provider_ref, batch.now).await?;
        out.paid += 1;
        LedgerEvent::Paid
    } else {
        out.failed += 1;
        LedgerEvent::Failed
    };
    let note = match (&line.reason, provider_ref) {
        (Some(reason), _) if event == LedgerEvent::Failed => reason.as_str(),
        (_, Some(provider_ref)) => provider_ref,
        _ => batch.id,
    };
    let entry = Entry {
        grant_id: &grant_id,
        campaign_id: batch.campaign_id,
        event,
        amount,
        actor: batch.actor,
        note,
        at: batch.now,
    };
    store::append(tx, &entry).await?;
    if event == LedgerEvent::Failed {
        if let Some(amount) = store::requeue(tx, &grant_id, batch.now).await? {
            let note = "revoked while in a payout batch; the payment failed";
            let revoked = Entry {
                event: LedgerEvent::Revoked,
                amount,
                note,
                ..entry
            };
            store::append(tx, &revoked).await?;
        }
    }
    Ok(())
}

/// Applies the provider's results to a batch in one transaction. `view` may already
/// hold what the parser reported (lines that are not final yet).
pub async fn record(
    db: &Db,
    id: &str,
    actor: &Actor,
    lines: Vec<Reported>,
    mut view: ResultsView,
) -> Result<ResultsView, ApiError> {
    let campaign_id = store::campaign_of(db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("payout"))?;
    let now = to_ms(Utc::now());
    let (id, who) = (id.to_owned(), actor.clone());
    let view = db
        .write_tx(move |tx| {
            Box::pin(async move {
                let batch = Batch {
                    id: &id,
                    campaign_id: &campaign_id,
                    actor: &who.name,
                    now,
                };
                for line in &lines {
                    apply(tx, &batch, line, &mut view).await?;
                }
                let c = Some(campaign_id.as_str());
                audit::record(tx, &who, "payout.results", c, &id, None, snapshot(&view)).await?;
                Ok::<_, anyhow::Error>(view)
            })
        })
        .await?;
    Ok(view)
}

//! Payout batches. A batch takes every granted, unpaid cash grant; its merchant batch id
//! and line numbers are stored before the file reaches the payment provider, so a retry
//! sends the same lines and nothing is paid twice. Failed lines go back to the next
//! batch; a result that contradicts an earlier one is kept as a mismatch.

use chrono::Utc;

use super::model::{LedgerEvent, LineStatus};
use super::payout_store::{self as store, Entry, NewPayout};
use super::views::{PayoutView, ReportedStatus, ResultLine, ResultMismatch, ResultsView};
use crate::audit::{self, snapshot, Actor};
use crate::campaigns::Campaign;
use crate::db::time::to_ms;
use crate::db::Db;
use crate::http::error::{ApiError, ErrorCode};
use crate::participants::phone::mask;

/// WeChat Pay red envelopes carry 1 to 200 yuan each.
const WECHAT_MIN: i64 = 100;
const WECHAT_MAX: i64 = 20_000;
/// A provider's result file: up to this many lines.
pub const MAX_RESULTS: usize = 100_000;

fn wechat_note(amount: i64) -> &'static str {
    match amount {
        a if a < WECHAT_MIN => "below_wechat_red_envelope_minimum",
        a if a > WECHAT_MAX => "above_wechat_red_envelope_maximum",
        _ => "",
    }
}

/// A new batch of every granted cash grant of the campaign, in one transaction.
pub async fn create(db: &Db, campaign: &Campaign, actor: &Actor) -> Result<PayoutView, ApiError> {
    let id = format!("PB{}", uuid::Uuid::now_v7().simple());
    let now = to_ms(Utc::now());
    let currency = campaign.currency().as_str().to_owned();
    let (payout_id, campaign_id, who) = (id.clone(), campaign.id.clone(), actor.clone());
    let actor = who.name.clone();
    let cur = currency.clone();
    let taken = db
        .write_tx(move |tx| {
            Box::pin(async move {
                let mut taken = store::take_granted(tx, &payout_id, &campaign_id).await?;
                taken.sort();
                let payout = NewPayout {
                    id: &payout_id,
                    campaign_id: &campaign_id,
                    count: taken.len() as i64,
                    total: taken.iter().map(|(_, a)| a).sum(),
                    currency: &cur,
                    created_by: &actor,
                    at: now,
                };
                store::insert_payout(tx, &payout).await?;
                for (line_no, (grant_id, amount)) in taken.iter().enumerate() {
                    store::insert_line(tx, &payout_id, grant_id, line_no as i64 + 1, *amount, now)
                        .await?;
                    let entry = Entry {
                        grant_id,
                        campaign_id: &campaign_id,
                        event: LedgerEvent::Batched,
                        amount: *amount,
                        actor: &actor,
                        note: &payout_id,
                        at: now,
                    };
                    store::append(tx, &entry).await?;
                }
                let after = serde_json::json!({"count": payout.count, "total": payout.total, "currency": cur});
                let c = Some(campaign_id.as_str());
                audit::record(tx, &who, "payout.created", c, &payout_id, None, Some(after)).await?;
                Ok::<_, anyhow::Error>(taken)
            })
        })
        .await?;
    Ok(PayoutView {
        id,
        count: taken.len() as i64,
        total: taken.iter().map(|(_, a)| a).sum(),
        currency,
        warnings: taken
            .iter()
            .filter(|(_, a)| !wechat_note(*a).is_empty())
            .count(),
    })
}

/// The batch file for the payment provider: CSV, UTF-8 with BOM, phones masked.
pub async fn file(db: &Db, id: &str) -> Result<Vec<u8>, ApiError> {
    store::campaign_of(db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("payout"))?;
    let lines = store::lines(db, id).await?;
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer
            .write_record([
                "out_batch_no",
                "out_detail_no",
                "grant_id",
                "participant_code",
                "phone_masked",
                "amount",
                "currency",
                "status",
                "note",
            ])
            .map_err(ApiError::internal)?;
        for l in &lines {
            writer
                .write_record([
                    id,
                    &format!("{id}-{:06}", l.line_no),
                    &l.grant_id,
                    &l.code,
                    &l.phone.as_deref().map(mask).unwrap_or_default(),
                    &l.amount.to_string(),
                    &l.currency,
                    l.status.as_str(),
                    wechat_note(l.amount),
                ])
                .map_err(ApiError::internal)?;
        }
        writer.flush().map_err(ApiError::internal)?;
    }
    Ok(out)
}

/// Checks a result file before anything is applied.
fn parse_results(lines: &[ResultLine]) -> Result<Vec<ReportedStatus>, ApiError> {
    if lines.is_empty() || lines.len() > MAX_RESULTS {
        return Err(ApiError::invalid(
            ErrorCode::InvalidResults,
            format!("send 1 to {MAX_RESULTS} results"),
        ));
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| match l.status.as_str() {
            "paid" => Ok(ReportedStatus::Paid),
            "failed" => Ok(ReportedStatus::Failed),
            _ => Err(ApiError::invalid(
                ErrorCode::InvalidResults,
                format!("[{i}].status must be paid or failed"),
            )),
        })
        .collect()
}

/// Applies the provider's results to a batch in one transaction. Replays change nothing;
/// a result contradicting an earlier one is kept as a mismatch.
pub async fn results(
    db: &Db,
    id: &str,
    actor: &Actor,
    lines: Vec<ResultLine>,
) -> Result<ResultsView, ApiError> {
    let statuses = parse_results(&lines)?;
    let campaign_id = store::campaign_of(db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("payout"))?;
    let now = to_ms(Utc::now());
    let (id, who) = (id.to_owned(), actor.clone());
    let actor = who.name.clone();
    let view = db
        .write_tx(move |tx| {
            Box::pin(async move {
                let mut out = ResultsView::default();
                for (line, reported) in lines.iter().zip(statuses) {
                    let status = match reported {
                        ReportedStatus::Paid => LineStatus::Paid,
                        ReportedStatus::Failed => LineStatus::Failed,
                    };
                    let Some((current, amount)) = store::line(tx, &id, &line.grant_id).await?
                    else {
                        out.mismatches.push(ResultMismatch {
                            grant_id: line.grant_id.clone(),
                            problem: "not in this batch".into(),
                        });
                        continue;
                    };
                    if current == status {
                        out.unchanged += 1;
                        continue;
                    }
                    if current != LineStatus::Pending {
                        out.mismatches.push(ResultMismatch {
                            grant_id: line.grant_id.clone(),
                            problem: format!("already {current}, now reported {status}"),
                        });
                        let note = format!("conflicting result: {status}");
                        store::note_conflict(tx, &id, &line.grant_id, &note).await?;
                        continue;
                    }
                    let provider_ref = line.provider_ref.as_deref();
                    store::settle_line(tx, &id, &line.grant_id, status, provider_ref, now).await?;
                    let event = if status == LineStatus::Paid {
                        store::mark_paid(tx, &line.grant_id, provider_ref, now).await?;
                        out.paid += 1;
                        LedgerEvent::Paid
                    } else {
                        out.failed += 1;
                        LedgerEvent::Failed
                    };
                    let entry = Entry {
                        grant_id: &line.grant_id,
                        campaign_id: &campaign_id,
                        event,
                        amount,
                        actor: &actor,
                        note: provider_ref.unwrap_or(&id),
                        at: now,
                    };
                    store::append(tx, &entry).await?;
                    if event == LedgerEvent::Failed {
                        if let Some(amount) = store::requeue(tx, &line.grant_id, now).await? {
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
                }
                let c = Some(campaign_id.as_str());
                audit::record(tx, &who, "payout.results", c, &id, None, snapshot(&out)).await?;
                Ok::<_, anyhow::Error>(out)
            })
        })
        .await?;
    Ok(view)
}

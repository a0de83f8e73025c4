//! Payout batches. A batch takes every granted, unpaid cash grant; its merchant batch id
//! and line numbers are stored before the file reaches the payment provider, so a retry
//! sends the same lines and nothing is paid twice. Failed lines go back to the next
//! batch; a result that contradicts an earlier one is kept as a mismatch.

use chrono::Utc;

use super::model::LedgerEvent;
use super::payout_store::{self as store, Entry, NewPayout};
use super::views::PayoutView;
use crate::audit::{self, Actor};
use crate::campaigns::Campaign;
use crate::db::time::to_ms;
use crate::db::Db;
use crate::http::error::ApiError;

/// WeChat Pay red envelopes carry 1 to 200 yuan each.
const WECHAT_MIN: i64 = 100;
const WECHAT_MAX: i64 = 20_000;

/// 16 upper-case letters and digits: the creation millisecond and 41 random bits, in
/// base 36. The batch id is `PB` and the key (18 characters); each line's merchant
/// detail id (`out_detail_no`) is the key and the line number in six digits (22
/// characters for up to 999,999 lines): within WeChat Pay's 5-32 letters and digits and
/// Alipay's 22-character merchant serial number, unique across batches.
fn batch_key() -> String {
    fn base36(mut n: u128, width: usize) -> String {
        let digits = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let mut out = vec![b'0'; width];
        for slot in out.iter_mut().rev() {
            *slot = digits[(n % 36) as usize];
            n /= 36;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    let uuid = uuid::Uuid::now_v7().as_u128();
    let (millis, random) = (uuid >> 80, uuid & ((1 << 41) - 1));
    format!("{}{}", base36(millis, 8), base36(random, 8))
}

pub(super) fn wechat_note(amount: i64) -> &'static str {
    match amount {
        a if a < WECHAT_MIN => "below_wechat_red_envelope_minimum",
        a if a > WECHAT_MAX => "above_wechat_red_envelope_maximum",
        _ => "",
    }
}

/// A new batch of every granted cash grant of the campaign, in one transaction.
pub async fn create(db: &Db, campaign: &Campaign, actor: &Actor) -> Result<PayoutView, ApiError> {
    let key = batch_key();
    let id = format!("PB{key}");
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
                for (i, (grant_id, amount)) in taken.iter().enumerate() {
                    let line_no = i as i64 + 1;
                    let detail = format!("{key}{line_no:06}");
                    let line = (line_no, detail.as_str());
                    store::insert_line(tx, &payout_id, grant_id, line, *amount, now).await?;
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

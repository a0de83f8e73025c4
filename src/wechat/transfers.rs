//! Cash rewards paid by WeChat Pay transfer. Each tick: granted cash grants of
//! participants with an openid get a transfer row (limits checked first, the reason kept
//! when one holds it back), then transfers due are claimed one at a time with a lease,
//! sent or polled, and their final state lands in the journal once (see
//! `transfer_store::record`). A grant held back stays `granted` for the file payout.

use chrono::{DateTime, Utc};

use super::held_transfers::{self as held, Day, Release};
use super::pay::{self, Bill, PayError, SceneInfo, TransferRequest};
use super::transfer_store::{self as store, NewTransfer, Transfer};
use crate::config::WechatPay;
use crate::db::time::to_ms;
use crate::http::client::crop;
use crate::state::AppState;

/// WeChat Pay's smallest transfer, in fen.
pub const MIN_TRANSFER: i64 = 10;
const BATCH: i64 = 50;

/// Errors after which the same request is simply sent again later.
fn retry_later(e: &PayError) -> bool {
    match e.code() {
        Some(code) => matches!(code, "FREQUENCY_LIMITED" | "SYSTEM_ERROR" | "NOT_ENOUGH"),
        None => true,
    }
}

/// Runs one round; returns how many transfers moved.
pub async fn run(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let (Some(pay), Some(oauth)) = (&state.settings.wechat.pay, &state.settings.wechat.oauth)
    else {
        return Ok(0);
    };
    super::certificates::refresh_if_due(&state.wechat, pay, now).await;
    let offset = state.settings.report_utc_offset_minutes;
    let mut moved = enqueue(state, pay, now, offset).await?;
    moved += release_held(state, pay, now, offset).await?;
    for out_bill_no in store::due(&state.db, to_ms(now), BATCH).await? {
        // Sent or asked about again after this; a second send under the same out_bill_no
        // only gets the same bill back.
        let lease = to_ms(now) + i64::try_from(pay.poll_secs * 1000).unwrap_or(i64::MAX);
        let Some(transfer) = store::claim(&state.db, &out_bill_no, to_ms(now), lease).await? else {
            continue;
        };
        if work(state, pay, &oauth.app_id, &transfer, now).await? {
            moved += 1;
        }
    }
    Ok(moved)
}

/// What a transfer is checked against before it is sent, in fen.
#[derive(Debug, Clone, Copy)]
struct Limits {
    max: i64,
    daily: i64,
    real_name_from: i64,
}

impl Limits {
    fn of(pay: &WechatPay) -> Self {
        Limits {
            max: pay.max_transfer,
            daily: pay.user_daily_limit,
            real_name_from: pay.real_name_from,
        }
    }

    fn over_daily(&self, amount: i64, sent_today: i64) -> bool {
        sent_today + amount > self.daily
    }
}

/// Why a new transfer must wait, if it must. A large one waits for the payee's real name
/// before the daily limit is looked at (a release only looks at the limit).
fn held_reason(amount: i64, sent_today: i64, limits: Limits) -> Option<&'static str> {
    if amount < MIN_TRANSFER {
        Some("below_wechat_transfer_minimum")
    } else if amount > limits.max {
        Some("above_wechat_transfer_maximum")
    } else if amount >= limits.real_name_from {
        Some(super::real_name::REQUIRED)
    } else if limits.over_daily(amount, sent_today) {
        Some(held::DAILY_LIMIT)
    } else {
        None
    }
}

const DAY_MS: i64 = 86_400_000;

/// The start of the reporting day `now` falls in, in ms.
fn day_start(now: DateTime<Utc>, offset_minutes: i32) -> i64 {
    let shift = i64::from(offset_minutes) * 60_000;
    (to_ms(now) + shift).div_euclid(DAY_MS) * DAY_MS - shift
}

/// Held transfers whose day is over go out if today's limit allows; returns how many.
async fn release_held(
    state: &AppState,
    pay: &WechatPay,
    now: DateTime<Utc>,
    offset: i32,
) -> anyhow::Result<u64> {
    let start = day_start(now, offset);
    let day = Day {
        now: to_ms(now),
        start,
        next: start + DAY_MS,
    };
    let limits = Limits::of(pay);
    let mut released = 0;
    for out_bill_no in held::due(&state.db, day.now, BATCH).await? {
        let outcome = state
            .db
            .write_tx(move |tx| {
                Box::pin(async move {
                    held::release(tx, &out_bill_no, day, |amount, sent| {
                        limits.over_daily(amount, sent)
                    })
                    .await
                })
            })
            .await?;
        released += u64::from(outcome == Release::Released);
    }
    Ok(released)
}

async fn enqueue(
    state: &AppState,
    pay: &WechatPay,
    now: DateTime<Utc>,
    offset: i32,
) -> anyhow::Result<u64> {
    let mut stored = 0;
    for payable in store::payable(&state.db, BATCH).await? {
        let limits = Limits::of(pay);
        let (at, day_start) = (to_ms(now), day_start(now, offset));
        let next_day = day_start + DAY_MS;
        let inserted = state
            .db
            .write_tx(move |tx| {
                Box::pin(async move {
                    let out_bill_no = uuid::Uuid::now_v7().simple().to_string();
                    let remark = crop(&payable.title, 32).to_owned();
                    let new = NewTransfer {
                        out_bill_no: &out_bill_no,
                        remark: &remark,
                        payable: &payable,
                        now: at,
                        day_start,
                        next_day,
                    };
                    store::insert(tx, &new, |sent| held_reason(payable.amount, sent, limits)).await
                })
            })
            .await?;
        stored += u64::from(inserted);
    }
    Ok(stored)
}

fn request(pay: &WechatPay, app_id: &str, t: &Transfer) -> TransferRequest {
    TransferRequest {
        appid: app_id.to_owned(),
        out_bill_no: t.out_bill_no.clone(),
        transfer_scene_id: pay.transfer_scene_id.clone(),
        openid: t.openid.clone(),
        transfer_amount: t.amount,
        transfer_remark: t.remark.clone(),
        notify_url: pay.notify_url.clone(),
        user_recv_perception: "活动奖励".into(),
        transfer_scene_report_infos: vec![
            SceneInfo {
                info_type: "活动名称".into(),
                info_content: t.remark.clone(),
            },
            SceneInfo {
                info_type: "奖励说明".into(),
                info_content: "邀请好友奖励".into(),
            },
        ],
        user_name: t.user_name_cipher.clone(),
    }
}

/// Sends a stored transfer, or asks how an open one stands; true when its state moved.
async fn work(
    state: &AppState,
    pay: &WechatPay,
    app_id: &str,
    t: &Transfer,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let wechat = &state.wechat;
    let answer = if t.state == "created" {
        let sealed_for = t.user_name_serial.as_deref();
        match pay::create_transfer(wechat, pay, &request(pay, app_id, t), sealed_for).await {
            Ok(bill) => Ok(Some(bill)),
            Err(e) if retry_later(&e) => Err(e),
            // Refused: WeChat Pay may still hold a bill under this number (a duplicate
            // after a lost answer); without one, no money moved and the transfer failed.
            Err(e) => match pay::query_transfer(wechat, pay, &t.out_bill_no).await {
                Ok(None) => Ok(Some(Bill {
                    out_bill_no: t.out_bill_no.clone(),
                    transfer_bill_no: None,
                    state: "FAIL".into(),
                    package_info: None,
                    fail_reason: Some(e.code().unwrap_or("REFUSED").to_owned()),
                })),
                other => other,
            },
        }
    } else {
        pay::query_transfer(wechat, pay, &t.out_bill_no).await
    };
    let at = to_ms(now);
    match answer {
        Ok(Some(bill)) if bill.out_bill_no == t.out_bill_no => {
            let moved = bill.state != t.state;
            store::record(&state.db, bill, at).await?;
            Ok(moved)
        }
        Ok(_) => {
            store::note_problem(&state.db, &t.out_bill_no, "NOT_FOUND", at).await?;
            Ok(false)
        }
        Err(e) => {
            tracing::warn!(error = %e, out_bill_no = %t.out_bill_no, "WeChat Pay transfer call failed; retrying later");
            let problem = e.code().unwrap_or("UNREACHABLE").to_owned();
            store::note_problem(&state.db, &t.out_bill_no, &problem, at).await?;
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_hold_a_transfer_back_with_the_reason() {
        let limits = Limits {
            max: 300_000,
            daily: 30_000,
            real_name_from: 200_000,
        };
        let held = |amount, sent| held_reason(amount, sent, limits);
        assert_eq!(held(9, 0), Some("below_wechat_transfer_minimum"));
        assert_eq!(held(300_001, 0), Some("above_wechat_transfer_maximum"));
        assert_eq!(held(200_000, 0), Some("real_name_required"));
        let limits = Limits {
            max: 20_000,
            ..limits
        };
        let held = |amount, sent| held_reason(amount, sent, limits);
        assert_eq!(held(20_001, 0), Some("above_wechat_transfer_maximum"));
        assert_eq!(held(10_001, 20_000), Some("user_daily_limit"));
        assert_eq!(held(10_000, 20_000), None);
        assert_eq!(held(10, 0), None);
    }

    #[test]
    fn the_day_starts_at_midnight_in_the_reporting_zone() {
        // 2026-12-03 17:00 UTC is 2026-12-04 01:00 in Beijing: its day began 16:00 UTC.
        let now = DateTime::parse_from_rfc3339("2026-12-03T17:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let start = DateTime::parse_from_rfc3339("2026-12-03T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(day_start(now, 480), to_ms(start));
    }
}

//! WeChat Pay transfers as stored: each row is written with its out_bill_no before
//! WeChat Pay hears of it, claimed by one server at a time with a lease, and settled
//! once: the conditional `settled_at IS NULL` update decides which caller writes the
//! journal entry, whether the answer came by callback, by polling, or from two servers.

use anyhow::Context;

use super::pay::Bill;
use crate::db::{Db, Tx};
use crate::rewards::model::LedgerEvent;
use crate::rewards::payout_store::{self, Entry};
use crate::{on_tx, with_db};

/// Who the journal says acted.
pub const ACTOR: &str = "wechat-pay";

/// A cash grant that can go to WeChat Pay.
#[derive(Debug, sqlx::FromRow)]
pub struct Payable {
    pub grant_id: String,
    pub campaign_id: String,
    pub participant_id: String,
    pub amount: i64,
    pub openid: String,
    pub title: String,
}

/// Granted cash grants of participants with an openid, not yet given to WeChat Pay.
pub async fn payable(db: &Db, limit: i64) -> anyhow::Result<Vec<Payable>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT g.id AS grant_id, g.campaign_id, g.participant_id, g.amount, w.openid, c.title FROM grants g \
             JOIN wechat_identities w ON w.participant_id = g.participant_id JOIN campaigns c ON c.id = g.campaign_id \
             LEFT JOIN wechat_transfers t ON t.grant_id = g.id \
             WHERE g.status = 'granted' AND g.reward_type = 'cash' AND g.currency = 'CNY' AND t.grant_id IS NULL \
             ORDER BY g.granted_at LIMIT $1",
        )
        .bind(limit)
        .fetch_all(pool)
        .await
        .context("finding grants to pay by WeChat Pay")
    })
}

/// A new transfer, stored before WeChat Pay hears of it.
pub struct NewTransfer<'a> {
    pub out_bill_no: &'a str,
    pub remark: &'a str,
    pub payable: &'a Payable,
    pub now: i64,
    /// The start of the payee's day, for the daily limit, and of the next (when a
    /// transfer held by the limit is tried again).
    pub day_start: i64,
    pub next_day: i64,
}

/// Stores the transfer, then checks the limits with `held` (given the amount sent to
/// the openid today before this one): a reason holds it back, kept on the row; else the
/// grant moves to `paying` with a journal entry. False when another server stored a
/// transfer for this grant first. The insert comes first, so on SQLite the transaction
/// holds the write lock before it reads.
pub async fn insert(
    tx: &mut Tx<'_>,
    t: &NewTransfer<'_>,
    held: impl FnOnce(i64) -> Option<&'static str>,
) -> anyhow::Result<bool> {
    let p = t.payable;
    let inserted = on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO wechat_transfers (out_bill_no, grant_id, campaign_id, participant_id, openid, amount, remark, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'created', $8, $8) ON CONFLICT DO NOTHING",
        )
        .bind(t.out_bill_no)
        .bind(&p.grant_id)
        .bind(&p.campaign_id)
        .bind(&p.participant_id)
        .bind(&p.openid)
        .bind(p.amount)
        .bind(t.remark)
        .bind(t.now)
        .execute(&mut *conn)
        .await
        .context("storing a transfer")?
        .rows_affected()
            == 1
    });
    if !inserted {
        return Ok(false);
    }
    let sent = sent_today(tx, &p.openid, t.day_start, t.out_bill_no).await?;
    if let Some(reason) = held(sent) {
        on_tx!(tx, |conn| {
            sqlx::query("UPDATE wechat_transfers SET state = 'held', held_reason = $1, lease_until = $2 WHERE out_bill_no = $3")
                .bind(reason)
                .bind(t.next_day)
                .bind(t.out_bill_no)
                .execute(&mut *conn)
                .await
                .context("holding a transfer back")?;
        });
        return Ok(true);
    }
    let note = format!("wechat transfer {}", t.out_bill_no);
    let grant = GrantTaken {
        grant_id: &p.grant_id,
        campaign_id: &p.campaign_id,
        amount: p.amount,
        out_bill_no: t.out_bill_no,
    };
    if !take_grant(tx, &grant, &note, t.now).await? {
        anyhow::bail!("grant {} is no longer granted", p.grant_id);
    }
    Ok(true)
}

/// What the payee was sent today (transfers counted on the day they were stored, or
/// released), other than `except`. On PostgreSQL this first waits for the payee's other
/// transfers being stored: two servers adding up one payee's day at once would each
/// miss the other's uncommitted transfer and both pass the daily limit. SQLite has one
/// writer, and the caller's first statement was a write.
pub(super) async fn sent_today(
    tx: &mut Tx<'_>,
    openid: &str,
    day_start: i64,
    except: &str,
) -> anyhow::Result<i64> {
    if let Tx::Postgres(inner) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(openid)
            .execute(&mut **inner)
            .await
            .context("waiting for the payee's other transfers")?;
    }
    Ok(on_tx!(tx, |conn| {
        sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM wechat_transfers WHERE openid = $1 \
             AND COALESCE(released_at, created_at) >= $2 AND out_bill_no <> $3 AND state NOT IN ('held', 'superseded', 'FAIL', 'CANCELLED')",
        )
        .bind(openid)
        .bind(day_start)
        .bind(except)
        .fetch_one(&mut *conn)
        .await
        .context("adding up today's transfers")?
    }))
}

/// A grant going into a transfer.
pub(super) struct GrantTaken<'a> {
    pub grant_id: &'a str,
    pub campaign_id: &'a str,
    pub amount: i64,
    pub out_bill_no: &'a str,
}

/// Moves the grant to `paying` under the transfer, with its journal entry; false when
/// the grant is no longer `granted` (paid by file, or revoked).
pub(super) async fn take_grant(
    tx: &mut Tx<'_>,
    g: &GrantTaken<'_>,
    note: &str,
    now: i64,
) -> anyhow::Result<bool> {
    let taken = on_tx!(tx, |conn| {
        sqlx::query("UPDATE grants SET status = 'paying', provider_ref = $1 WHERE id = $2 AND status = 'granted'")
            .bind(g.out_bill_no)
            .bind(g.grant_id)
            .execute(&mut *conn)
            .await
            .context("taking a grant into a transfer")?
            .rows_affected()
    });
    if taken != 1 {
        return Ok(false);
    }
    let entry = Entry {
        grant_id: g.grant_id,
        campaign_id: g.campaign_id,
        event: LedgerEvent::Batched,
        amount: g.amount,
        actor: ACTOR,
        note,
        at: now,
    };
    payout_store::append(tx, &entry).await?;
    Ok(true)
}

/// A transfer being worked on.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Transfer {
    pub out_bill_no: String,
    pub grant_id: String,
    pub campaign_id: String,
    pub openid: String,
    pub amount: i64,
    pub remark: String,
    pub state: String,
    /// The payee's real name sealed for WeChat Pay, and the key's serial (large transfers).
    pub user_name_cipher: Option<String>,
    pub user_name_serial: Option<String>,
}

/// Transfers due for work (to send, or to poll), oldest first.
pub async fn due(db: &Db, now: i64, limit: i64) -> anyhow::Result<Vec<String>> {
    with_db!(db, read, |pool| {
        sqlx::query_scalar(
            "SELECT out_bill_no FROM wechat_transfers WHERE settled_at IS NULL AND state <> 'held' AND lease_until <= $1 \
             ORDER BY created_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await
        .context("finding transfers due")
    })
}

/// Takes the lease on one transfer until `until`; `None` when another server has it.
pub async fn claim(
    db: &Db,
    out_bill_no: &str,
    now: i64,
    until: i64,
) -> anyhow::Result<Option<Transfer>> {
    let no = out_bill_no.to_owned();
    db.write_tx(move |tx| {
        Box::pin(async move {
            on_tx!(tx, |conn| {
                sqlx::query_as(
                    "UPDATE wechat_transfers SET lease_until = $1, attempts = attempts + 1 \
                     WHERE out_bill_no = $2 AND settled_at IS NULL AND state <> 'held' AND lease_until <= $3 \
                     RETURNING out_bill_no, grant_id, campaign_id, openid, amount, remark, state, user_name_cipher, user_name_serial",
                )
                .bind(until)
                .bind(&no)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
            })
        })
    })
    .await
    .context("claiming a transfer")
}

/// Notes why a call did not go through (retried when the lease runs out).
pub async fn note_problem(
    db: &Db,
    out_bill_no: &str,
    problem: &str,
    now: i64,
) -> anyhow::Result<()> {
    let (no, problem) = (out_bill_no.to_owned(), problem.to_owned());
    db.write_tx(move |tx| {
        Box::pin(async move {
            on_tx!(tx, |conn| {
                sqlx::query("UPDATE wechat_transfers SET fail_reason = $1, updated_at = $2 WHERE out_bill_no = $3 AND settled_at IS NULL")
                    .bind(&problem)
                    .bind(now)
                    .bind(&no)
                    .execute(&mut *conn)
                    .await?;
            });
            Ok::<_, sqlx::Error>(())
        })
    })
    .await
    .context("noting a transfer problem")
}

/// Records what WeChat Pay says about a bill; a final state settles the transfer and
/// writes the journal, once. Returns whether this call settled it.
pub async fn record(db: &Db, bill: Bill, now: i64) -> anyhow::Result<bool> {
    db.write_tx(move |tx| Box::pin(async move { record_in(tx, &bill, now).await }))
        .await
}

async fn record_in(tx: &mut Tx<'_>, bill: &Bill, now: i64) -> anyhow::Result<bool> {
    let final_state = bill.is_final();
    let settled: Option<(String, String, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "UPDATE wechat_transfers SET state = $1, transfer_bill_no = COALESCE($2, transfer_bill_no), \
             package_info = COALESCE($3, package_info), fail_reason = $4, updated_at = $5, \
             settled_at = CASE WHEN $6 THEN $5 ELSE NULL END \
             WHERE out_bill_no = $7 AND settled_at IS NULL RETURNING grant_id, campaign_id, amount",
        )
        .bind(&bill.state)
        .bind(bill.transfer_bill_no.as_deref())
        .bind(bill.package_info.as_deref())
        .bind(bill.fail_reason.as_deref())
        .bind(now)
        .bind(final_state)
        .bind(&bill.out_bill_no)
        .fetch_optional(&mut *conn)
        .await
        .context("recording a transfer's state")?
    });
    let (Some((grant_id, campaign_id, amount)), true) = (settled, final_state) else {
        return Ok(false);
    };
    let paid = bill.state == "SUCCESS";
    let reference = bill
        .transfer_bill_no
        .as_deref()
        .unwrap_or(&bill.out_bill_no);
    let why = format!(
        "{} {}",
        bill.state,
        bill.fail_reason.as_deref().unwrap_or("")
    )
    .trim()
    .to_owned();
    if paid {
        payout_store::mark_paid(tx, &grant_id, Some(reference), now).await?;
    }
    let entry = Entry {
        grant_id: &grant_id,
        campaign_id: &campaign_id,
        event: if paid {
            LedgerEvent::Paid
        } else {
            LedgerEvent::Failed
        },
        amount,
        actor: ACTOR,
        note: if paid { reference } else { &why },
        at: now,
    };
    payout_store::append(tx, &entry).await?;
    if !paid {
        if let Some(revoked) = payout_store::requeue(tx, &grant_id, now).await? {
            let note = "revoked while its transfer was open; the transfer did not complete";
            payout_store::append(
                tx,
                &Entry {
                    event: LedgerEvent::Revoked,
                    amount: revoked,
                    note,
                    ..entry
                },
            )
            .await?;
        }
    }
    Ok(true)
}

/// Transfers waiting for the person to confirm receipt: (out_bill_no, amount, package_info).
pub async fn waiting_for(
    db: &Db,
    participant_id: &str,
) -> anyhow::Result<Vec<(String, i64, String)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT out_bill_no, amount, package_info FROM wechat_transfers WHERE participant_id = $1 \
             AND state = 'WAIT_USER_CONFIRM' AND package_info IS NOT NULL ORDER BY created_at",
        )
        .bind(participant_id)
        .fetch_all(pool)
        .await
        .context("reading transfers to confirm")
    })
}

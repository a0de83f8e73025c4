//! The files finance pays a batch from. They name the payees (full phone number and
//! name; the WeChat openid column stays empty until openids are collected), so only the
//! finance and admin roles get them (the route's access) and every download is written
//! to the audit log before the file leaves.
//!
//! - `standard`: every line with its status, amounts in fen and in yuan.
//! - `alipay`: Alipay's batch transfer template (批量付款到支付宝账户): a batch header
//!   (批次号, 付款日期, 付款人email, 账户名称, 总金额（元）, 总笔数; the payer's email and
//!   account name are left for finance to fill in), then one line per payee (商户流水号 =
//!   `out_detail_no`, 收款人email = the phone number as Alipay account, 收款人姓名,
//!   付款金额（元）, 付款理由). Only lines still `pending`: a line paid or failed is never
//!   in a file to pay again.

use chrono::Utc;

use super::export_csv::neutralise;
use super::finance_format::{beijing_text, yuan};
use super::model::{LineStatus, PayoutLine};
use super::payout_store as store;
use super::payouts::wechat_note;
use crate::audit::{self, Actor};
use crate::db::time::to_ms;
use crate::db::Db;
use crate::http::error::{ApiError, ErrorCode};
use crate::participants::phone::mask;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutFormat {
    Standard,
    Alipay,
}

impl PayoutFormat {
    pub fn parse(raw: Option<&str>) -> Result<PayoutFormat, ApiError> {
        match raw {
            None | Some("standard") => Ok(PayoutFormat::Standard),
            Some("alipay") => Ok(PayoutFormat::Alipay),
            Some(_) => Err(ApiError::bad_request(
                ErrorCode::InvalidQuery,
                "format must be standard or alipay",
            )),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            PayoutFormat::Standard => "standard",
            PayoutFormat::Alipay => "alipay",
        }
    }
}

pub const STANDARD_COLUMNS: [&str; 13] = [
    "out_batch_no",
    "out_detail_no",
    "grant_id",
    "participant_code",
    "phone_masked",
    "amount",
    "currency",
    "status",
    "note",
    "payee_phone",
    "payee_name",
    "wechat_openid",
    "amount_yuan",
];

fn standard(id: &str, lines: &[PayoutLine]) -> Vec<Vec<String>> {
    let mut rows = vec![STANDARD_COLUMNS.iter().map(|c| c.to_string()).collect()];
    for l in lines {
        let phone = l.phone.clone().unwrap_or_default();
        rows.push(vec![
            id.to_owned(),
            l.out_detail_no.clone(),
            l.grant_id.clone(),
            l.code.clone(),
            l.phone.as_deref().map(mask).unwrap_or_default(),
            l.amount.to_string(),
            l.currency.clone(),
            l.status.as_str().to_owned(),
            wechat_note(l.amount).to_owned(),
            phone,
            l.name.clone().unwrap_or_default(),
            String::new(),
            yuan(l.amount),
        ]);
    }
    rows
}

fn alipay(id: &str, title: &str, lines: &[PayoutLine], now_ms: i64) -> Vec<Vec<String>> {
    let pending: Vec<&PayoutLine> = lines
        .iter()
        .filter(|l| l.status == LineStatus::Pending)
        .collect();
    let total: i64 = pending.iter().map(|l| l.amount).sum();
    let day: String = beijing_text(now_ms)
        .chars()
        .filter(char::is_ascii_digit)
        .take(8)
        .collect();
    let reason: String = format!("{title}奖励").chars().take(100).collect();
    let texts = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let mut rows = vec![
        texts(&[
            "批次号",
            "付款日期",
            "付款人email",
            "账户名称",
            "总金额（元）",
            "总笔数",
        ]),
        vec![
            id.to_owned(),
            day,
            String::new(),
            String::new(),
            yuan(total),
            pending.len().to_string(),
        ],
        texts(&[
            "商户流水号",
            "收款人email",
            "收款人姓名",
            "付款金额（元）",
            "付款理由",
        ]),
    ];
    for l in pending {
        rows.push(vec![
            l.out_detail_no.clone(),
            l.phone.clone().unwrap_or_default(),
            l.name.clone().unwrap_or_default(),
            yuan(l.amount),
            reason.clone(),
        ]);
    }
    rows
}

/// Writes the download to the audit log before the file leaves.
async fn audit_download(
    db: &Db,
    actor: &Actor,
    (campaign_id, id): (&str, &str),
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    let (who, campaign_id, id) = (actor.clone(), campaign_id.to_owned(), id.to_owned());
    db.write_tx(move |tx| {
        Box::pin(async move {
            let c = Some(campaign_id.as_str());
            audit::record(
                tx,
                &who,
                "payout.file_downloaded",
                c,
                &id,
                None,
                Some(detail),
            )
            .await
        })
    })
    .await?;
    Ok(())
}

/// The batch file in `format`, audited as downloaded by `actor`: CSV, UTF-8 with BOM.
pub async fn file(
    db: &Db,
    id: &str,
    format: PayoutFormat,
    actor: &Actor,
) -> Result<Vec<u8>, ApiError> {
    let (campaign_id, title) = store::batch(db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("payout"))?;
    let lines = store::lines(db, id).await?;
    let now = to_ms(Utc::now());
    let rows = match format {
        PayoutFormat::Standard => standard(id, &lines),
        PayoutFormat::Alipay => alipay(id, &title, &lines, now),
    };
    let detail = serde_json::json!({"format": format.as_str(), "lines": lines.len()});
    audit_download(db, actor, (&campaign_id, id), detail).await?;
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        // The Alipay template's header rows are shorter than its lines.
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        for row in rows {
            let row = row.iter().map(|c| neutralise(c).into_owned());
            writer.write_record(row).map_err(ApiError::internal)?;
        }
        writer.flush().map_err(ApiError::internal)?;
    }
    Ok(out)
}

//! The payment provider's own result file, as downloaded from Alipay's batch transfer
//! (批量付款结果) or WeChat Pay's transfer detail list: a CSV (UTF-8, with or without a
//! BOM, or GBK as Excel saves it in China) whose header row (after any batch summary
//! rows) names the merchant detail id, the status and, optionally, the provider's own
//! reference and the failure reason. Lines are keyed by `out_detail_no`; lines that are
//! not final yet ("处理中") are reported and left pending.

use super::model::LineStatus;
use super::payout_results::{Reported, MAX_RESULTS};
use super::payout_store::LineKey;
use super::views::{ResultMismatch, ResultsView};
use crate::http::error::{ApiError, ErrorCode};

const DETAIL: &[&str] = &[
    "out_detail_no",
    "商户流水号",
    "商户明细流水号",
    "商户明细单号",
    "商家明细单号",
    "out_biz_no",
];
const STATUS: &[&str] = &[
    "status",
    "detail_status",
    "状态",
    "处理状态",
    "付款状态",
    "明细状态",
];
const REFERENCE: &[&str] = &[
    "provider_ref",
    "支付宝流水号",
    "支付宝内部流水号",
    "微信明细单号",
    "detail_id",
    "pay_fund_order_id",
];
const REASON: &[&str] = &["fail_reason", "失败原因", "error_msg"];

const PAID: &[&str] = &[
    "paid",
    "success",
    "成功",
    "付款成功",
    "支付成功",
    "转账成功",
    "已成功",
];
const FAILED: &[&str] = &[
    "failed",
    "fail",
    "失败",
    "付款失败",
    "支付失败",
    "转账失败",
    "已失败",
    "退票",
    "closed",
];

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid(ErrorCode::InvalidResults, message)
}

/// The text of the file: UTF-8 (a BOM dropped) or else GBK.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::GBK.decode(bytes).0.into_owned(),
    }
}

fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
}

fn status_of(raw: &str) -> Option<LineStatus> {
    let is = |words: &[&str]| words.iter().any(|w| raw.eq_ignore_ascii_case(w));
    if is(PAID) {
        Some(LineStatus::Paid)
    } else if is(FAILED) {
        Some(LineStatus::Failed)
    } else {
        None
    }
}

/// The file's final results, and in the view the lines that are not final.
pub fn parse(bytes: &[u8]) -> Result<(Vec<Reported>, ResultsView), ApiError> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut header: Option<(usize, usize, Option<usize>, Option<usize>)> = None;
    let (mut results, mut view) = (Vec::new(), ResultsView::default());
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| invalid(format!("line {}: {e}", n + 1)))?;
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        let Some((detail, status, reference, reason)) = header else {
            if let (Some(d), Some(s)) = (column(&cells, DETAIL), column(&cells, STATUS)) {
                header = Some((d, s, column(&cells, REFERENCE), column(&cells, REASON)));
            }
            continue;
        };
        let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or_default();
        let optional = |i: Option<usize>| i.map(cell).filter(|c| !c.is_empty()).map(str::to_owned);
        if cell(detail).is_empty() {
            continue;
        }
        let key = LineKey::Detail(cell(detail).to_owned());
        match status_of(cell(status)) {
            Some(final_status) => results.push(Reported {
                key,
                status: final_status,
                provider_ref: optional(reference),
                reason: optional(reason),
            }),
            None => view.mismatches.push(ResultMismatch {
                grant_id: None,
                out_detail_no: Some(cell(detail).to_owned()),
                problem: format!("not final: {}", cell(status)),
            }),
        }
        if results.len() + view.mismatches.len() > MAX_RESULTS {
            return Err(invalid(format!("send 1 to {MAX_RESULTS} results")));
        }
    }
    if header.is_none() {
        return Err(invalid(
            "no header row naming out_detail_no (商户流水号) and status (状态)",
        ));
    }
    if results.is_empty() && view.mismatches.is_empty() {
        return Err(invalid(format!("send 1 to {MAX_RESULTS} results")));
    }
    Ok((results, view))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alipay_result_file_with_a_summary_and_gbk_text_is_read() {
        let file = "批次号,总笔数\nPB1,3\n商户流水号,收款人email,收款人姓名,付款金额（元）,状态,失败原因,支付宝流水号\n\
                    K1000001,13900000001,张三,1.50,成功,,2088001\nK1000002,13900000002,李四,1.50,失败,姓名不符,\n\
                    K1000003,13900000003,王五,1.50,处理中,,\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(file);
        for bytes in [file.as_bytes(), &gbk[..]] {
            let (results, view) = parse(bytes).unwrap();
            assert_eq!(results.len(), 2);
            assert_eq!(results[0].status, LineStatus::Paid);
            assert_eq!(results[0].provider_ref.as_deref(), Some("2088001"));
            assert_eq!(results[1].status, LineStatus::Failed);
            assert_eq!(results[1].reason.as_deref(), Some("姓名不符"));
            assert_eq!(view.mismatches[0].problem, "not final: 处理中");
        }
    }

    #[test]
    fn a_file_without_the_columns_is_refused() {
        assert!(parse(b"a,b\n1,2\n").is_err());
        assert!(parse("商户流水号,状态\n".as_bytes()).is_err());
    }
}

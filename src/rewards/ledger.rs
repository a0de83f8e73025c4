//! The rows of the finance exports and their columns: the ledger (every grant with its
//! current state) and the journal (every ledger entry as written). Each row reads two
//! ways: the contract's columns (fen, RFC 3339 UTC) for API clients, and the finance
//! layout (yuan, Beijing time, Chinese or English headers). Phones are masked in both.

use super::finance_format::{rfc3339, Cell, Lang};
use super::model::{GrantStatus, JournalRow, LedgerEvent, LedgerRow, RewardType};
use crate::participants::phone::mask;

pub const COLUMNS: [&str; 11] = [
    "grant_id",
    "participant_code",
    "phone_masked",
    "rule_id",
    "reward_type",
    "amount",
    "currency",
    "status",
    "granted_at",
    "paid_at",
    "payout_id",
];

pub const JOURNAL_COLUMNS: [&str; 8] = [
    "at",
    "grant_id",
    "participant_code",
    "phone_masked",
    "kind",
    "amount",
    "actor",
    "note",
];

/// An export's columns in each layout.
pub struct Columns {
    pub contract: &'static [&'static str],
    pub zh: &'static [&'static str],
    pub en: &'static [&'static str],
    /// Spreadsheet column widths, in characters.
    pub widths: &'static [f64],
    /// The amount column, summed in the total row.
    pub amount: usize,
    pub sheet: &'static str,
}

impl Columns {
    pub fn finance(&self, lang: Lang) -> &'static [&'static str] {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }
}

pub const LEDGER: Columns = Columns {
    contract: &COLUMNS,
    zh: &[
        "活动",
        "发放编号",
        "参与者编码",
        "手机号（脱敏）",
        "规则",
        "奖励类型",
        "金额（元）",
        "积分",
        "币种",
        "状态",
        "发放时间（北京时间）",
        "支付时间（北京时间）",
        "付款批次",
    ],
    en: &[
        "Campaign",
        "Grant ID",
        "Participant",
        "Phone (masked)",
        "Rule",
        "Reward type",
        "Amount (yuan)",
        "Points",
        "Currency",
        "Status",
        "Granted at (Beijing time)",
        "Paid at (Beijing time)",
        "Payout batch",
    ],
    widths: &[
        14.0, 38.0, 12.0, 15.0, 10.0, 10.0, 12.0, 8.0, 6.0, 10.0, 20.0, 20.0, 36.0,
    ],
    amount: 6,
    sheet: "ledger",
};

pub const JOURNAL: Columns = Columns {
    contract: &JOURNAL_COLUMNS,
    zh: &[
        "时间（北京时间）",
        "活动",
        "发放编号",
        "参与者编码",
        "手机号（脱敏）",
        "类型",
        "金额（元）",
        "积分",
        "操作人",
        "备注",
    ],
    en: &[
        "Time (Beijing time)",
        "Campaign",
        "Grant ID",
        "Participant",
        "Phone (masked)",
        "Entry",
        "Amount (yuan)",
        "Points",
        "Actor",
        "Note",
    ],
    widths: &[20.0, 14.0, 38.0, 12.0, 15.0, 14.0, 12.0, 8.0, 16.0, 30.0],
    amount: 6,
    sheet: "journal",
};

/// A row of an export, and where the next page starts after it.
pub trait ExportRow: Send + 'static {
    type Cursor: Clone + Send + 'static;
    const COLUMNS: &'static Columns;
    /// Whether the finance layout ends with a total of the amount column.
    const TOTAL_ROW: bool = true;
    /// The contract's columns, as text.
    fn cells(&self) -> Vec<String>;
    /// The finance layout's columns.
    fn finance(&self, lang: Lang) -> Vec<Cell>;
    /// Cash in minor units, for the total row (0 for other rewards).
    fn cash(&self) -> i64;
    fn cursor(&self) -> Self::Cursor;
}

fn masked(phone: &Option<String>) -> String {
    phone.as_deref().map(mask).unwrap_or_default()
}

/// Cash as yuan, points as a count; other rewards carry no amount.
fn amounts(reward: RewardType, amount: i64) -> [Cell; 2] {
    match reward {
        RewardType::Cash => [Cell::Yuan(amount), Cell::Empty],
        RewardType::Points => [Cell::Empty, Cell::Int(amount)],
        RewardType::Coupon | RewardType::Physical => [Cell::Empty, Cell::Empty],
    }
}

fn reward_label(reward: RewardType, lang: Lang) -> &'static str {
    match (lang, reward) {
        (Lang::En, r) => r.as_str(),
        (Lang::Zh, RewardType::Cash) => "现金",
        (Lang::Zh, RewardType::Coupon) => "优惠券",
        (Lang::Zh, RewardType::Points) => "积分",
        (Lang::Zh, RewardType::Physical) => "实物",
    }
}

fn status_label(status: GrantStatus, lang: Lang) -> &'static str {
    match (lang, status) {
        (Lang::En, s) => s.as_str(),
        (Lang::Zh, GrantStatus::Granted) => "已发放",
        (Lang::Zh, GrantStatus::Paying) => "付款中",
        (Lang::Zh, GrantStatus::Paid) => "已支付",
        (Lang::Zh, GrantStatus::Revoked) => "已撤销",
    }
}

fn event_label(event: LedgerEvent, lang: Lang) -> &'static str {
    match (lang, event) {
        (Lang::En, e) => e.as_str(),
        (Lang::Zh, LedgerEvent::Granted) => "发放",
        (Lang::Zh, LedgerEvent::Revoked) => "撤销",
        (Lang::Zh, LedgerEvent::Batched) => "进入付款批次",
        (Lang::Zh, LedgerEvent::Paid) => "支付成功",
        (Lang::Zh, LedgerEvent::Failed) => "支付失败",
        (Lang::Zh, LedgerEvent::Flagged) => "支付后撤销（待核查）",
        (Lang::Zh, LedgerEvent::AddressGiven) => "已填收货地址",
    }
}

impl ExportRow for LedgerRow {
    type Cursor = (i64, String);
    const COLUMNS: &'static Columns = &LEDGER;

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.code.clone(),
            masked(&self.phone),
            self.rule_id.clone(),
            self.reward_type.as_str().to_owned(),
            self.amount.to_string(),
            self.currency.clone(),
            self.status.as_str().to_owned(),
            rfc3339(self.granted_at),
            self.paid_at.map(rfc3339).unwrap_or_default(),
            self.payout_id.clone().unwrap_or_default(),
        ]
    }

    fn finance(&self, lang: Lang) -> Vec<Cell> {
        let [money, points] = amounts(self.reward_type, self.amount);
        vec![
            Cell::text(&self.campaign),
            Cell::text(&self.id),
            Cell::text(&self.code),
            Cell::text(masked(&self.phone)),
            Cell::text(&self.rule_id),
            Cell::text(reward_label(self.reward_type, lang)),
            money,
            points,
            Cell::text(&self.currency),
            Cell::text(status_label(self.status, lang)),
            Cell::time(Some(self.granted_at)),
            Cell::time(self.paid_at),
            Cell::text(self.payout_id.clone().unwrap_or_default()),
        ]
    }

    fn cash(&self) -> i64 {
        if self.reward_type == RewardType::Cash {
            self.amount
        } else {
            0
        }
    }

    fn cursor(&self) -> Self::Cursor {
        (self.granted_at, self.id.clone())
    }
}

impl ExportRow for JournalRow {
    type Cursor = i64;
    const COLUMNS: &'static Columns = &JOURNAL;

    fn cells(&self) -> Vec<String> {
        vec![
            rfc3339(self.at),
            self.grant_id.clone(),
            self.code.clone(),
            masked(&self.phone),
            self.event.as_str().to_owned(),
            self.amount.to_string(),
            self.actor.clone(),
            self.note.clone().unwrap_or_default(),
        ]
    }

    fn finance(&self, lang: Lang) -> Vec<Cell> {
        let [money, points] = amounts(self.reward_type, self.amount);
        vec![
            Cell::Time(self.at),
            Cell::text(&self.campaign),
            Cell::text(&self.grant_id),
            Cell::text(&self.code),
            Cell::text(masked(&self.phone)),
            Cell::text(event_label(self.event, lang)),
            money,
            points,
            Cell::text(&self.actor),
            Cell::text(self.note.clone().unwrap_or_default()),
        ]
    }

    fn cash(&self) -> i64 {
        if self.reward_type == RewardType::Cash {
            self.amount
        } else {
            0
        }
    }

    fn cursor(&self) -> i64 {
        self.id
    }
}

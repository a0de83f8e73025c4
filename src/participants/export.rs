//! A campaign's participants as a streamed CSV, with the finance exports' machinery
//! (UTF-8 with a BOM, keyset pages, formula cells neutralised): Chinese headers unless
//! `lang=en`, Beijing times, cash in yuan, statuses in words. Phones are masked except
//! for admins; the same search and state as the list narrow it.

use std::sync::Arc;

use futures_util::StreamExt;

use super::model::{ParticipantKind, ParticipantStatus, ReferralState};
use super::phone::mask;
use super::search::ListQuery;
use super::search_store::{self as store, ListedRow};
use crate::audit::{self, Actor};
use crate::campaigns::service::load;
use crate::db::time::from_ms;
use crate::db::Db;
use crate::http::error::ApiError;
use crate::rewards::export_csv::{self, Fetch};
use crate::rewards::export_store::EXPORT_PAGE;
use crate::rewards::exports::Body;
use crate::rewards::finance_format::{Cell, ExportQuery, Lang, Layout};
use crate::rewards::ledger::{Columns, ExportRow};
use crate::state::AppState;

pub const PARTICIPANTS: Columns = Columns {
    contract: &[
        "code",
        "name",
        "phone",
        "kind",
        "status",
        "channel",
        "inviter",
        "generation",
        "referral_state",
        "qualified_invites",
        "fraud_flags",
        "cash_granted",
        "created_at",
    ],
    zh: &[
        "参与者编码",
        "昵称",
        "手机号",
        "类型",
        "状态",
        "渠道",
        "邀请人编码",
        "代际",
        "邀请状态",
        "已计入邀请",
        "风险标记",
        "已发现金（元）",
        "加入时间（北京时间）",
    ],
    en: &[
        "Code",
        "Name",
        "Phone",
        "Kind",
        "Status",
        "Channel",
        "Inviter",
        "Generation",
        "Referral",
        "Qualified invites",
        "Fraud flags",
        "Cash granted (yuan)",
        "Joined at (Beijing time)",
    ],
    widths: &[
        12.0, 14.0, 15.0, 8.0, 8.0, 12.0, 12.0, 6.0, 10.0, 10.0, 8.0, 12.0, 20.0,
    ],
    amount: 11,
    sheet: "participants",
};

fn kind_label(kind: ParticipantKind, lang: Lang) -> &'static str {
    match (lang, kind) {
        (Lang::En, k) => k.as_str(),
        (Lang::Zh, ParticipantKind::Lead) => "用户",
        (Lang::Zh, ParticipantKind::Seed) => "种子",
    }
}

fn status_label(status: ParticipantStatus, lang: Lang) -> &'static str {
    match (lang, status) {
        (Lang::En, s) => s.as_str(),
        (Lang::Zh, ParticipantStatus::Lead) => "未入群",
        (Lang::Zh, ParticipantStatus::Seed) => "种子",
        (Lang::Zh, ParticipantStatus::Joined) => "已入群",
        (Lang::Zh, ParticipantStatus::Left) => "已退群",
    }
}

fn referral_label(state: Option<ReferralState>, lang: Lang) -> &'static str {
    match (lang, state) {
        (_, None) => "",
        (Lang::En, Some(s)) => s.as_str(),
        (Lang::Zh, Some(ReferralState::Pending)) => "待入群",
        (Lang::Zh, Some(ReferralState::Holding)) => "待确认",
        (Lang::Zh, Some(ReferralState::Qualified)) => "已计入",
        (Lang::Zh, Some(ReferralState::Held)) => "待审核",
        (Lang::Zh, Some(ReferralState::Cancelled)) => "未计入",
    }
}

impl ExportRow for ListedRow {
    type Cursor = (i64, String);
    const COLUMNS: &'static Columns = &PARTICIPANTS;
    const TOTAL_ROW: bool = false;

    fn cells(&self) -> Vec<String> {
        vec![
            self.code.clone(),
            self.name.clone().unwrap_or_default(),
            self.phone.clone().unwrap_or_default(),
            self.kind.as_str().to_owned(),
            self.status.as_str().to_owned(),
            self.channel.clone(),
            self.inviter_code.clone().unwrap_or_default(),
            self.generation.to_string(),
            self.referral_state
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            self.qualified_invites.to_string(),
            self.fraud_flags.to_string(),
            self.cash_granted.to_string(),
            from_ms(self.created_at).to_rfc3339(),
        ]
    }

    fn finance(&self, lang: Lang) -> Vec<Cell> {
        vec![
            Cell::text(&self.code),
            Cell::text(self.name.clone().unwrap_or_default()),
            Cell::text(self.phone.clone().unwrap_or_default()),
            Cell::text(kind_label(self.kind, lang)),
            Cell::text(status_label(self.status, lang)),
            Cell::text(&self.channel),
            Cell::text(self.inviter_code.clone().unwrap_or_default()),
            Cell::Int(self.generation),
            Cell::text(referral_label(self.referral_state, lang)),
            Cell::Int(self.qualified_invites),
            Cell::Int(self.fraud_flags),
            Cell::Yuan(self.cash_granted),
            Cell::Time(self.created_at),
        ]
    }

    fn cash(&self) -> i64 {
        self.cash_granted
    }

    fn cursor(&self) -> Self::Cursor {
        (self.created_at, self.id.clone())
    }
}

/// Who downloads, and whether they get full phone numbers (admins only).
pub struct Reader {
    pub actor: Actor,
    pub full_phones: bool,
}

/// The CSV of a campaign's participants narrowed like the list (`cursor` and `limit`
/// are ignored: every row). `lang`: `zh` (default) or `en`. A download with full phone
/// numbers is written to the audit log before the file leaves.
pub async fn csv(
    state: &AppState,
    slug: &str,
    query: &ListQuery,
    lang: Option<String>,
    reader: Reader,
) -> Result<Body, ApiError> {
    let filter = Arc::new(query.filter()?);
    let layout = ExportQuery {
        lang,
        ..Default::default()
    }
    .layout(Layout::Finance(Lang::Zh))?;
    let campaign_id = load(&state.db, slug).await?.id;
    let full_phones = reader.full_phones;
    if full_phones {
        audit_download(&state.db, reader.actor, &campaign_id, query).await?;
    }
    let db = state.db.clone();
    let fetch: Fetch<ListedRow> = Box::new(move |before| {
        let (db, campaign_id, filter) = (db.clone(), campaign_id.clone(), filter.clone());
        Box::pin(async move {
            let mut rows = store::page(&db, &campaign_id, &filter, &before, EXPORT_PAGE).await?;
            if !full_phones {
                for row in &mut rows {
                    row.phone = row.phone.as_deref().map(mask);
                }
            }
            Ok(rows)
        })
    });
    let start = (i64::MAX, String::new());
    Ok(export_csv::stream(layout, start, fetch).boxed_local())
}

async fn audit_download(
    db: &Db,
    actor: Actor,
    campaign_id: &str,
    query: &ListQuery,
) -> Result<(), ApiError> {
    let campaign_id = campaign_id.to_owned();
    let detail = serde_json::json!({"q": query.q, "state": query.state, "phones": "full"});
    db.write_tx(move |tx| {
        Box::pin(async move {
            let c = Some(campaign_id.as_str());
            let subject = "participants.csv";
            audit::record(
                tx,
                &actor,
                "participants.exported",
                c,
                subject,
                None,
                Some(detail),
            )
            .await
        })
    })
    .await?;
    Ok(())
}

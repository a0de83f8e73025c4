//! What every request handler and background job may use, built once at start-up and
//! shared by all workers. The ground floor of the house: it knows the shared services,
//! never the handlers.

use std::sync::Arc;

use crate::assets::cache::AssetCache;
use crate::campaigns::cache::CampaignCache;
use crate::config::Settings;
use crate::console::ConsoleTemplates;
use crate::db::Db;
use crate::http::rate_limit::PublicWriteLimit;
use crate::http::signing::Signer;
use crate::pages::{PageCache, Templates};
use crate::posters::service::PosterService;
use crate::sms::Sms;
use crate::visits::VisitRecorder;

/// Everything a request handler may use, built once and shared by all workers.
pub struct AppState {
    pub settings: Settings,
    pub db: Arc<Db>,
    pub campaigns: CampaignCache,
    pub assets: AssetCache,
    pub signer: Signer,
    pub templates: Templates,
    pub pages: PageCache,
    pub posters: PosterService,
    pub visits: VisitRecorder,
    pub public_writes: PublicWriteLimit,
    /// Sends the one-time codes that prove a phone number.
    pub sms: Sms,
    /// The console's templates, strings and static file version.
    pub console: ConsoleTemplates,
    /// Calls to WeChat and WeChat Pay.
    pub wechat: crate::wechat::Wechat,
}

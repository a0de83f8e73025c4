//! Builds the whole application once; `main` and the tests start it the same way.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use utoipa_actix_web::AppExt;

use crate::assets::cache::AssetCache;
use crate::campaigns::cache::CampaignCache;
use crate::config::Settings;
use crate::console::ConsoleTemplates;
use crate::db::Db;
use crate::http::extract;
use crate::http::fallback::{fallback, KnownPaths};
use crate::http::metrics::MetricsAccess;
use crate::http::openapi::Document;
use crate::http::rate_limit::PublicWriteLimit;
use crate::http::signing::Signer;
use crate::pages::{PageCache, Templates};
use crate::posters::PosterService;
use crate::sms::Sms;
use crate::state::AppState;
use crate::visits::VisitRecorder;

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        crate::http::metrics::install();
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!("creating FISSION_DATA_DIR {}", settings.data_dir.display())
        })?;
        let key = secret_key(&settings)?;
        if settings.sms == crate::sms::SmsProvider::Log
            && settings.public_url.starts_with("https://")
        {
            tracing::warn!("FISSION_SMS_PROVIDER=log: phone codes go to this log, not to phones");
        }
        let db = Arc::new(Db::connect(&settings.database_url, settings.db_max_connections).await?);
        db.migrate().await?;
        let (visits, _writer) = VisitRecorder::start(
            db.clone(),
            settings.visit_queue_capacity,
            settings.visit_batch_size,
            settings.visit_linger,
            settings.report_utc_offset_minutes,
        );
        let state = web::Data::new(AppState {
            campaigns: CampaignCache::new(settings.campaign_cache_ttl),
            assets: AssetCache::default(),
            signer: Signer::new(&key),
            templates: Templates::load().context("loading templates")?,
            pages: PageCache::default(),
            posters: PosterService::new(settings.data_dir.join("posters"))?,
            visits,
            public_writes: PublicWriteLimit::new(
                settings.rate_limit_per_minute,
                settings.rate_limit_burst,
                settings.rate_limit_ip_per_minute,
            ),
            sms: Sms::new(&settings.sms)?,
            console: ConsoleTemplates::load().context("loading console templates")?,
            wechat: crate::wechat::Wechat::new(&settings.wechat)?,
            db,
            settings,
        });
        let listener = TcpListener::bind(&state.settings.bind)
            .with_context(|| format!("binding {}", state.settings.bind))?;
        let port = listener.local_addr()?.port();
        let workers = state.settings.workers;
        let server_state = state.clone();
        let doc = crate::routes::document();
        let document = web::Data::new(Document::new(&doc));
        let known_paths = web::Data::new(KnownPaths::from_document(&doc));
        let metrics_access = web::Data::new(MetricsAccess::new(
            state
                .settings
                .metrics_token
                .as_ref()
                .map(|t| t.0.as_slice()),
            state.settings.trusted_proxies.clone(),
        ));
        crate::jobs::spawn(state.clone(), state.settings.worker_interval);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(server_state.clone())
                .app_data(extract::json_config(1 << 20))
                .app_data(extract::form_config(16 << 10))
                .app_data(extract::query_config())
                .app_data(extract::path_config())
                .app_data(web::PayloadConfig::default().limit(8 << 20))
                .wrap(from_fn(crate::http::text::refuse_control_characters))
                .wrap(from_fn(crate::http::metrics::track))
                .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                .wrap(Compress::default())
                .app_data(document.clone())
                .app_data(known_paths.clone())
                .app_data(metrics_access.clone())
                .into_utoipa_app()
                .configure(crate::routes::configure)
                .into_app()
                .default_service(web::to(fallback))
        })
        .workers(workers)
        .backlog(4096)
        .shutdown_timeout(10)
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests and writes the
    /// visits still queued.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.server.await?;
        self.state.visits.flush().await;
        self.state.db.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The signing key: from FISSION_SECRET_KEY, else one generated into the data dir (fine
/// for one server; several servers must share a configured key).
fn secret_key(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(key) = &settings.secret_key {
        return Ok(key.0.clone());
    }
    if matches!(
        settings.database_url,
        crate::config::DatabaseUrl::Postgres(_)
    ) {
        tracing::warn!(
            "FISSION_SECRET_KEY is not set: servers behind one load balancer must share it"
        );
    }
    let path = settings.data_dir.join("secret.key");
    if let Ok(key) = std::fs::read(&path) {
        if key.len() >= 32 {
            return Ok(key);
        }
    }
    let mut key = vec![0u8; 64];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut key);
    std::fs::write(&path, &key).with_context(|| format!("writing {}", path.display()))?;
    Ok(key)
}

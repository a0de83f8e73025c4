use std::collections::HashMap;
use std::io::Cursor;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;
use sha2::{Digest, Sha256};

use super::person::PosterPerson;
use super::render::{
    default_background, encode, PosterFormat, PosterLayout, PosterRenderer, RenderError,
};
use crate::assets::cache::AssetCache;
use crate::campaigns::settings::Poster;
use crate::campaigns::Campaign;
use crate::db::Db;

const MEMORY_BYTES: usize = 128 << 20;

const MAX_IMAGES: usize = 64;

pub struct PosterService {
    renderer: Arc<PosterRenderer>,
    dir: PathBuf,
    images: Mutex<HashMap<String, Arc<image::RgbImage>>>,
    memory: Mutex<(usize, HashMap<String, Bytes>)>,
}

impl PosterService {
    pub fn new(dir: PathBuf) -> anyhow::Result<Self> {
        Ok(PosterService {
            renderer: Arc::new(PosterRenderer::new()?),
            dir,
            images: Mutex::default(),
            memory: Mutex::default(),
        })
    }

    /// Changes whenever anything drawn on the campaign's posters of design `design`
    /// changes, so cached posters and ETags of an older design are never served.
    pub fn fingerprint(
        campaign: &Campaign,
        design: (usize, &Poster),
        public_url: &str,
        format: PosterFormat,
    ) -> String {
        let mut h = Sha256::new();
        // Bumped when the drawing itself changes (v3: designs, avatar, text layers).
        h.update(b"poster-v3");
        h.update(campaign.id.as_bytes());
        h.update(design.0.to_le_bytes());
        h.update(serde_json::to_vec(&design.1.alone()).unwrap_or_default());
        // Text layers without words of their own show the page's headline and incentive.
        let hero = &campaign.spec.page.hero;
        h.update(serde_json::to_vec(&(&hero.headline, &hero.incentive)).unwrap_or_default());
        h.update(public_url.as_bytes());
        h.update(campaign.slug.as_str().as_bytes());
        h.update([format as u8]);
        hex::encode(&h.finalize()[..8])
    }

    fn path(
        &self,
        campaign_id: &str,
        fingerprint: &str,
        code: &str,
        format: PosterFormat,
    ) -> PathBuf {
        let ext = match format {
            PosterFormat::Png => "png",
            PosterFormat::Jpeg => "jpg",
        };
        self.dir
            .join(campaign_id)
            .join(fingerprint)
            .join(format!("{code}.{ext}"))
    }

    /// A poster rendered before, from memory or from the disk cache.
    pub async fn cached(
        &self,
        campaign_id: &str,
        fingerprint: &str,
        code: &str,
        format: PosterFormat,
    ) -> Option<Bytes> {
        let path = self.path(campaign_id, fingerprint, code, format);
        let key = path.to_string_lossy().into_owned();
        if let Some(hit) = self
            .memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .get(&key)
        {
            return Some(hit.clone());
        }
        let bytes = Bytes::from(tokio::fs::read(&path).await.ok()?);
        self.remember(key, bytes.clone());
        Some(bytes)
    }

    /// Drops a participant's cached posters (they show the nickname) from
    /// this server's memory and the disk cache, for every design of the campaign.
    pub async fn forget(&self, campaign_id: &str, code: &str) {
        let files = [format!("{code}.png"), format!("{code}.jpg")];
        let dir = self.dir.join(campaign_id);
        {
            let mut memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
            let (size, posters) = &mut *memory;
            posters.retain(|key, bytes| {
                let path = std::path::Path::new(key);
                let theirs = path.starts_with(&dir)
                    && path
                        .file_name()
                        .is_some_and(|f| files.iter().any(|n| f == n.as_str()));
                if theirs {
                    *size -= bytes.len();
                }
                !theirs
            });
        }
        let Ok(mut designs) = tokio::fs::read_dir(&dir).await else {
            return;
        };
        while let Ok(Some(design)) = designs.next_entry().await {
            for file in &files {
                let _ = tokio::fs::remove_file(design.path().join(file)).await;
            }
        }
    }

    fn remember(&self, key: String, bytes: Bytes) {
        let mut memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        if memory.0 + bytes.len() > MEMORY_BYTES {
            *memory = (0, HashMap::new());
        }
        memory.0 += bytes.len();
        memory.1.insert(key, bytes);
    }

    pub fn image(&self, asset_id: &str) -> Option<Arc<image::RgbImage>> {
        self.images
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(asset_id)
            .cloned()
    }

    pub fn keep_image(&self, asset_id: &str, image: Arc<image::RgbImage>) {
        let mut images = self.images.lock().unwrap_or_else(|e| e.into_inner());
        if images.len() >= MAX_IMAGES {
            images.clear();
        }
        images.insert(asset_id.to_owned(), image);
    }

    /// The decoded image of an asset (a background or an avatar), from memory or the
    /// database; `None` when no such asset exists.
    pub async fn load_image(
        &self,
        db: &Db,
        assets: &AssetCache,
        asset_id: &str,
    ) -> anyhow::Result<Option<Arc<image::RgbImage>>> {
        if let Some(bg) = self.image(asset_id) {
            return Ok(Some(bg));
        }
        let Some((_, bytes)) = assets.get(db, asset_id).await? else {
            return Ok(None);
        };
        let image = actix_web::web::block(move || {
            image::ImageReader::new(Cursor::new(bytes))
                .with_guessed_format()
                .map_err(image::ImageError::IoError)?
                .decode()
        })
        .await??;
        let image = Arc::new(image.to_rgb8());
        self.keep_image(asset_id, image.clone());
        Ok(Some(image))
    }

    /// Renders on a blocking thread without caching (a sample or a check, never served):
    /// the PNG, and `inspect` run there too on the JPEG a participant would be given
    /// (reading the code back is CPU work as well).
    pub async fn render_inspected<T: Send + 'static>(
        &self,
        background: Option<Arc<image::RgbImage>>,
        layout: PosterLayout,
        (url, person): (String, PosterPerson),
        inspect: impl FnOnce(&[u8], &str) -> T + Send + 'static,
    ) -> anyhow::Result<(Vec<u8>, T)> {
        let renderer = self.renderer.clone();
        let drawn = actix_web::web::block(move || {
            let image = draw(&renderer, background.as_deref(), &layout, &url, &person)?;
            let seen = inspect(&encode(&image, PosterFormat::Jpeg)?, &url);
            Ok::<_, RenderError>((encode(&image, PosterFormat::Png)?, seen))
        })
        .await??;
        Ok(drawn)
    }

    /// Renders on a blocking thread and stores the result in both caches.
    pub async fn render(
        &self,
        background: Option<Arc<image::RgbImage>>,
        layout: PosterLayout,
        key: (&str, &str, &str, PosterFormat),
        url: String,
        person: PosterPerson,
    ) -> anyhow::Result<Bytes> {
        let (campaign_id, fingerprint, code, format) = key;
        let renderer = self.renderer.clone();
        let bytes = actix_web::web::block(move || {
            let image = draw(&renderer, background.as_deref(), &layout, &url, &person)?;
            encode(&image, format)
        })
        .await??;
        let bytes = Bytes::from(bytes);
        let path = self.path(campaign_id, fingerprint, code, format);
        if let Err(e) = write_atomically(&path, &bytes).await {
            tracing::warn!(error = %e, path = %path.display(), "could not cache a poster on disk");
        }
        self.remember(path.to_string_lossy().into_owned(), bytes.clone());
        Ok(bytes)
    }
}

/// Draws on the campaign's background, or on the default 720x1280 one when it has none.
fn draw(
    renderer: &PosterRenderer,
    background: Option<&image::RgbImage>,
    layout: &PosterLayout,
    url: &str,
    person: &PosterPerson,
) -> Result<image::RgbImage, RenderError> {
    match background {
        Some(bg) => renderer.draw(bg, layout, url, person),
        None => renderer.draw(&default_background(720, 1280), layout, url, person),
    }
}

async fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let tmp = path.with_extension(format!("tmp{}", uuid::Uuid::now_v7().simple()));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, path).await
}

//! A poster for a sample participant, rendered the way real ones are and read back as a
//! phone's camera would: the launch checklist's proof that the campaign's posters scan.

use super::decode;
use super::handlers::{background, layout};
use super::render::RenderError;
use crate::campaigns::Campaign;
use crate::http::error::ApiError;
use crate::state::AppState;

/// As long as real invite codes, so the sample's QR code is as dense as theirs.
const SAMPLE_CODE: &str = "sample2345";

/// What a sample poster says about the campaign's poster design.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SampleCheck {
    /// Rendered and its code reads back as the invite link, at full and half size.
    Reads,
    /// Reads at full size (a phone scanning the poster) but not at half size (the poster
    /// shown small on a screen, or seen from across a room).
    ReadsFullSizeOnly,
    /// Why not, in words for the marketer.
    Unreadable(String),
}

/// The invite link a sample participant's poster carries.
pub fn sample_url(public_url: &str, campaign: &Campaign) -> String {
    format!("{public_url}/c/{}?ref={SAMPLE_CODE}", campaign.slug)
}

/// Renders a sample poster (never cached) and reads its code back.
pub async fn check(state: &AppState, campaign: &Campaign) -> Result<SampleCheck, ApiError> {
    let url = sample_url(&state.settings.public_url, campaign);
    let bg = background(state, campaign).await?;
    let rendered = state
        .posters
        .render_uncached(bg, layout(campaign), url.clone())
        .await;
    let bytes = match rendered {
        Ok(bytes) => bytes,
        Err(e) => {
            return match e.downcast_ref::<RenderError>() {
                Some(RenderError::QrOutside { .. }) => Ok(SampleCheck::Unreadable(
                    "二维码超出了海报背景，请在海报设计中移回图内".into(),
                )),
                Some(RenderError::QrTooSmall { .. }) => Ok(SampleCheck::Unreadable(
                    "二维码太小，放不下邀请链接，请放大二维码".into(),
                )),
                _ => Err(ApiError::internal(e)),
            }
        }
    };
    actix_web::web::block(move || {
        if decode::decode(&bytes).as_deref() != Some(url.as_str()) {
            SampleCheck::Unreadable("示例海报上的二维码无法识别，请放大二维码或换一张背景".into())
        } else if decode::reads_as(&bytes, &url) {
            SampleCheck::Reads
        } else {
            SampleCheck::ReadsFullSizeOnly
        }
    })
    .await
    .map_err(ApiError::internal)
}

//! The launch checklist's proof that the campaign's posters scan: its saved layout drawn
//! for the sample participant and read back (see [`super::design`]), in words for the
//! marketer.

use super::design;
use crate::campaigns::Campaign;
use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;

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

/// Renders the sample poster of each of the campaign's designs (never cached) and reads
/// its code back; the worst design decides.
pub async fn check(state: &AppState, campaign: &Campaign) -> Result<SampleCheck, ApiError> {
    let poster = campaign
        .spec
        .poster
        .clone()
        .unwrap_or_else(design::default_poster);
    let hero = &campaign.spec.page.hero;
    let mut verdict = SampleCheck::Reads;
    for one in poster.designs() {
        let why = match design::sample(state, campaign.slug.as_str(), one, hero).await {
            Ok(sample) if sample.reads && sample.reads_small => continue,
            Ok(sample) if sample.reads => {
                verdict = SampleCheck::ReadsFullSizeOnly;
                continue;
            }
            Ok(_) => "示例海报上的二维码无法识别，请放大二维码或换一张背景",
            Err(e) if e.code() == ErrorCode::PosterQrOutside => {
                "二维码超出了海报背景，请在海报设计中移回图内"
            }
            Err(e) if e.code() == ErrorCode::PosterQrUnreadable => {
                "二维码太小，放不下邀请链接，请放大二维码"
            }
            Err(e) => return Err(e),
        };
        return Ok(SampleCheck::Unreadable(why.into()));
    }
    Ok(verdict)
}

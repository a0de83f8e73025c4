//! The person a poster carries: the label above their code (their nickname, never their
//! phone) and, when they have one, their avatar. Today the avatar is an uploaded asset
//! set on the participant; WeChat's sign-in will set it from the WeChat avatar.

use std::sync::Arc;

use anyhow::Context;
use image::RgbImage;

use crate::db::Db;
use crate::participants::store::Participant;
use crate::state::AppState;
use crate::with_db;

/// The label above a poster's QR code when the participant gave no nickname.
pub const ANONYMOUS_LABEL: &str = "好友邀请你";

/// What a poster says about the person who shares it: their nickname, else a friendly
/// line. Never their phone number, not even masked: posters are passed around.
pub fn poster_label(nickname: Option<&str>) -> &str {
    nickname
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(ANONYMOUS_LABEL)
}

/// Who is drawn on a poster.
#[derive(Clone, Debug)]
pub struct PosterPerson {
    pub label: String,
    /// Drawn round where the design places an avatar; without one, nothing is drawn there.
    pub avatar: Option<Arc<RgbImage>>,
}

impl PosterPerson {
    pub fn new(nickname: Option<&str>, avatar: Option<Arc<RgbImage>>) -> Self {
        PosterPerson {
            label: poster_label(nickname).to_owned(),
            avatar,
        }
    }
}

/// The asset id of a participant's avatar, if they have one.
pub async fn avatar_asset(db: &Db, participant_id: &str) -> anyhow::Result<Option<String>> {
    let found: Option<Option<String>> = with_db!(db, read, |pool| sqlx::query_scalar(
        "SELECT avatar_asset FROM participants WHERE id = $1"
    )
    .bind(participant_id)
    .fetch_optional(pool)
    .await)
    .context("reading a participant's avatar")?;
    Ok(found.flatten())
}

/// Gives a participant an avatar (an uploaded asset's id), or takes it away, and drops
/// their cached posters on this server (others re-render when their cache misses).
pub async fn change_avatar(
    state: &AppState,
    participant: &Participant,
    asset: Option<&str>,
) -> anyhow::Result<()> {
    set_avatar(&state.db, &participant.id, asset).await?;
    state
        .posters
        .forget(&participant.campaign_id, &participant.code)
        .await;
    Ok(())
}

async fn set_avatar(db: &Db, participant_id: &str, asset: Option<&str>) -> anyhow::Result<()> {
    with_db!(db, write, |pool| sqlx::query(
        "UPDATE participants SET avatar_asset = $2 WHERE id = $1"
    )
    .bind(participant_id)
    .bind(asset)
    .execute(pool)
    .await
    .map(|_| ()))
    .context("setting a participant's avatar")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_label_is_the_nickname_or_a_friendly_line_never_a_phone() {
        assert_eq!(poster_label(Some(" 小王 ")), "小王");
        for none in [None, Some(""), Some("  ")] {
            assert_eq!(poster_label(none), ANONYMOUS_LABEL);
        }
        assert_eq!(PosterPerson::new(None, None).label, ANONYMOUS_LABEL);
    }
}

//! Seeds: staff and KOC participants a marketer creates to start the chains. Unlike a
//! lead they have no phone, consent, inviter or fraud judgement; only a code and a channel.

use chrono::{DateTime, Utc};

use super::code::{Channel, InviteCode};
use super::store::{Participant, COLUMNS};
use crate::campaigns::Campaign;
use crate::db::time::{day, to_ms};
use crate::db::Tx;
use crate::on_tx;

/// One seed per name, all on `channel`.
pub async fn create(
    tx: &mut Tx<'_>,
    campaign: &Campaign,
    channel: &Channel,
    names: &[String],
    now: DateTime<Utc>,
    day_offset_minutes: i32,
) -> Result<Vec<Participant>, sqlx::Error> {
    let insert = format!(
        "INSERT INTO participants (id, campaign_id, code, name, kind, channel, generation, status, created_at, created_day) \
         VALUES ($1, $2, $3, $4, 'seed', $5, 0, 'seed', $6, $7) RETURNING {COLUMNS}"
    );
    on_tx!(tx, |conn| {
        let mut seeds = Vec::with_capacity(names.len());
        for name in names {
            let seed: Participant = sqlx::query_as(&insert)
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&campaign.id)
                .bind(InviteCode::generate().as_str())
                .bind(name)
                .bind(channel.as_str())
                .bind(to_ms(now))
                .bind(day(now, day_offset_minutes))
                .fetch_one(&mut *conn)
                .await?;
            seeds.push(seed);
        }
        Ok(seeds)
    })
}

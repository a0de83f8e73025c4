//! What the landing page says about the campaign right now: how many people are in, who
//! sent this visitor, how long is left. Counted from the database, never padded, and
//! remembered briefly so the hottest page does not query on every view.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tera::escape_html;

use crate::db::Db;
use crate::participants::store;

const COUNT_TTL: Duration = Duration::from_secs(30);
const NAME_TTL: Duration = Duration::from_secs(60);
const MAX_ENTRIES: usize = 10_000;

/// The inviter a link names, as the page may show them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inviter {
    /// Their nickname; never their phone number.
    pub nickname: Option<String>,
}

#[derive(Default)]
pub struct Facts {
    counts: Remembered<String, i64>,
    inviters: Remembered<(String, String), Option<Inviter>>,
}

impl Facts {
    /// The campaign's participant count, at most 30 seconds old.
    pub async fn participants(&self, db: &Db, campaign_id: &str) -> anyhow::Result<i64> {
        let key = campaign_id.to_owned();
        if let Some(n) = self.counts.get(&key, COUNT_TTL) {
            return Ok(n);
        }
        let n = store::count_leads(db, campaign_id).await?;
        self.counts.put(key, n);
        Ok(n)
    }

    /// The participant behind an invite code of this campaign, if there is one.
    pub async fn inviter(
        &self,
        db: &Db,
        campaign_id: &str,
        code: &str,
    ) -> anyhow::Result<Option<Inviter>> {
        let key = (campaign_id.to_owned(), code.to_owned());
        if let Some(known) = self.inviters.get(&key, NAME_TTL) {
            return Ok(known);
        }
        let inviter = store::by_code(db, campaign_id, code)
            .await?
            .map(|p| Inviter {
                nickname: p.name.filter(|n| !n.trim().is_empty()),
            });
        self.inviters.put(key, inviter.clone());
        Ok(inviter)
    }
}

/// A small map whose entries are trusted for a while; cleared whole when it grows too big.
struct Remembered<K, V>(RwLock<HashMap<K, (Instant, V)>>);

impl<K, V> Default for Remembered<K, V> {
    fn default() -> Self {
        Remembered(RwLock::default())
    }
}

impl<K: Eq + Hash, V: Clone> Remembered<K, V> {
    fn get(&self, key: &K, ttl: Duration) -> Option<V> {
        let map = self.0.read().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(at, _)| at.elapsed() < ttl)
            .map(|(_, v)| v.clone())
    }

    fn put(&self, key: K, value: V) {
        let mut map = self.0.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, (Instant::now(), value));
    }
}

/// "小王 邀请你一起参与" above the headline.
pub fn banner_html(inviter: &Inviter) -> String {
    let (initial, who) = match &inviter.nickname {
        Some(name) => (
            name.chars().next().map(String::from).unwrap_or_default(),
            escape_html(name),
        ),
        None => ("友".to_owned(), "你的好友".to_owned()),
    };
    format!(
        "<div class=\"inviter\" role=\"note\"><span class=\"avatar avatar-sm\" aria-hidden=\"true\">{}</span><span><b>{who}</b> 邀请你一起参与</span></div>",
        escape_html(&initial)
    )
}

/// "已有 N 人参与 · 距活动结束还有 3 天 5 小时" under the incentive; empty when there is
/// nothing true to say.
pub fn live_html(
    participants: Option<i64>,
    ends_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    let mut parts = Vec::new();
    if let Some(n) = participants.filter(|n| *n > 0) {
        parts.push(format!(
            "<span class=\"count\">已有 <b>{n}</b> 人参与</span>"
        ));
    }
    if let Some(left) = ends_at.and_then(|end| time_left(end - now)) {
        parts.push(format!(
            "<span class=\"countdown\">距活动结束还有 <b>{left}</b></span>"
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("<p class=\"live\">{}</p>", parts.join(""))
    }
}

/// "距活动开始还有 2 天 3 小时" on a campaign that has not started.
pub fn starts_html(starts_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match starts_at.and_then(|s| time_left(s - now)) {
        Some(left) => format!(
            "<p class=\"live\"><span class=\"countdown\">距活动开始还有 <b>{left}</b></span></p>"
        ),
        None => String::new(),
    }
}

/// "3 天 5 小时", "5 小时 12 分", "12 分钟" (plain text); None once the time is up.
pub fn time_left(left: chrono::TimeDelta) -> Option<String> {
    let minutes = left.num_minutes();
    if left <= chrono::TimeDelta::zero() {
        return None;
    }
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    Some(match (days, hours) {
        (0, 0) => format!("{} 分钟", mins.max(1)),
        (0, h) => format!("{h} 小时 {mins} 分"),
        (d, h) => format!("{d} 天 {h} 小时"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn time_left_reads_like_a_countdown() {
        assert_eq!(
            time_left(TimeDelta::minutes(3 * 1440 + 5 * 60 + 7)).unwrap(),
            "3 天 5 小时"
        );
        assert_eq!(
            time_left(TimeDelta::minutes(5 * 60 + 12)).unwrap(),
            "5 小时 12 分"
        );
        assert_eq!(time_left(TimeDelta::seconds(20)).unwrap(), "1 分钟");
        assert_eq!(time_left(TimeDelta::zero()), None);
    }

    #[test]
    fn nothing_is_said_that_is_not_true() {
        let now = Utc::now();
        assert_eq!(live_html(Some(0), None, now), "");
        assert_eq!(live_html(None, Some(now - TimeDelta::hours(1)), now), "");
        assert!(live_html(Some(12), None, now).contains("已有 <b>12</b> 人参与"));
    }

    #[test]
    fn a_nickname_is_escaped_and_a_missing_one_is_a_friend() {
        let html = banner_html(&Inviter {
            nickname: Some("<script>x</script>".into()),
        });
        assert!(!html.contains("<script>"));
        assert!(banner_html(&Inviter { nickname: None }).contains("你的好友"));
    }
}

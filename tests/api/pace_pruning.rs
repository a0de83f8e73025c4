//! The per-minute pace the fraud rules read (issue 14) is pruned past a day; what is kept
//! still equals a recount of the referrals, and inviters who come back after their old
//! minute is gone are counted in the current one.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;
use crate::stats_counters::{paces, Paces};

/// Writes each (invitee, inviter, ms) as a participant and its referral.
async fn write_referrals(app: &TestApp, campaign_id: &str, rows: &[(&str, &str, i64)]) {
    fission::with_db!(&*app.state.db, write, |pool| {
        for (invitee, inviter, at) in rows {
            for id in [invitee, inviter] {
                sqlx::query(
                    "INSERT INTO participants (id, campaign_id, code, phone, kind, status, created_at, created_day) \
                     VALUES ($1, $2, $3, $4, 'lead', 'lead', $5, '2026-12-06') ON CONFLICT (id) DO NOTHING",
                )
                .bind(id)
                .bind(campaign_id)
                .bind(format!("P{}", id.len() * 1000 + id.bytes().map(usize::from).sum::<usize>()))
                .bind(format!("139{:08}", id.bytes().map(u64::from).product::<u64>() % 100_000_000))
                .bind(*at)
                .execute(pool)
                .await
                .unwrap();
            }
            sqlx::query("INSERT INTO referrals (invitee_id, inviter_id, campaign_id, state, created_at) VALUES ($1, $2, $3, 'pending', $4)")
                .bind(invitee)
                .bind(inviter)
                .bind(campaign_id)
                .bind(*at)
                .execute(pool)
                .await
                .unwrap();
        }
    });
}

both_backends! {
    async fn the_pace_is_pruned_past_a_day_and_what_is_kept_still_equals_a_recount(app: TestApp) {
        app.create_campaign(json!({"slug": "tea", "title": "t", "status": "active"})).await;
        let campaign = app.state.campaigns.get(&app.state.db, "tea").await.unwrap().unwrap();
        let now = Utc::now();
        let ms = |ago: Duration| (now - ago).timestamp_millis();
        // Inviter a was busy two days ago and is back now; b was busy two days ago only;
        // c only today.
        write_referrals(&app, &campaign.id, &[
            ("f1", "a", ms(Duration::days(2))),
            ("f2", "a", ms(Duration::days(2) - Duration::minutes(1))),
            ("f3", "b", ms(Duration::days(2))),
            ("f4", "c", ms(Duration::minutes(30))),
        ]).await;
        let minute = |at: i64| at.div_euclid(60_000);
        let cutoff = minute(now.timestamp_millis()) - fission::fraud::store::PACE_KEPT_MINUTES;
        let kept_since = |paces: Paces| paces.into_iter().filter(|p| p.1 >= cutoff).collect::<Paces>();

        let pruned = fission::fraud::store::prune_pace(&app.state.db, now.timestamp_millis()).await.unwrap();
        // Two minutes of two days ago (one row per shard that wrote them, on PostgreSQL).
        assert!(pruned >= 2, "{pruned}");
        let ((kept, recounted), _) = paces(&app).await;
        assert!(kept.iter().all(|p| p.1 >= cutoff), "{kept:?}");
        assert_eq!(kept, kept_since(recounted));
        assert_eq!(kept.iter().map(|p| (p.2, p.3)).collect::<Vec<_>>(), [(1, 1)], "c's one referral");

        // a comes back: counted once among today's inviters, whatever happened to the old minute.
        write_referrals(&app, &campaign.id, &[("f5", "a", ms(Duration::minutes(5)))]).await;
        let ((kept, recounted), (latest, latest_recounted)) = paces(&app).await;
        assert_eq!(kept_since(kept.clone()), kept_since(recounted));
        assert_eq!(latest, latest_recounted);
        assert_eq!(kept_since(kept).iter().map(|p| p.3).sum::<i64>(), 2, "a and c active today");

        // The job prunes through the jobs' loop too, and then finds nothing more.
        fission::jobs::run_once(&app.state, now).await.unwrap();
        let ((kept, _), _) = paces(&app).await;
        assert!(kept.iter().all(|p| p.1 >= cutoff), "{kept:?}");
        assert_eq!(fission::fraud::store::prune_pace(&app.state.db, now.timestamp_millis()).await.unwrap(), 0);
    }
}

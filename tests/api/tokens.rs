//! Issue 8 item 3: tokens are listed, created with a lifetime and revoked over the API.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::error_code;

both_backends! {
    async fn an_admin_creates_lists_and_revokes_tokens(app: TestApp) {
        let response = app.post_json("/api/v1/tokens", &app.admin,
            &json!({"name": "ci robot", "role": "marketer", "expires_in": "90d"})).await;
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        let created_secret = created["secret"].clone();
        let created = created["token"].clone();
        let id = created["id"].as_str().unwrap().to_owned();
        let secret = created_secret.as_str().unwrap().to_owned();
        assert_eq!(created["role"], "marketer");
        let expires: chrono::DateTime<chrono::Utc> =
            created["expires_at"].as_str().unwrap().parse().unwrap();
        let days = (expires - chrono::Utc::now()).num_hours() as f64 / 24.0;
        assert!((89.9..=90.0).contains(&days), "{days}");
        assert_eq!(app.get_as("/api/v1/campaigns", &secret).await.status(), 200);

        let listed: Value = app.get_as("/api/v1/tokens", &app.admin).await.json().await.unwrap();
        let listed = listed.as_array().unwrap();
        let mine = listed.iter().find(|t| t["id"] == id.as_str()).expect("listed");
        assert!(mine.get("secret").is_none());
        assert!(mine["revoked_at"].is_null());
        assert!(!listed.iter().any(|t| t.to_string().contains(&secret)));
        // Only the digest is stored.
        let stored: String = match &*app.state.db {
            fission::db::Db::Sqlite { reader, .. } => sqlx::query_scalar("SELECT token_hash FROM api_tokens WHERE id = $1")
                .bind(&id).fetch_one(reader).await.unwrap(),
            fission::db::Db::Postgres { pool: pg, .. } => sqlx::query_scalar("SELECT token_hash FROM api_tokens WHERE id = $1")
                .bind(&id).fetch_one(pg).await.unwrap(),
        };
        assert_ne!(stored, secret);

        let revoked = app.api.delete(app.url(&format!("/api/v1/tokens/{id}")))
            .bearer_auth(&app.admin).send().await.unwrap();
        assert_eq!(revoked.status(), 200);
        let revoked: Value = revoked.json().await.unwrap();
        assert!(revoked["revoked_at"].is_string());
        let refused = app.get_as("/api/v1/campaigns", &secret).await;
        assert_eq!(refused.status(), 401);
        assert_eq!(error_code(refused).await, "unauthorized");

        let unknown = app.api.delete(app.url("/api/v1/tokens/nope"))
            .bearer_auth(&app.admin).send().await.unwrap();
        assert_eq!(unknown.status(), 404);
    }

    async fn only_admins_manage_tokens_and_bad_input_is_422(app: TestApp) {
        let marketer = app.token("marketer").await;
        assert_eq!(app.get_as("/api/v1/tokens", &marketer).await.status(), 403);
        let response = app.post_json("/api/v1/tokens", &marketer,
            &json!({"name": "x", "role": "admin"})).await;
        assert_eq!(response.status(), 403);
        for body in [json!({"name": "x", "role": "root"}), json!({"name": " ", "role": "viewer"}),
                     json!({"name": "x", "role": "viewer", "expires_in": "soon"})] {
            let response = app.post_json("/api/v1/tokens", &app.admin, &body).await;
            assert_eq!(response.status(), 422, "{body}");
        }
        assert_eq!(app.get_as("/api/v1/tokens", "fsn_nope").await.status(), 401);
    }

    async fn an_expired_token_is_refused(app: TestApp) {
        let now = chrono::Utc::now();
        let (_, secret) = fission::auth::tokens::issue(&app.state.db, "old", fission::auth::Role::Viewer,
            now - chrono::Duration::days(2), Some(now - chrono::Duration::seconds(1)), &fission::audit::Actor::system("test")).await.unwrap();
        assert_eq!(app.get_as("/api/v1/campaigns", &secret).await.status(), 401);
        let (_, fresh) = fission::auth::tokens::issue(&app.state.db, "new", fission::auth::Role::Viewer,
            now, Some(now + chrono::Duration::hours(1)), &fission::audit::Actor::system("test")).await.unwrap();
        assert_eq!(app.get_as("/api/v1/campaigns", &fresh).await.status(), 200);
    }
}

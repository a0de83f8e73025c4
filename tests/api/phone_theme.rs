//! A campaign's theme: a brand colour whose palette keeps contrast, a logo and a layout,
//! set through the campaign's page and shown on its phone pages.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{error_code, phone};
use crate::landing::{page, unescape};

both_backends! {
    async fn a_brand_colour_logo_and_layout_shape_the_page(app: TestApp) {
        let logo = app.upload_png(120, 40).await;
        let logo_id = logo["id"].as_str().unwrap();
        let created = app.create_campaign(json!({"slug": "coffee", "title": "咖啡节", "status": "active",
            "page": {"theme": {"color": "#FFD400", "logo_asset": logo_id, "layout": "compact"}}})).await;
        assert_eq!(created["page"]["theme"]["layout"], "compact");
        assert_eq!(created["page"]["theme"]["color"], "#FFD400");

        let (status, html) = page(&app, &phone(), "/c/coffee").await;
        assert_eq!(status, 200);
        assert!(html.contains("class=\"page layout-compact\""), "{html}");
        assert!(unescape(&html).contains(&format!("<img class=\"logo\" src=\"/assets/{logo_id}\"")));
        // Yellow cannot carry white text: the hero colour is darkened, never used as is.
        let vars = html.split(":root{--h1:").nth(2).expect("the theme's own palette after the house one");
        assert!(!vars.split('}').next().unwrap().contains("--h2:#ffd400"), "{vars}");

        app.simple_campaign("tea").await;
        let (_, house) = page(&app, &phone(), "/c/tea").await;
        assert!(house.contains("class=\"page layout-classic\""));
        assert_eq!(house.matches(":root{").count(), 1, "no colour: the house tea palette only");
    }

    async fn a_theme_changes_through_the_campaign_patch_and_bad_values_are_refused(app: TestApp) {
        app.simple_campaign("tea").await;
        let path = "/api/v1/campaigns/tea";
        let ok = app.patch_json(path, &app.admin, &json!({"page": {"theme": {"color": "#c8102e", "layout": "poster"}}})).await;
        assert_eq!(ok.status(), 200);
        let body: serde_json::Value = ok.json().await.unwrap();
        assert_eq!(body["page"]["theme"]["layout"], "poster");
        let (_, html) = page(&app, &phone(), "/c/tea").await;
        assert!(html.contains("layout-poster"), "the cached page follows the new version");
        assert!(html.contains("<meta name=\"theme-color\" content=\"#c8102e\">"), "red already carries white text");

        for (theme, code) in [
            (json!({"color": "red"}), "invalid_campaign"),
            (json!({"color": "#12345"}), "invalid_campaign"),
            (json!({"logo_asset": "no-such-asset"}), "unknown_asset"),
        ] {
            let refused = app.patch_json(path, &app.admin, &json!({"page": {"theme": theme}})).await;
            assert_eq!(refused.status(), 422, "{theme}");
            assert_eq!(error_code(refused).await, code);
        }
        let refused = app.patch_json(path, &app.admin, &json!({"page": {"theme": {"layout": "carousel"}}})).await;
        assert!(matches!(refused.status().as_u16(), 400 | 422), "an unknown layout is bad input");
        let unchanged: serde_json::Value = app.get_as(path, &app.admin).await.json().await.unwrap();
        assert_eq!(unchanged["page"]["theme"]["color"], "#c8102e", "nothing half-written");
    }
}

mod console {
    use fission::auth::Role;
    use serde_json::json;

    use crate::both_backends;
    use crate::console_browser::{csrf_of, Browser};

    fn editor_form<'a>(csrf: &'a str, color: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("_csrf", csrf),
            ("version", "1"),
            ("title", "春茶上新"),
            ("theme_color", color),
            ("theme_layout", "poster"),
        ]
    }

    both_backends! {
        async fn the_editor_sets_the_theme_and_its_phone_frame_shows_it(app: TestApp) {
            app.create_campaign(json!({"slug": "tea", "title": "春茶上新", "status": "draft"})).await;
            let browser = Browser::signed_in(&app, Role::Marketer).await.0;
            let html = browser.get("/admin/campaigns/tea").await.text().await.unwrap();
            assert!(html.contains("name=\"theme_color\"") && html.contains("<option value=\"poster\""), "the theme's fields");
            let csrf = csrf_of(&html);
            let preview = browser.post_form("/admin/campaigns/tea/preview", &editor_form(&csrf, "#0070f3")).await;
            assert_eq!(preview.status(), 200);
            let frame = preview.text().await.unwrap();
            assert!(frame.contains("layout-poster") && frame.contains("--h2:#"), "the unsaved theme in the frame");

            let refused = browser.post_form("/admin/campaigns/tea", &editor_form(&csrf, "blue")).await;
            assert_eq!(refused.status(), 422);
            assert!(refused.text().await.unwrap().contains("品牌色请填写"), "beside its field, in Chinese");
            let saved = browser.post_form("/admin/campaigns/tea", &editor_form(&csrf, "#0070f3")).await;
            assert_eq!(saved.status(), 303);
            let c: serde_json::Value = app.get_as("/api/v1/campaigns/tea", &app.admin).await.json().await.unwrap();
            assert_eq!(c["page"]["theme"], json!({"color": "#0070f3", "logo_asset": null, "layout": "poster"}));
            let again = browser.get("/admin/campaigns/tea").await.text().await.unwrap();
            assert!(again.contains("value=\"#0070f3\"") && again.contains("<option value=\"poster\" selected>"), "shown back");
        }
    }
}

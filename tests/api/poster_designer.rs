//! The poster designer's API: a layout whose QR code does not scan from a rendered sample
//! poster is refused (and nothing is saved); an unsaved layout is previewed for a sample
//! participant; the layout reads back with the background's size and advice.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{error_code, TestApp, PUBLIC_URL};
use crate::posters::decode_qr;

pub const GOOD: (u32, u32, u32) = (470, 1030, 220);

fn poster(bg: &Value, (x, y, size): (u32, u32, u32), name: Value) -> Value {
    json!({"background_asset": bg["id"], "qr": {"x": x, "y": y, "size": size}, "name": name})
}

/// The nickname drawn across the middle of the QR code: its white band hides the code.
fn name_over_the_code() -> Value {
    json!({"x": GOOD.0 + GOOD.2 / 2, "y": GOOD.1 + 60, "size": 80})
}

pub async fn designed(app: &TestApp) -> Value {
    let bg = app.upload_png(720, 1280).await;
    app.create_campaign(
        json!({"slug": "tea", "title": "春茶", "poster": poster(&bg, GOOD, Value::Null)}),
    )
    .await;
    bg
}

pub async fn saved_poster(app: &TestApp) -> Value {
    let campaign: Value = app
        .get_as("/api/v1/campaigns/tea", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    campaign["poster"].clone()
}

async fn preview(app: &TestApp, token: &str, layout: &Value) -> reqwest::Response {
    app.post_json("/api/v1/campaigns/tea/poster/preview", token, layout)
        .await
}

both_backends! {
    async fn a_layout_whose_code_does_not_scan_is_refused_and_nothing_is_saved(app: TestApp) {
        let bg = designed(&app).await;
        let before = saved_poster(&app).await;
        let hidden = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": poster(&bg, GOOD, name_over_the_code())})).await;
        assert_eq!(hidden.status(), 422);
        assert_eq!(error_code(hidden).await, "poster_qr_unreadable");
        let outside = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": poster(&bg, (600, 1200, 220), Value::Null)})).await;
        assert_eq!(outside.status(), 422);
        assert_eq!(error_code(outside).await, "poster_qr_outside");
        let tiny = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": poster(&bg, (10, 10, 60), Value::Null)})).await;
        assert_eq!(tiny.status(), 422);
        assert_eq!(saved_poster(&app).await, before, "a refused layout changes nothing");

        let created = app.post_json("/api/v1/campaigns", &app.admin, &json!({"slug": "hidden", "title": "t", "poster": poster(&bg, GOOD, name_over_the_code())})).await;
        assert_eq!(error_code(created).await, "poster_qr_unreadable");
        assert_eq!(app.get_as("/api/v1/campaigns/hidden", &app.admin).await.status(), 404);

        let beside = json!({"x": 200, "y": 1100, "size": 40, "color": "#AA3300"});
        let moved = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": poster(&bg, GOOD, beside.clone())})).await;
        assert_eq!(moved.status(), 200, "the nickname beside the code is fine");
        assert_eq!(saved_poster(&app).await["name"], beside);
        let bad_colour = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": {"name": {"color": "red"}}})).await;
        assert_eq!(error_code(bad_colour).await, "invalid_campaign");
    }

    async fn the_preview_draws_an_unsaved_layout_for_a_sample_participant(app: TestApp) {
        let bg = designed(&app).await;
        let before = saved_poster(&app).await;
        let moved = poster(&bg, (60, 80, 300), json!({"x": 210, "y": 400, "size": 36}));
        let response = preview(&app, &app.admin, &moved).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/png");
        assert_eq!(response.headers()["x-fission-qr-reads"], "true");
        let bytes = response.bytes().await.unwrap();
        let image = image::load_from_memory(&bytes).unwrap();
        assert_eq!((image.width(), image.height()), (720, 1280));
        assert_eq!(decode_qr(&bytes), format!("{PUBLIC_URL}/c/tea?ref=yangben234"));
        let moved_again = preview(&app, &app.admin, &poster(&bg, GOOD, Value::Null)).await.bytes().await.unwrap();
        assert_ne!(moved_again, bytes, "another layout, another picture");
        assert_eq!(image.to_luma8().get_pixel(62, 82).0[0], 255, "the code's white box starts at the box's corner");

        let hidden = preview(&app, &app.admin, &poster(&bg, GOOD, name_over_the_code())).await;
        assert_eq!(hidden.status(), 200, "the designer still shows it");
        assert_eq!(hidden.headers()["x-fission-qr-reads"], "false");
        assert_eq!(saved_poster(&app).await, before, "previews save nothing");

        let outside = preview(&app, &app.admin, &poster(&bg, (700, 0, 220), Value::Null)).await;
        assert_eq!(error_code(outside).await, "poster_qr_outside");
        let huge_name = preview(&app, &app.admin, &poster(&bg, GOOD, json!({"size": 5000}))).await;
        assert_eq!(error_code(huge_name).await, "invalid_campaign");
        let unknown = preview(&app, &app.admin, &json!({"background_asset": "nope", "qr": {"x": 0, "y": 0, "size": 200}})).await;
        assert_eq!(error_code(unknown).await, "unknown_asset");
        let viewer = app.token("viewer").await;
        assert_eq!(preview(&app, &viewer, &moved).await.status(), 403);
        assert_eq!(app.post_json("/api/v1/campaigns/nope/poster/preview", &app.admin, &moved).await.status(), 404);
    }

    async fn the_layout_reads_back_with_the_backgrounds_size_and_advice(app: TestApp) {
        app.simple_campaign("plain").await;
        let plain: Value = app.get_as("/api/v1/campaigns/plain/poster", &app.admin).await.json().await.unwrap();
        assert_eq!((plain["width"].as_i64(), plain["height"].as_i64(), plain["saved"].as_bool()), (Some(720), Some(1280), Some(false)));
        assert_eq!(plain["poster"]["qr"], json!({"x": 470, "y": 1030, "size": 220}));
        designed(&app).await;
        let viewer = app.token("viewer").await;
        let good: Value = app.get_as("/api/v1/campaigns/tea/poster", &viewer).await.json().await.unwrap();
        assert_eq!(good["advice"], json!([]));
        assert_eq!(good["background"]["width"], 720);
        let square = app.upload_png(1000, 1000).await;
        let saved = app.patch_json("/api/v1/campaigns/tea", &app.admin, &json!({"poster": {"background_asset": square["id"], "qr": {"x": 700, "y": 700, "size": 260}}})).await;
        assert_eq!(saved.status(), 200);
        let odd: Value = app.get_as("/api/v1/campaigns/tea/poster", &app.admin).await.json().await.unwrap();
        assert_eq!((odd["width"].as_i64(), odd["height"].as_i64()), (Some(1000), Some(1000)));
        assert_eq!(odd["advice"], json!(["unusual_size"]));
    }
}

mod console {
    use fission::auth::Role;
    use reqwest::multipart::{Form, Part};
    use serde_json::{json, Value};

    use super::{designed, saved_poster, GOOD};
    use crate::both_backends;
    use crate::console_browser::{location, Browser};
    use crate::helpers::{png, PUBLIC_URL};
    use crate::posters::decode_qr;

    const PAGE: &str = "/admin/campaigns/tea/poster";

    fn layout(qr: (u32, u32, u32), name: (&str, &str, &str)) -> Vec<(&'static str, String)> {
        vec![
            ("qr_x", qr.0.to_string()),
            ("qr_y", qr.1.to_string()),
            ("qr_size", qr.2.to_string()),
            ("name_x", name.0.into()),
            ("name_y", name.1.into()),
            ("name_size", name.2.into()),
            ("name_color", "#aa3300".into()),
        ]
    }

    async fn save(
        browser: &Browser,
        token: &str,
        fields: &[(&'static str, String)],
    ) -> reqwest::Response {
        save_to(browser, PAGE, token, fields).await
    }

    async fn save_to(
        browser: &Browser,
        page: &str,
        token: &str,
        fields: &[(&'static str, String)],
    ) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form.push(("_csrf", token));
        browser.post_form(page, &form).await
    }

    both_backends! {
        async fn the_designer_page_saves_a_layout_that_scans_and_refuses_one_that_does_not(app: TestApp) {
            designed(&app).await;
            let (browser, _) = Browser::signed_in(&app, Role::Marketer).await;
            let (status, html) = browser.page(PAGE).await;
            assert_eq!(status, 200);
            for part in ["id=\"qr-box\"", "id=\"name-box\"", "id=\"poster-preview\"", "data-width=\"720\" data-height=\"1280\"", "左上角", "720×1280 或 750×1334", "/admin/static/poster.js"] {
                assert!(html.contains(part), "{part}");
            }
            let token = crate::console_browser::csrf_of(&html);
            let before = saved_poster(&app).await;
            let hidden = save(&browser, &token, &layout(GOOD, ("580", "1090", "80"))).await;
            assert_eq!(hidden.status(), 422);
            let hidden = hidden.text().await.unwrap();
            assert!(hidden.contains("二维码扫不出来"), "the refusal, in Chinese");
            assert!(hidden.contains("name=\"name_y\" value=\"1090\""), "what was typed is kept");
            let tiny = save(&browser, &token, &layout((10, 10, 50), ("", "", ""))).await;
            assert_eq!(tiny.status(), 422);
            assert!(tiny.text().await.unwrap().contains("二维码边长需在 120 到 2000 像素之间"));
            let typo = save(&browser, &token, &layout((10, 10, 200), ("", "", "")).into_iter().map(|(k, v)| if k == "qr_x" { (k, "十".to_owned()) } else { (k, v) }).collect::<Vec<_>>()).await;
            assert!(typo.text().await.unwrap().contains("请输入 0 或以上的整数"));
            assert_eq!(saved_poster(&app).await, before, "nothing refused was saved");

            let saved = save(&browser, &token, &layout((40, 60, 300), ("360", "420", "48"))).await;
            assert_eq!(saved.status(), 303);
            assert_eq!(location(&saved), format!("{PAGE}?design=0&done=saved"));
            let poster = saved_poster(&app).await;
            assert_eq!(poster["qr"], json!({"x": 40, "y": 60, "size": 300}));
            assert_eq!(poster["name"], json!({"x": 360, "y": 420, "size": 48, "color": "#aa3300"}));
            let no_token = browser.post_form(PAGE, &[("qr_x", "0"), ("qr_y", "0"), ("qr_size", "200")]).await;
            assert_eq!(no_token.status(), 403);
        }

        async fn the_designer_previews_unsaved_layouts_and_takes_a_new_background(app: TestApp) {
            designed(&app).await;
            let (browser, _) = Browser::signed_in(&app, Role::Marketer).await;
            let preview = browser.get(&format!("{PAGE}/preview.png?qr_x=40&qr_y=40&qr_size=260&name_x=&name_y=&name_size=&name_color=")).await;
            assert_eq!(preview.status(), 200);
            assert_eq!(preview.headers()["x-fission-qr-reads"], "true");
            let bytes = preview.bytes().await.unwrap();
            assert_eq!(decode_qr(&bytes), format!("{PUBLIC_URL}/c/tea?ref=yangben234"));
            let hidden = browser.get(&format!("{PAGE}/preview.png?qr_x=470&qr_y=1030&qr_size=220&name_x=580&name_y=1090&name_size=80&name_color=")).await;
            assert_eq!(hidden.headers()["x-fission-qr-reads"], "false");

            let token = browser.csrf(PAGE).await;
            let upload = |bytes: Vec<u8>, token: String| {
                let form = Form::new().text("_csrf", token).part("file", Part::bytes(bytes).file_name("bg.png").mime_str("image/png").unwrap());
                browser.client.post(browser.url(&format!("{PAGE}/background"))).header("Origin", &app.address).multipart(form).send()
            };
            let junk = upload(b"not an image".to_vec(), token.clone()).await.unwrap();
            assert_eq!(junk.status(), 422);
            assert!(junk.text().await.unwrap().contains("图片无法使用"));
            let done = upload(png(750, 1334), token.clone()).await.unwrap();
            assert_eq!(done.status(), 303);
            let design: Value = app.get_as("/api/v1/campaigns/tea/poster", &app.admin).await.json().await.unwrap();
            assert_eq!((design["width"].as_i64(), design["height"].as_i64()), (Some(750), Some(1334)));
            let small = upload(png(400, 600), token).await.unwrap();
            assert_eq!(small.status(), 303, "the boxes are moved inside a smaller background");
            let poster = saved_poster(&app).await;
            assert!(poster["qr"]["x"].as_u64().unwrap() + poster["qr"]["size"].as_u64().unwrap() <= 400, "{poster}");
            let (_, html) = browser.page(PAGE).await;
            assert!(html.contains("不是 720×1280 或 750×1334"), "the size advice is shown");
        }

        async fn a_viewer_sees_the_designer_but_cannot_save(app: TestApp) {
            designed(&app).await;
            let (viewer, _) = Browser::signed_in(&app, Role::Viewer).await;
            let (status, html) = viewer.page(PAGE).await;
            assert_eq!(status, 200);
            assert!(!html.contains("保存布局"), "no save button");
            let token = crate::console_browser::csrf_of(&html);
            let refused = viewer.post_form(PAGE, &[("qr_x", "0"), ("qr_y", "0"), ("qr_size", "200"), ("_csrf", &token)]).await;
            assert_eq!(refused.status(), 403);
            assert!(!html.contains("id=\"design-add\""), "no design buttons");
            let add = viewer.post_form(&format!("{PAGE}/designs"), &[("_csrf", &token)]).await;
            assert_eq!(add.status(), 403);
            let anonymous = Browser::new(&app).get(PAGE).await;
            assert_eq!(anonymous.status(), 303);
        }

        async fn the_designer_adds_switches_names_and_removes_designs(app: TestApp) {
            designed(&app).await;
            let (browser, _) = Browser::signed_in(&app, Role::Marketer).await;
            let token = browser.csrf(PAGE).await;
            let added = browser.post_form(&format!("{PAGE}/designs?design=0"), &[("_csrf", &token)]).await;
            assert_eq!(added.status(), 303);
            assert_eq!(location(&added), format!("{PAGE}?design=1&done=added"));
            let (status, html) = browser.page(&location(&added)).await;
            assert_eq!(status, 200);
            assert!(html.contains("已复制为新款式"), "the notice");
            assert!(html.contains("aria-current=\"page\">2."), "the second design is the current tab");
            let mut fields = layout((60, 80, 320), ("220", "30", "40"));
            fields.push(("design_name", "简约款".into()));
            fields.extend([("title_x", "360"), ("title_y", "500"), ("title_size", "48")].map(|(k, v)| (k, v.to_owned())));
            let saved = save_to(&browser, &format!("{PAGE}?design=1"), &token, &fields).await;
            assert_eq!(saved.status(), 303);
            let poster = saved_poster(&app).await;
            assert_eq!(poster["qr"], json!({"x": GOOD.0, "y": GOOD.1, "size": GOOD.2}), "the default design is untouched");
            let second = &poster["alternates"][0];
            assert_eq!(second["design_name"], "简约款");
            assert_eq!(second["qr"], json!({"x": 60, "y": 80, "size": 320}));
            assert_eq!(second["title"]["size"], 48);
            assert_eq!(second["title"]["text"], Value::Null, "no words typed: the page's headline");
            let preview = browser.get(&format!("{PAGE}/preview.png?design=1&qr_x=60&qr_y=80&qr_size=320")).await;
            assert_eq!(preview.headers()["x-fission-qr-reads-small"], "true");

            let third = browser.post_form(&format!("{PAGE}/designs?design=1"), &[("_csrf", &token)]).await;
            assert_eq!(third.status(), 303);
            let (_, html) = browser.page(PAGE).await;
            assert!(!html.contains("id=\"design-add\""), "three designs: no more");
            let removed = browser.post_form(&format!("{PAGE}/designs/0/delete"), &[("_csrf", &token)]).await;
            assert_eq!(removed.status(), 303);
            let poster = saved_poster(&app).await;
            assert_eq!(poster["design_name"], "简约款", "removing the default makes the next one the default");
            assert_eq!(poster["alternates"].as_array().unwrap().len(), 1);
            let gone = browser.post_form(&format!("{PAGE}/designs/5/delete"), &[("_csrf", &token)]).await;
            assert_eq!(gone.status(), 404);
        }
    }
}

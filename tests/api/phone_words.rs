//! The phone pages speak plain Chinese to visitors, and a form sent back with an error
//! keeps what the person typed and ticked.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{mobile, phone, Client, TestApp, PUBLIC_URL};
use crate::landing::{csrf_from, page};

/// The text of the form's error message.
fn alert(html: &str) -> &str {
    let at = html.find("role=\"alert\"").expect("an error message");
    let start = at + html[at..].find('>').unwrap() + 1;
    let end = start + html[start..].find("</p>").unwrap();
    &html[start..end]
}

/// The `<input>` tag of the first field with this name.
fn input<'h>(html: &'h str, name: &str) -> &'h str {
    let at = html.find(&format!("name=\"{name}\"")).expect("the field");
    let start = html[..at].rfind('<').unwrap();
    &html[start..at + html[at..].find('>').unwrap() + 1]
}

async fn named_campaign(app: &TestApp) -> (Client, String) {
    app.create_campaign(
        json!({"slug": "tea", "title": "春茶上新", "status": "active",
        "page": {"ask_name": true}}),
    )
    .await;
    let browser = phone();
    let (_, html) = page(app, &browser, "/c/tea").await;
    let csrf = csrf_from(&html);
    (browser, csrf)
}

async fn post(app: &TestApp, browser: &Client, form: &[(&str, &str)]) -> (u16, String) {
    let response = browser
        .post(app.url("/c/tea/join"))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

both_backends! {
    async fn a_bad_phone_re_renders_in_chinese_keeping_name_and_consent(app: TestApp) {
        let (browser, csrf) = named_campaign(&app).await;
        let (status, html) = post(&app, &browser, &[("phone", "12345"), ("name", "小王"), ("consent", "yes"), ("csrf", &csrf)]).await;
        assert_eq!(status, 422);
        assert_eq!(alert(&html), "请输入11位中国大陆手机号");
        assert!(input(&html, "phone").contains("value=\"12345\""));
        assert!(input(&html, "name").contains("value=\"小王\""), "the name is kept");
        assert!(input(&html, "consent").contains(" checked"), "the ticked box stays ticked");
        assert_eq!(app.stats("tea").await["leads"], 0);
    }

    async fn every_visitor_error_is_plain_chinese(app: TestApp) {
        let (browser, csrf) = named_campaign(&app).await;
        let long = "长".repeat(33);
        let cases: [(&[(&str, &str)], u16); 5] = [
            (&[("phone", ""), ("consent", "yes"), ("csrf", &csrf)], 422),
            (&[("phone", "abc"), ("consent", "yes"), ("csrf", &csrf)], 422),
            (&[("phone", &mobile(1)), ("csrf", &csrf)], 422),
            (&[("phone", &mobile(1)), ("name", &long), ("consent", "yes"), ("csrf", &csrf)], 422),
            (&[("phone", &mobile(1)), ("consent", "yes"), ("csrf", "forged")], 403),
        ];
        for (form, expected) in cases {
            let (status, html) = post(&app, &browser, form).await;
            assert_eq!(status, expected, "{form:?}");
            let message = alert(&html);
            assert!(!message.is_empty() && !message.chars().any(|c| c.is_ascii_alphabetic()), "not plain Chinese: {message}");
        }
        let (_, html) = post(&app, &browser, &[("phone", &mobile(1)), ("csrf", &csrf)]).await;
        assert!(!input(&html, "consent").contains("checked"), "an unticked box stays unticked");
    }

    async fn a_kept_name_is_escaped(app: TestApp) {
        let (browser, csrf) = named_campaign(&app).await;
        let name = "\"><script>alert(1)</script>";
        let (status, html) = post(&app, &browser, &[("phone", "1"), ("name", name), ("consent", "on"), ("csrf", &csrf)]).await;
        assert_eq!(status, 422);
        assert!(!html.contains("<script>alert(1)"), "the kept name is not markup");
        assert!(input(&html, "name").contains("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;&#x2F;script&gt;\""));
        assert!(input(&html, "consent").contains(" checked"));
    }
}

/// The poster's QR code still reads after the JPEG is shrunk to `percent`.
fn decodes_at(jpeg: &[u8], percent: u32) -> String {
    let img = image::load_from_memory(jpeg).unwrap();
    let (w, h) = (img.width() * percent / 100, img.height() * percent / 100);
    let scaled = img.resize_exact(w, h, image::imageops::FilterType::Triangle);
    let mut png = std::io::Cursor::new(Vec::new());
    scaled.write_to(&mut png, image::ImageFormat::Png).unwrap();
    crate::posters::decode_qr(png.get_ref())
}

/// The campaign's poster design in these tests: a 220 px code box, no name position.
fn qr_box() -> fission::posters::render::PosterLayout {
    fission::posters::render::PosterLayout {
        qr_x: 470,
        qr_y: 1030,
        qr_size: 220,
        ..Default::default()
    }
}

both_backends! {
    async fn a_poster_without_a_nickname_says_a_friend_invites_you_not_the_phone(app: TestApp) {
        use fission::posters::render::{default_background, PosterFormat, PosterRenderer};
        use fission::posters::person::{poster_label, PosterPerson, ANONYMOUS_LABEL};
        app.create_campaign(json!({"slug": "tea", "title": "春茶", "status": "active",
            "poster": {"qr": {"x": 470, "y": 1030, "size": 220}}})).await;
        let number = mobile(1);
        let me = app.join_ok("tea", &number, None).await;
        let code = me["code"].as_str().unwrap();
        let response = app.api.get(app.url(&format!("/c/tea/p/{code}.jpg"))).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let delivered = response.bytes().await.unwrap();
        let url = format!("{PUBLIC_URL}/c/tea?ref={code}");
        assert_eq!(decodes_at(&delivered, 100), url);
        // The renderer is deterministic: the delivered poster is the one drawn with the
        // friendly label, not the one drawn with the masked phone.
        assert_eq!(poster_label(None), ANONYMOUS_LABEL);
        let layout = qr_box();
        let renderer = PosterRenderer::new().unwrap();
        let draw = |label: &str| renderer.render(&default_background(720, 1280), &layout, &url, &PosterPerson::new(Some(label), None), PosterFormat::Jpeg).unwrap();
        let masked = format!("{}****{}", &number[..3], &number[7..]);
        assert_ne!(draw(&masked), draw(ANONYMOUS_LABEL), "the label is drawn");
        assert_eq!(delivered.as_ref(), draw(ANONYMOUS_LABEL).as_slice(), "the label is 好友邀请你");
        assert!(delivered.len() < 500 * 1024);
    }
}

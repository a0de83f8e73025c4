use super::*;

fn layout() -> PosterLayout {
    PosterLayout {
        qr_x: 470,
        qr_y: 1030,
        qr_size: 220,
        ..Default::default()
    }
}

fn named(label: &str) -> PosterPerson {
    PosterPerson::new(Some(label), None)
}

fn decode(bytes: &[u8]) -> String {
    let gray = image::load_from_memory(bytes).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(gray);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    grids[0].decode().unwrap().1
}

/// Random pixels: the worst a JPEG encoder can be given.
fn noise(width: u32, height: u32) -> RgbImage {
    let mut seed = 0x2545_f491_u32;
    RgbImage::from_fn(width, height, |_, _| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let [a, b, c, _] = seed.to_le_bytes();
        Rgb([a, b, c])
    })
}

#[test]
fn the_qr_code_reads_back_as_the_link_in_both_formats() {
    let renderer = PosterRenderer::new().unwrap();
    let bg = default_background(720, 1280);
    let url = "https://fission.test/c/spring-tea?ref=ab23cd45ef";
    for format in [PosterFormat::Png, PosterFormat::Jpeg] {
        let bytes = renderer
            .render(&bg, &layout(), url, &named("小明🍵同学"), format)
            .unwrap();
        assert_eq!(decode(&bytes), url);
    }
}

#[test]
fn misplaced_boxes_and_tiny_codes_are_errors_not_panics() {
    let renderer = PosterRenderer::new().unwrap();
    let small = default_background(200, 300);
    let nobody = named("");
    assert!(matches!(
        renderer.render(&small, &layout(), "x", &nobody, PosterFormat::Png),
        Err(RenderError::QrOutside { .. })
    ));
    let tiny = PosterLayout {
        qr_x: 0,
        qr_y: 0,
        qr_size: 40,
        ..layout()
    };
    assert!(matches!(
        renderer.render(
            &small,
            &tiny,
            "https://fission.test/c/x?ref=y",
            &nobody,
            PosterFormat::Png
        ),
        Err(RenderError::QrTooSmall { .. })
    ));
}

#[test]
fn an_overhanging_box_is_moved_inside() {
    let renderer = PosterRenderer::new().unwrap();
    let bg = default_background(600, 900);
    let url = "https://fission.test/c/spring-tea?ref=zz";
    let bytes = renderer
        .render(&bg, &layout(), url, &named("小王"), PosterFormat::Png)
        .unwrap();
    assert_eq!(decode(&bytes), url);
}

#[test]
fn long_names_are_cut_and_names_near_the_edge_stay_on_the_poster() {
    assert_eq!(
        truncate("一二三四五六七八九十一二三四五六七八")
            .chars()
            .count(),
        MAX_NAME_CHARS
    );
    let renderer = PosterRenderer::new().unwrap();
    let edge = PosterLayout {
        qr_x: 500,
        qr_y: 1060,
        ..layout()
    };
    let person = named(&"名".repeat(40));
    let drawn = renderer.render(
        &default_background(720, 1280),
        &edge,
        "https://fission.test/c/a?ref=b",
        &person,
        PosterFormat::Jpeg,
    );
    assert!(drawn.is_ok());
}

#[test]
fn a_noisy_background_still_makes_a_jpeg_under_the_limit() {
    let renderer = PosterRenderer::new().unwrap();
    let url = "https://fission.test/c/spring-tea?ref=ab23cd45ef";
    let big = PosterLayout {
        qr_x: 200,
        qr_y: 860,
        qr_size: 320,
        ..layout()
    };
    let bytes = renderer
        .render(
            &noise(750, 1334),
            &big,
            url,
            &named("小明"),
            PosterFormat::Jpeg,
        )
        .unwrap();
    assert!(bytes.len() <= MAX_JPEG_BYTES, "{} bytes", bytes.len());
    assert_eq!(decode(&bytes), url);
}

#[test]
fn title_incentive_card_and_avatar_are_drawn_where_the_layout_says() {
    let renderer = PosterRenderer::new().unwrap();
    let bg = RgbImage::from_pixel(720, 1280, Rgb([20, 60, 40]));
    let full = PosterLayout {
        card: Some(Card {
            x: 160,
            y: 760,
            width: 400,
            height: 480,
            radius: 24,
            color: [255, 255, 255],
        }),
        avatar: Some(AvatarPlacement {
            x: 40,
            y: 40,
            size: 120,
        }),
        texts: vec![TextBlock {
            text: "春茶上新，邀好友一起品鉴".into(),
            x: 360,
            y: 300,
            size: 56,
            color: [255, 255, 255],
            width: Some(600),
            heavy: true,
        }],
        qr_x: 220,
        qr_y: 800,
        qr_size: 280,
        ..layout()
    };
    let face = std::sync::Arc::new(RgbImage::from_pixel(64, 64, Rgb([200, 30, 30])));
    let with = PosterPerson::new(Some("小王"), Some(face));
    let img = renderer
        .draw(&bg, &full, "https://fission.test/c/a?ref=b", &with)
        .unwrap();
    assert_eq!(
        img.get_pixel(100, 100).0,
        [200, 30, 30],
        "the avatar's centre"
    );
    assert_eq!(img.get_pixel(41, 41).0, [20, 60, 40], "outside its circle");
    assert_eq!(img.get_pixel(180, 1200).0, [255, 255, 255], "the card");
    let title_row = (300..370).flat_map(|y| (60..660).map(move |x| (x, y)));
    assert!(
        title_row
            .filter(|&(x, y)| img.get_pixel(x, y).0[0] > 200)
            .count()
            > 2000,
        "the title's strokes are drawn"
    );
    let without = renderer
        .draw(&bg, &full, "https://fission.test/c/a?ref=b", &named("小王"))
        .unwrap();
    assert_eq!(
        without.get_pixel(100, 100).0,
        [20, 60, 40],
        "no avatar: nothing drawn"
    );
}

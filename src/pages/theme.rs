//! A campaign's brand colour as the phone pages' palette. Every colour that carries text
//! is darkened until the text keeps WCAG AA contrast (4.5:1): white on the hero and the
//! buttons, the colour itself on the page and on its tints. Without a colour, the pages
//! keep the house tea-green palette of `base.html`.

use serde::Serialize;

use crate::campaigns::page::Theme;

/// WCAG AA for body text.
pub const AA: f64 = 4.5;
const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];

type Rgb = [u8; 3];

/// What the templates need of a theme.
#[derive(Serialize)]
pub struct ThemeView {
    /// Custom properties overriding `base.html`'s; empty for the house palette.
    pub css: String,
    /// The browser's bar colour.
    pub bar: String,
    pub layout: &'static str,
    pub logo_url: Option<String>,
}

pub fn view(theme: &Theme) -> ThemeView {
    let palette = theme.rgb().map(Palette::from_brand);
    ThemeView {
        css: palette.as_ref().map(Palette::css).unwrap_or_default(),
        bar: palette.map_or_else(|| "#245f3f".to_owned(), |p| hex(p.hero)),
        layout: theme.layout.as_str(),
        logo_url: theme.logo_asset.as_ref().map(|id| format!("/assets/{id}")),
    }
}

/// Relative luminance (WCAG 2.x).
pub fn luminance(c: Rgb) -> f64 {
    let channel = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.039_28 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2])
}

/// Contrast ratio between two colours, 1 to 21.
pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `a` moved towards `b` by `t` (0: a, 1: b).
fn mix(a: Rgb, b: Rgb, t: f64) -> Rgb {
    let m = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    [m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2])]
}

/// `c` darkened (against a light colour) or lightened (against a dark one) in small
/// steps until it reaches `ratio` against `other`.
pub fn fit(c: Rgb, other: Rgb, ratio: f64) -> Rgb {
    let towards = if luminance(other) > 0.18 {
        BLACK
    } else {
        WHITE
    };
    (0..=50)
        .map(|step| mix(c, towards, f64::from(step) / 50.0))
        .find(|&candidate| contrast(candidate, other) >= ratio)
        .unwrap_or(towards)
}

fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// The colours `base.html` names, derived from one brand colour.
struct Palette {
    /// The hero band and the buttons: white text on it.
    hero: Rgb,
    hero_dark: Rgb,
    hero_light: Rgb,
    /// Links and accents on the page.
    text: Rgb,
    /// Text on the tints.
    strong: Rgb,
    deep: Rgb,
    tint: Rgb,
    tint2: Rgb,
    paper: Rgb,
}

impl Palette {
    fn from_brand(brand: Rgb) -> Palette {
        let paper = mix(brand, WHITE, 0.95);
        let tint = mix(brand, WHITE, 0.88);
        let hero = fit(brand, WHITE, AA);
        let strong = fit(brand, tint, AA);
        Palette {
            hero,
            hero_dark: mix(hero, BLACK, 0.25),
            hero_light: fit(mix(brand, WHITE, 0.2), WHITE, AA),
            text: fit(brand, paper, AA),
            strong,
            deep: mix(strong, BLACK, 0.3),
            tint,
            tint2: mix(brand, WHITE, 0.72),
            paper,
        }
    }

    fn css(&self) -> String {
        let vars = [
            ("h1", self.hero_dark),
            ("h2", self.hero),
            ("h3", self.hero_light),
            ("c1", self.hero_light),
            ("c2", self.hero),
            ("g9", self.deep),
            ("g8", self.strong),
            ("g7", self.text),
            ("g6", self.hero),
            ("g2", self.tint2),
            ("g1", self.tint),
            ("paper", self.paper),
        ];
        let body: Vec<String> = vars
            .iter()
            .map(|(name, c)| format!("--{name}:{}", hex(*c)))
            .collect();
        format!(":root{{{}}}", body.join(";"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_ratios_match_known_values() {
        assert!((contrast(BLACK, WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast(WHITE, WHITE) - 1.0).abs() < 1e-9);
        // #767676 is the lightest grey that passes AA on white; #777777 just fails.
        assert!((contrast([0x76; 3], WHITE) - 4.54).abs() < 0.01);
        assert!((contrast([0x77; 3], WHITE) - 4.48).abs() < 0.01);
        // Pure red on white is 4.0:1; pure blue 8.59:1.
        assert!((contrast([255, 0, 0], WHITE) - 4.0).abs() < 0.01);
        assert!((contrast([0, 0, 255], WHITE) - 8.59).abs() < 0.01);
    }

    #[test]
    fn fit_darkens_until_aa_and_leaves_passing_colours_alone() {
        let navy = [0x1a, 0x2b, 0x6d];
        assert_eq!(fit(navy, WHITE, AA), navy);
        for light in [
            [0xff, 0xd4, 0x00],
            [0x00, 0xc8, 0xff],
            [0xff, 0x6f, 0x91],
            [255, 255, 255],
        ] {
            let fitted = fit(light, WHITE, AA);
            assert!(contrast(fitted, WHITE) >= AA, "{light:?} -> {fitted:?}");
        }
        // On a dark background the colour is lightened instead.
        let on_dark = fit([0x20, 0x20, 0x60], [0x10, 0x10, 0x10], AA);
        assert!(contrast(on_dark, [0x10, 0x10, 0x10]) >= AA);
    }

    #[test]
    fn every_text_pair_of_a_palette_passes_aa() {
        for brand in [
            [0xff, 0xd4, 0x00],
            [0xc8, 0x10, 0x2e],
            [0x00, 0x70, 0xf3],
            [0xf5, 0xf5, 0xf5],
            [0, 0, 0],
        ] {
            let p = Palette::from_brand(brand);
            for (what, fg, bg) in [
                ("white on the hero", WHITE, p.hero),
                ("white on the dark hero", WHITE, p.hero_dark),
                ("white on the light hero", WHITE, p.hero_light),
                ("the colour on the page", p.text, p.paper),
                ("the colour on white cards", p.text, WHITE),
                ("strong text on the tint", p.strong, p.tint),
                ("deep text on the tint", p.deep, p.tint),
            ] {
                let ratio = contrast(fg, bg);
                assert!(ratio >= AA, "{brand:?}: {what} is {ratio:.2}");
            }
        }
    }

    #[test]
    fn no_colour_keeps_the_house_palette() {
        let view = view(&Theme::default());
        assert_eq!(view.css, "");
        assert_eq!(view.layout, "classic");
        let red = view_of("#c8102e");
        assert!(red.css.starts_with(":root{--h1:#"), "{}", red.css);
    }

    fn view_of(color: &str) -> ThemeView {
        view(&Theme {
            color: Some(color.into()),
            ..Theme::default()
        })
    }
}

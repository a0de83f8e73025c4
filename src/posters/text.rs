//! Words on a poster in WenQuanYi Micro Hei: one line (the nickname) or a block wrapped
//! at a width (title, incentive), centred, with a stand-in box for glyphs the font lacks.

use ab_glyph::{point, Font, FontRef, GlyphId, PxScale, ScaleFont};
use image::RgbImage;

use super::paint::blend;

/// WenQuanYi Micro Hei (Apache-2.0): wide CJK coverage for nicknames.
pub static FONT_BYTES: &[u8] = include_bytes!("../../static/fonts/wqy-microhei.ttc");

/// A wrapped block stops here; the last line ends in "…" when words were left out.
pub const MAX_LINES: usize = 3;
/// Punctuation that may not begin a line (避头点): it stays at the end of the line before.
const NO_LINE_START: &str = "，。、！？；：）》」』”’,.!?;:)…%";

pub struct Typesetter {
    font: FontRef<'static>,
}

/// One line laid out: its glyphs and width at the size it was set.
pub struct Line {
    glyphs: Vec<GlyphId>,
    pub width: f32,
}

impl Typesetter {
    pub fn new() -> Option<Self> {
        let font = FontRef::try_from_slice_and_index(FONT_BYTES, 0).ok()?;
        Some(Typesetter { font })
    }

    fn glyph(&self, c: char) -> GlyphId {
        match self.font.glyph_id(c) {
            GlyphId(0) => self.font.glyph_id('□'),
            id => id,
        }
    }

    /// The height of a line at `px`.
    pub fn line_height(&self, px: f32) -> f32 {
        let scaled = self.font.as_scaled(PxScale::from(px));
        scaled.ascent() - scaled.descent()
    }

    /// `text` as one line at `px`.
    pub fn line(&self, text: &str, px: f32) -> Line {
        let scaled = self.font.as_scaled(PxScale::from(px));
        let glyphs: Vec<GlyphId> = text.chars().map(|c| self.glyph(c)).collect();
        let width = glyphs.iter().map(|g| scaled.h_advance(*g)).sum();
        Line { glyphs, width }
    }

    /// `text` broken into lines no wider than `width` (a character at a time, as Chinese
    /// is set), at most [`MAX_LINES`], the lines evened out so that no word is left alone
    /// on the last one.
    pub fn wrap(&self, text: &str, px: f32, width: f32) -> Vec<Line> {
        let (mut lines, cut) = self.break_lines(text, px, width);
        if lines.len() == 2 && !cut {
            if let Some(pair) = self.break_at_comma(text, px, width) {
                return pair;
            }
        }
        if lines.len() >= 2 && !cut {
            // The narrowest width that needs no more lines.
            let (mut narrow, mut wide) = (width / lines.len() as f32, width);
            while wide - narrow > 2.0 {
                let mid = (narrow + wide) / 2.0;
                let (tried, cut) = self.break_lines(text, px, mid);
                if tried.len() == lines.len() && !cut {
                    (wide, lines) = (mid, tried);
                } else {
                    narrow = mid;
                }
            }
        }
        lines.iter().map(|l| self.line(l.trim(), px)).collect()
    }

    /// Two lines split after the comma that evens them out best, when both fit: a
    /// Chinese reader expects the break at the pause.
    fn break_at_comma(&self, text: &str, px: f32, width: f32) -> Option<Vec<Line>> {
        let text = text.trim();
        text.char_indices()
            .filter(|(_, c)| "，,；;、 ".contains(*c))
            .map(|(i, c)| (&text[..i + c.len_utf8()], &text[i + c.len_utf8()..]))
            .filter(|(_, rest)| !rest.trim().is_empty())
            .map(|(head, rest)| [self.line(head.trim(), px), self.line(rest.trim(), px)])
            .filter(|pair| pair.iter().all(|l| l.width <= width))
            .min_by(|a, b| {
                let uneven = |p: &[Line; 2]| (p[0].width - p[1].width).abs();
                uneven(a).total_cmp(&uneven(b))
            })
            .map(Vec::from)
    }

    /// Greedy breaking; whether words were cut off after [`MAX_LINES`].
    fn break_lines(&self, text: &str, px: f32, width: f32) -> (Vec<String>, bool) {
        let scaled = self.font.as_scaled(PxScale::from(px));
        let mut lines: Vec<String> = vec![String::new()];
        let mut used = 0.0;
        for c in text.chars().filter(|c| !c.is_control()) {
            let advance = scaled.h_advance(self.glyph(c));
            let current = lines.last_mut().expect("one line at least");
            if used + advance > width && !current.is_empty() && !NO_LINE_START.contains(c) {
                lines.push(String::new());
                used = 0.0;
            }
            lines.last_mut().expect("one line at least").push(c);
            used += advance;
        }
        let cut = lines.len() > MAX_LINES;
        if cut {
            lines.truncate(MAX_LINES);
            let last = &mut lines[MAX_LINES - 1];
            while !last.is_empty() && self.line(&format!("{last}…"), px).width > width {
                last.pop();
            }
            last.push('…');
        }
        (lines, cut)
    }

    /// Draws a line with its left edge at `left` and its top at `top`; `weight` extra
    /// pixels thicken strokes (a heavier title from a font with no bold face).
    pub fn draw(
        &self,
        img: &mut RgbImage,
        line: &Line,
        (left, top): (f32, f32),
        px: f32,
        color: [u8; 3],
        weight: u32,
    ) {
        let scale = PxScale::from(px);
        let scaled = self.font.as_scaled(scale);
        for dx in 0..=weight {
            let mut caret = left + dx as f32 * 0.6;
            for id in &line.glyphs {
                let glyph = id.with_scale_and_position(scale, point(caret, top + scaled.ascent()));
                caret += scaled.h_advance(*id);
                let Some(outline) = self.font.outline_glyph(glyph) else {
                    continue;
                };
                let bounds = outline.px_bounds();
                outline.draw(|gx, gy, coverage| {
                    let x = bounds.min.x as i64 + i64::from(gx);
                    let y = bounds.min.y as i64 + i64::from(gy);
                    blend(img, x, y, color, coverage);
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_chinese_wraps_within_the_width_and_stops_at_three_lines() {
        let t = Typesetter::new().unwrap();
        let lines = t.wrap("邀请3位好友参与得5元红包，邀请5位得新茶礼盒", 40.0, 300.0);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.width <= 300.0 + 40.0));
        let many = t.wrap(&"春茶上新".repeat(30), 40.0, 400.0);
        assert_eq!(many.len(), MAX_LINES);
        let short = t.wrap("春茶上新", 40.0, 400.0);
        assert_eq!(short.len(), 1);
        let even = t.wrap("春茶上新，邀好友一起品鉴品鉴", 60.0, 600.0);
        assert_eq!(even.len(), 2);
        assert_eq!(even[0].glyphs.len(), 5, "broken after the comma");
        let balanced = t.wrap("春茶上新邀好友一起品鉴", 60.0, 480.0);
        assert_eq!(balanced.len(), 2);
        assert!(
            (balanced[0].width - balanced[1].width).abs() <= 60.0,
            "no character is left alone on the last line"
        );
    }

    #[test]
    fn a_comma_never_starts_a_line() {
        let t = Typesetter::new().unwrap();
        let one = t.line("一", 40.0).width;
        let lines = t.wrap("一二三，四五六", 40.0, one * 3.0 + 1.0);
        assert_eq!(
            lines[0].glyphs.len(),
            4,
            "the comma stays on the first line"
        );
    }
}

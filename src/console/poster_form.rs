//! The poster designer's form: one design's layout as typed (kept as text so a bad value
//! is shown back), its fields in groups for the page, and its parsing into a design.

use std::collections::BTreeMap;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use crate::campaigns::settings::{
    parse_color, AvatarPlacement, CardPlacement, NamePlacement, Poster, QrPlacement, TextLayer,
};

/// The form's fields by fieldset, in page order: (legend, fields).
pub const GROUPS: [(&str, &[&str]); 7] = [
    ("design", &["design_name"]),
    ("qr_box", &["qr_x", "qr_y", "qr_size"]),
    ("name_box", &["name_x", "name_y", "name_size", "name_color"]),
    ("avatar_box", &["avatar_x", "avatar_y", "avatar_size"]),
    (
        "card_box",
        &[
            "card_x",
            "card_y",
            "card_width",
            "card_height",
            "card_color",
        ],
    ),
    (
        "title_box",
        &[
            "title_text",
            "title_x",
            "title_y",
            "title_size",
            "title_color",
        ],
    ),
    (
        "incentive_box",
        &[
            "incentive_text",
            "incentive_x",
            "incentive_y",
            "incentive_size",
            "incentive_color",
        ],
    ),
];

type Errors = BTreeMap<&'static str, &'static str>;

/// One design's layout as typed in the form.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct LayoutForm {
    #[serde(rename = "_csrf", default, skip_serializing)]
    pub csrf: String,
    #[serde(flatten)]
    pub values: BTreeMap<String, String>,
}

impl LayoutForm {
    /// The design's values, every field present (empty when unset).
    pub fn of(poster: &Poster) -> LayoutForm {
        let n = |v: u32| v.to_string();
        let mut values: BTreeMap<String, String> = BTreeMap::new();
        let mut put = |k: &str, v: Option<String>| {
            values.insert(k.to_owned(), v.unwrap_or_default());
        };
        put("design_name", poster.design_name.clone());
        put("qr_x", Some(n(poster.qr.x)));
        put("qr_y", Some(n(poster.qr.y)));
        put("qr_size", Some(n(poster.qr.size)));
        let name = poster.name.as_ref();
        put("name_x", name.and_then(|p| p.x).map(n));
        put("name_y", name.and_then(|p| p.y).map(n));
        put("name_size", name.and_then(|p| p.size).map(n));
        put("name_color", name.and_then(|p| p.color.clone()));
        let avatar = poster.avatar.as_ref();
        put("avatar_x", avatar.map(|a| n(a.x)));
        put("avatar_y", avatar.map(|a| n(a.y)));
        put("avatar_size", avatar.map(|a| n(a.size)));
        let card = poster.card.as_ref();
        put("card_x", card.map(|c| n(c.x)));
        put("card_y", card.map(|c| n(c.y)));
        put("card_width", card.map(|c| n(c.width)));
        put("card_height", card.map(|c| n(c.height)));
        put("card_color", card.and_then(|c| c.color.clone()));
        for (key, layer) in [("title", &poster.title), ("incentive", &poster.incentive)] {
            let layer = layer.as_ref();
            put(&format!("{key}_text"), layer.and_then(|l| l.text.clone()));
            put(&format!("{key}_x"), layer.map(|l| n(l.x)));
            put(&format!("{key}_y"), layer.map(|l| n(l.y)));
            put(&format!("{key}_size"), layer.map(|l| n(l.size)));
            put(&format!("{key}_color"), layer.and_then(|l| l.color.clone()));
        }
        LayoutForm {
            csrf: String::new(),
            values,
        }
    }

    /// Every field present, so the page can show each one.
    pub fn complete(mut self) -> LayoutForm {
        for (_, fields) in GROUPS {
            for f in fields {
                self.values.entry((*f).to_owned()).or_default();
            }
        }
        self
    }

    fn get(&self, field: &str) -> &str {
        self.values.get(field).map_or("", |v| v.trim())
    }

    /// The fields as a query string, for the preview of this layout.
    pub fn query(&self) -> String {
        let pairs: Vec<String> = GROUPS
            .iter()
            .flat_map(|(_, fields)| fields.iter())
            .map(|k| format!("{k}={}", utf8_percent_encode(self.get(k), NON_ALPHANUMERIC)))
            .collect();
        pairs.join("&")
    }

    /// The design on `background`, or the string key of each field's problem.
    pub fn parse(&self, background: Option<String>) -> Result<Poster, Errors> {
        let mut errors = Errors::new();
        let qr = self.group(&mut errors, ["qr_x", "qr_y", "qr_size"], true);
        let name = self.numbers(&mut errors, ["name_x", "name_y", "name_size"]);
        let avatar = self.group(&mut errors, ["avatar_x", "avatar_y", "avatar_size"], false);
        let card = self.group(
            &mut errors,
            ["card_x", "card_y", "card_width", "card_height"],
            false,
        );
        let name_color = self.color(&mut errors, "name_color");
        let card_color = self.color(&mut errors, "card_color");
        let title = self.text_layer(&mut errors, "title");
        let incentive = self.text_layer(&mut errors, "incentive");
        let design_name = Some(self.get("design_name").to_owned()).filter(|n| !n.is_empty());
        if design_name.as_ref().is_some_and(|n| n.chars().count() > 12) {
            errors.insert("design_name", "err_design_name");
        }
        let Some([x, y, size]) = qr.filter(|_| errors.is_empty()) else {
            if errors.is_empty() {
                errors.insert("qr_size", "err_qr_size");
            }
            return Err(errors);
        };
        let any_name = name.iter().any(Option::is_some) || name_color.is_some();
        Ok(Poster {
            design_name,
            background_asset: background,
            qr: QrPlacement { x, y, size },
            name: any_name.then(|| NamePlacement {
                x: name[0],
                y: name[1],
                size: name[2],
                color: name_color,
            }),
            avatar: avatar.map(|[x, y, size]| AvatarPlacement { x, y, size }),
            card: card.map(|[x, y, width, height]| CardPlacement {
                x,
                y,
                width,
                height,
                radius: None,
                color: card_color,
            }),
            title,
            incentive,
            alternates: Vec::new(),
        })
    }

    /// One number field: `None` when empty, an error key when not a number in range.
    fn number(&self, errors: &mut Errors, field: &'static str) -> Option<u32> {
        let raw = self.get(field);
        if raw.is_empty() {
            return None;
        }
        let (range, err) = range_of(field);
        match raw.parse::<u32>() {
            Ok(v) if range.contains(&v) => Some(v),
            _ => {
                errors.insert(field, err);
                None
            }
        }
    }

    fn numbers<const N: usize>(
        &self,
        errors: &mut Errors,
        fields: [&'static str; N],
    ) -> [Option<u32>; N] {
        fields.map(|f| self.number(errors, f))
    }

    /// Fields that go together: all of them, or none (unless `required`).
    fn group<const N: usize>(
        &self,
        errors: &mut Errors,
        fields: [&'static str; N],
        required: bool,
    ) -> Option<[u32; N]> {
        let values = self.numbers(errors, fields);
        if values.iter().all(Option::is_none) && !required {
            return None;
        }
        for (field, value) in fields.iter().zip(&values) {
            if value.is_none() && !self.get(field).is_empty() {
                return None; // already an error of its own
            }
            if value.is_none() {
                errors.insert(field, "err_required");
            }
        }
        let all: Option<Vec<u32>> = values.into_iter().collect();
        all.and_then(|v| v.try_into().ok())
    }

    fn color(&self, errors: &mut Errors, field: &'static str) -> Option<String> {
        let raw = self.get(field);
        if raw.is_empty() {
            return None;
        }
        if parse_color(raw).is_none() {
            errors.insert(field, "err_color");
            return None;
        }
        Some(raw.to_lowercase())
    }

    fn text_layer(&self, errors: &mut Errors, key: &'static str) -> Option<TextLayer> {
        let (text_f, x_f, y_f, size_f, color_f) = match key {
            "title" => (
                "title_text",
                "title_x",
                "title_y",
                "title_size",
                "title_color",
            ),
            _ => (
                "incentive_text",
                "incentive_x",
                "incentive_y",
                "incentive_size",
                "incentive_color",
            ),
        };
        let text = Some(self.get(text_f).to_owned()).filter(|t| !t.is_empty());
        if text.as_ref().is_some_and(|t| t.chars().count() > 60) {
            errors.insert(text_f, "err_text");
        }
        let color = self.color(errors, color_f);
        let placed = self.group(
            errors,
            [x_f, y_f, size_f],
            text.is_some() || color.is_some(),
        );
        placed.map(|[x, y, size]| TextLayer {
            text,
            x,
            y,
            size,
            color,
            width: None,
        })
    }
}

/// The allowed values of a number field and the message key when outside them.
fn range_of(field: &str) -> (std::ops::RangeInclusive<u32>, &'static str) {
    match field {
        "qr_size" => (120..=2000, "err_qr_size"),
        "avatar_size" => (32..=600, "err_avatar_size"),
        f if f.ends_with("_size") => (12..=200, "err_name_size"),
        "card_width" | "card_height" => (1..=4096, "err_pixels"),
        _ => (0..=100_000, "err_pixels"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> LayoutForm {
        LayoutForm {
            csrf: String::new(),
            values: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn a_full_design_reads_back_as_typed() {
        let poster = Poster {
            design_name: Some("经典款".into()),
            avatar: Some(AvatarPlacement {
                x: 30,
                y: 40,
                size: 96,
            }),
            title: Some(TextLayer {
                text: None,
                x: 360,
                y: 120,
                size: 56,
                color: Some("#ffffff".into()),
                width: None,
            }),
            ..Poster::default()
        };
        assert_eq!(LayoutForm::of(&poster).parse(None).unwrap(), poster);
    }

    #[test]
    fn half_a_group_and_bad_values_are_named_per_field() {
        let bad = form(&[
            ("qr_x", "10"),
            ("qr_y", "10"),
            ("qr_size", "300"),
            ("avatar_x", "5"),
            ("title_text", "春茶"),
            ("card_color", "red"),
        ]);
        let errors = bad.parse(None).unwrap_err();
        assert_eq!(errors.get("avatar_y"), Some(&"err_required"));
        assert_eq!(errors.get("title_size"), Some(&"err_required"));
        assert_eq!(errors.get("card_color"), Some(&"err_color"));
        let missing = form(&[("qr_x", "10")]).parse(None).unwrap_err();
        assert_eq!(missing.get("qr_size"), Some(&"err_required"));
    }
}

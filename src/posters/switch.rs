//! The participant's choice of poster design on their own page: one link per design
//! (`/c/{slug}/me?design=N`), the current one marked, and the poster URLs of the chosen
//! design. `templates/poster_switch.html` renders it from the `poster_designs` variable.

use serde::Serialize;

use super::handlers::chosen_design;
use crate::campaigns::Campaign;

/// Names of designs the marketer left unnamed, in order.
const UNNAMED: [&str; 3] = ["款式一", "款式二", "款式三"];

/// What `poster_switch.html` shows (as `poster_designs`), and the chosen design's images.
#[derive(Serialize)]
pub struct PosterDesigns {
    /// One per design, the default first; the switch is shown when there are two or more.
    pub choices: Vec<DesignChoice>,
    /// The chosen design's poster, as JPEG (shown) and PNG (full quality).
    pub jpg: String,
    pub png: String,
}

#[derive(Serialize)]
pub struct DesignChoice {
    pub name: String,
    pub href: String,
    pub current: bool,
}

impl PosterDesigns {
    /// The designs of `campaign` for participant `code`, the one `query` asks for chosen.
    pub fn new(campaign: &Campaign, code: &str, query: &str) -> Self {
        let poster = campaign.spec.poster.clone().unwrap_or_default();
        let chosen = chosen_design(query, &poster);
        let slug = campaign.slug.as_str();
        let choices = poster
            .designs()
            .enumerate()
            .map(|(n, design)| DesignChoice {
                name: design
                    .design_name
                    .clone()
                    .unwrap_or_else(|| UNNAMED.get(n).unwrap_or(&"款式").to_string()),
                href: format!("/c/{slug}/me?design={n}#poster"),
                current: n == chosen,
            })
            .collect();
        let query = if chosen == 0 {
            String::new()
        } else {
            format!("?design={chosen}")
        };
        PosterDesigns {
            choices,
            jpg: format!("/c/{slug}/p/{code}.jpg{query}"),
            png: format!("/c/{slug}/p/{code}.png{query}"),
        }
    }
}

/// A page's context with `poster_designs` added beside its own fields.
#[derive(Serialize)]
pub struct WithDesigns<'a, T: Serialize> {
    #[serde(flatten)]
    pub page: &'a T,
    pub poster_designs: PosterDesigns,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(designs: &PosterDesigns) -> String {
        let mut tera = tera::Tera::default();
        tera.add_raw_template(
            "poster_switch.html",
            include_str!("../../templates/poster_switch.html"),
        )
        .unwrap();
        tera.autoescape_on(vec![".html"]);
        let mut ctx = tera::Context::new();
        ctx.insert("poster_designs", designs);
        // Autoescaping writes "/" as "&#x2F;", which browsers read back as "/".
        tera.render("poster_switch.html", &ctx)
            .unwrap()
            .replace("&#x2F;", "/")
    }

    fn choice(name: &str, n: usize, current: bool) -> DesignChoice {
        DesignChoice {
            name: name.into(),
            href: format!("/c/tea/me?design={n}#poster"),
            current,
        }
    }

    #[test]
    fn the_switch_links_the_other_designs_and_marks_the_current_one() {
        let designs = PosterDesigns {
            choices: vec![choice("经典款", 0, false), choice("<简约>", 1, true)],
            jpg: "/c/tea/p/x.jpg?design=1".into(),
            png: "/c/tea/p/x.png?design=1".into(),
        };
        let html = render(&designs);
        assert!(html.contains(r#"<a class="chip" href="/c/tea/me?design=0#poster">经典款</a>"#));
        assert!(
            html.contains(r#"aria-current="true">&lt;简约&gt;</span>"#),
            "{html}"
        );
        assert!(
            !html.contains("design=1#poster"),
            "the current one is no link"
        );
        let one = PosterDesigns {
            choices: vec![choice("经典款", 0, true)],
            ..designs
        };
        assert!(
            !render(&one).contains("<nav"),
            "one design: nothing to switch"
        );
    }
}

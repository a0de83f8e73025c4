//! A refused form's field errors: string keys (`err_name`) turned into the page's language
//! from the page's own table of templates/console/strings, keyed by field.

use std::collections::BTreeMap;

use super::session::Lang;
use crate::state::AppState;

pub fn messages(
    state: &AppState,
    lang: Lang,
    table: &str,
    errors: BTreeMap<&str, &str>,
) -> BTreeMap<String, String> {
    let strings = &state.console.strings(lang)[table];
    errors
        .into_iter()
        .map(|(field, key)| {
            let text = strings[key].as_str().unwrap_or(key);
            (field.to_owned(), text.to_owned())
        })
        .collect()
}

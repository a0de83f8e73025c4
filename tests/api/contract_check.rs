//! Holds every response a test receives against the generated OpenAPI document: the
//! operation must exist (method + path template), the status must be documented, the
//! content type must be one the document names, and a JSON body must match its schema.
//! Schemas are made strict here (no properties beyond those documented), so a field the
//! server emits but the document does not name fails a test too.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use fission::http::fallback::best_match;
use serde_json::{json, Map, Value};

pub struct Contract {
    doc: Value,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

/// An operation a test called and the status it got: ("GET", "/api/v1/campaigns", 200).
pub type Exercised = (String, String, u16);

pub fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let mut doc = fission::routes::document();
        tighten_components(&mut doc);
        Contract {
            doc,
            validators: Mutex::default(),
        }
    })
}

impl Contract {
    /// Every documented (METHOD, path template).
    pub fn operations(&self) -> HashSet<(String, String)> {
        let mut out = HashSet::new();
        for (path, item) in self.doc["paths"].as_object().into_iter().flatten() {
            for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
        out
    }

    /// Checks one response; `Ok` names the documented operation it answered, if any.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Option<Exercised>, String> {
        let paths = self.doc["paths"].as_object().ok_or("no paths")?;
        let Some(template) = best_match(paths.keys().map(String::as_str), path) else {
            return match status {
                404 => self.check_error_body(content_type, body).map(|()| None),
                _ => Err(format!("no documented path matches {path}")),
            };
        };
        let Some(op) = paths[template].get(method.to_lowercase()) else {
            return match status {
                405 => self.check_error_body(content_type, body).map(|()| None),
                _ => Err(format!("{method} is not documented for {template}")),
            };
        };
        let responses = &op["responses"];
        let key = status.to_string();
        let range = format!("{}XX", status / 100);
        let response = [key.as_str(), range.as_str(), "default"]
            .iter()
            .find_map(|k| responses.get(*k))
            .ok_or_else(|| format!("status {status} is not documented for {method} {template}"))?;
        let response = self.resolve(response);
        let exercised = Some((method.to_uppercase(), template.to_owned(), status));
        let content = response["content"].as_object();
        if method == "HEAD" || body.is_empty() && content.is_none() {
            return Ok(exercised);
        }
        let content = content.ok_or_else(|| {
            format!("{method} {template} {status}: a body came but the document names none")
        })?;
        let media = content_type
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim();
        let Some(documented) = content.get(media) else {
            return Err(format!(
                "{method} {template} {status}: content type {media:?} is not documented (only {:?})",
                content.keys().collect::<Vec<_>>()
            ));
        };
        if media == "application/json" {
            let schema = documented
                .get("schema")
                .ok_or("a JSON response without a schema")?;
            self.validate(&format!("{method} {template} {status}"), schema, body)?;
        }
        Ok(exercised)
    }

    fn check_error_body(&self, content_type: Option<&str>, body: &[u8]) -> Result<(), String> {
        if !content_type.is_some_and(|c| c.starts_with("application/json")) {
            return Err(format!("an error without a JSON body ({content_type:?})"));
        }
        let schema = json!({"$ref": "#/components/schemas/ErrorBody"});
        self.validate("error", &schema, body)
    }

    fn resolve<'a>(&'a self, response: &'a Value) -> &'a Value {
        match response["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => self.doc.pointer(pointer).unwrap_or(response),
            None => response,
        }
    }

    fn validate(&self, what: &str, schema: &Value, body: &[u8]) -> Result<(), String> {
        let instance: Value = serde_json::from_slice(body)
            .map_err(|e| format!("{what}: the body is not JSON: {e}"))?;
        let key = schema.to_string();
        let validator = {
            let mut cache = self.validators.lock().unwrap();
            match cache.get(&key) {
                Some(v) => v.clone(),
                None => {
                    let mut root = schema.clone();
                    root["components"] = self.doc["components"].clone();
                    let built = jsonschema::options()
                        .with_draft(jsonschema::Draft::Draft202012)
                        .should_validate_formats(true)
                        .build(&root)
                        .map_err(|e| {
                            format!("{what}: the document's schema does not build: {e}")
                        })?;
                    let built = Arc::new(built);
                    cache.insert(key, built.clone());
                    built
                }
            }
        };
        let problems: Vec<String> = validator
            .iter_errors(&instance)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{what}: the body does not match the document:\n  {}\n  body: {instance}",
                problems.join("\n  ")
            ))
        }
    }
}

/// Forbids undocumented properties in every object schema that stands for a whole
/// object. Parts of an `allOf` only describe some of an object's properties, so the
/// rule goes on the `allOf` itself (`unevaluatedProperties` sees through it).
fn tighten_components(doc: &mut Value) {
    let mut partial = HashSet::new();
    collect_all_of_refs(doc, &mut partial);
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        for (name, schema) in schemas.iter_mut() {
            tighten(schema, partial.contains(name));
        }
    }
    if let Some(paths) = doc["paths"].as_object_mut() {
        for schema in paths.values_mut().flat_map(inline_schemas) {
            tighten(schema, false);
        }
    }
}

fn inline_schemas(item: &mut Value) -> Vec<&mut Value> {
    let mut out = Vec::new();
    for op in item.as_object_mut().into_iter().flat_map(Map::values_mut) {
        for response in op["responses"]
            .as_object_mut()
            .into_iter()
            .flat_map(Map::values_mut)
        {
            for media in response["content"]
                .as_object_mut()
                .into_iter()
                .flat_map(Map::values_mut)
            {
                if let Some(schema) = media.get_mut("schema") {
                    out.push(schema);
                }
            }
        }
    }
    out
}

fn collect_all_of_refs(node: &Value, out: &mut HashSet<String>) {
    match node {
        Value::Object(map) => {
            for member in map
                .get("allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(name) = member["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
                    out.insert(name.to_owned());
                }
            }
            map.values().for_each(|v| collect_all_of_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_all_of_refs(v, out)),
        _ => {}
    }
}

fn tighten(node: &mut Value, partial: bool) {
    let Some(map) = node.as_object_mut() else {
        return;
    };
    let open =
        map.contains_key("additionalProperties") || map.contains_key("unevaluatedProperties");
    let whole = map.contains_key("properties") || map.contains_key("allOf");
    if whole && !open && !partial {
        map.insert("unevaluatedProperties".into(), Value::Bool(false));
    }
    for (key, child) in map.iter_mut() {
        match key.as_str() {
            "allOf" => each(child, |c| tighten(c, true)),
            "oneOf" | "anyOf" => each(child, |c| tighten(c, partial)),
            "properties" => {
                for value in child.as_object_mut().into_iter().flat_map(Map::values_mut) {
                    tighten(value, false);
                }
            }
            "items" | "additionalProperties" => tighten(child, false),
            _ => {}
        }
    }
}

fn each(list: &mut Value, mut f: impl FnMut(&mut Value)) {
    for item in list.as_array_mut().into_iter().flatten() {
        f(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_refuses_undocumented_fields_and_wrong_types() {
        let c = contract();
        let ok = br#"{"status": "ok"}"#;
        assert!(c
            .check("GET", "/healthz", 200, Some("application/json"), ok)
            .is_ok());
        let extra = br#"{"status": "ok", "uptime": 5}"#;
        assert!(c
            .check("GET", "/healthz", 200, Some("application/json"), extra)
            .is_err());
        let error = br#"{"error": {"code": "not_found", "message": "x"}}"#;
        assert!(c
            .check(
                "GET",
                "/api/v1/campaigns/x",
                404,
                Some("application/json"),
                error
            )
            .is_ok());
        let unknown_code = br#"{"error": {"code": "oops", "message": "x"}}"#;
        assert!(c
            .check(
                "GET",
                "/api/v1/campaigns/x",
                404,
                Some("application/json"),
                unknown_code
            )
            .is_err());
        assert!(c
            .check(
                "GET",
                "/api/v1/campaigns/x",
                418,
                Some("application/json"),
                error
            )
            .is_err());
        assert!(c
            .check(
                "DELETE",
                "/api/v1/campaigns/x",
                405,
                Some("application/json"),
                error
            )
            .is_ok());
        assert!(c
            .check("GET", "/nowhere", 200, Some("text/html"), b"x")
            .is_err());
    }
}

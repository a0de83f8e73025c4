//! The OpenAPI document as a contract: well formed, complete, and true to the server.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::both_backends;
use crate::contract_check::contract;

const ROLES: [&str; 4] = ["admin", "marketer", "finance", "viewer"];

fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn the_document_is_openapi_3_1_with_complete_operations() {
    let doc = fission::routes::document();
    assert!(doc["openapi"]
        .as_str()
        .unwrap_or_default()
        .starts_with("3.1."));
    assert_eq!(doc["info"]["title"], "fission");
    let mut ids = BTreeSet::new();
    let mut problems = Vec::new();
    for (method, path) in contract().operations() {
        let op = &doc["paths"][&path][method.to_lowercase()];
        let id = op["operationId"].as_str().unwrap_or_default();
        if id.is_empty() || !ids.insert(id.to_owned()) {
            problems.push(format!(
                "{method} {path}: operationId missing or used twice"
            ));
        }
        if op["summary"].as_str().unwrap_or_default().is_empty() {
            problems.push(format!("{method} {path}: no summary"));
        }
        let documented: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        let in_path: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .collect();
        if documented != in_path {
            problems.push(format!("{method} {path}: path parameters {documented:?}"));
        }
        let admin = path.starts_with("/api/v1/")
            && !path.starts_with("/api/v1/public/")
            && path != "/api/v1/openapi.json";
        let roles: Vec<&str> = op["x-fission-roles"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let secured = op["security"][0]["bearerAuth"].as_array().map(Vec::len) == Some(roles.len());
        let wrong = if admin {
            !secured || !roles.contains(&"admin")
        } else {
            !roles.is_empty()
        };
        if wrong {
            problems.push(format!(
                "{method} {path}: roles {roles:?}, security {}",
                op["security"]
            ));
        }
        if roles.iter().any(|r| !ROLES.contains(r)) {
            problems.push(format!("{method} {path}: unknown role in {roles:?}"));
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        if !matches!(r.strip_prefix('#').map(|p| doc.pointer(p)), Some(Some(_))) {
            problems.push(format!("dangling $ref {r}"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

both_backends! {
    async fn the_served_document_is_the_generated_one(app: TestApp) {
        let response = app.api.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let served: Value = response.json().await.unwrap();
        assert_eq!(served, fission::routes::document());
        assert!(!app.api.exercised().is_empty());
    }
}

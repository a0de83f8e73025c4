//! The OpenAPI document, kept by hand beside the routes and checked against them.

use actix_web::HttpResponse;

pub const DOCUMENT: &str = include_str!("../../static/openapi.json");

pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(DOCUMENT)
}

#[cfg(test)]
mod tests {
    use super::DOCUMENT;
    use serde_json::Value;

    /// (method, path) of every route registered in `http/mod.rs`, read from its source.
    fn registered_routes() -> Vec<(String, String)> {
        let source = include_str!("mod.rs");
        let mut scope = String::new();
        let mut routes = Vec::new();
        for (i, piece) in source.split("web::scope(\"").enumerate() {
            if i > 0 {
                scope = piece.split('"').next().unwrap_or_default().to_owned();
            }
            for route in piece.split(".route(\"").skip(1) {
                let path = route.split('"').next().unwrap_or_default();
                let method = route.split("web::").nth(1).and_then(|m| m.split("()").next()).unwrap_or_default();
                let full = if i > 0 { format!("{scope}{path}") } else { path.to_owned() };
                routes.push((method.to_owned(), full));
            }
            // Routes after a scope's closing parenthesis are top level again.
            if piece.contains("),\n        )") {
                scope.clear();
            }
        }
        routes
    }

    #[test]
    fn the_document_is_openapi_3_1_with_complete_operations() {
        let doc: Value = serde_json::from_str(DOCUMENT).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                assert!(op["operationId"].is_string(), "{method} {path}: operationId");
                assert!(op["summary"].is_string(), "{method} {path}: summary");
                assert!(!op["responses"].as_object().unwrap().is_empty(), "{method} {path}: responses");
            }
        }
    }

    #[test]
    fn every_registered_route_is_documented_and_not_marked_planned() {
        let doc: Value = serde_json::from_str(DOCUMENT).unwrap();
        let routes = registered_routes();
        assert!(routes.len() >= 20, "the route reader found only {routes:?}");
        let missing: Vec<String> = routes
            .iter()
            .filter(|(method, path)| {
                let op = &doc["paths"][path][method];
                !op.is_object() || op.get("x-fission-status").is_some()
            })
            .map(|(m, p)| format!("{m} {p}"))
            .collect();
        assert!(missing.is_empty(), "undocumented (or still 'planned') routes: {missing:?}");
    }

    #[test]
    fn admin_operations_declare_bearer_auth_and_roles() {
        let doc: Value = serde_json::from_str(DOCUMENT).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            let admin = path.starts_with("/api/v1/") && !path.starts_with("/api/v1/public/") && path != "/api/v1/openapi.json";
            for (method, op) in item.as_object().unwrap() {
                if admin {
                    assert!(op["security"][0]["bearerAuth"].is_array(), "{method} {path}: bearerAuth");
                    assert!(op["x-fission-roles"].is_array(), "{method} {path}: x-fission-roles");
                } else {
                    assert!(op.get("security").is_none(), "{method} {path} is public");
                }
            }
        }
    }
}

//! The OpenAPI document, kept by hand beside the routes and checked against them.

use actix_web::HttpResponse;

pub const DOCUMENT: &str = include_str!("../../static/openapi.json");

pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT)
}

#[cfg(test)]
mod tests {
    use super::DOCUMENT;
    use serde_json::Value;
    use std::collections::BTreeSet;

    const METHODS: [&str; 8] = [
        "get", "head", "post", "put", "patch", "delete", "options", "trace",
    ];

    #[derive(Debug, Clone, PartialEq)]
    enum Tok {
        Str(String),
        Ident(String),
        Punct(char),
    }

    fn is_ident(t: Option<&Tok>, name: &str) -> bool {
        matches!(t, Some(Tok::Ident(s)) if s == name)
    }

    fn is_punct(t: Option<&Tok>, c: char) -> bool {
        t == Some(&Tok::Punct(c))
    }

    /// Rust source as tokens: strings, identifiers and punctuation; whitespace and
    /// comments dropped, so formatting does not matter.
    fn lex(source: &str) -> Vec<Tok> {
        let b: Vec<char> = source.chars().collect();
        let (mut i, mut out) = (0, Vec::new());
        while i < b.len() {
            let c = b[i];
            let next = b.get(i + 1).copied();
            if c.is_whitespace() {
                i += 1;
            } else if c == '/' && next == Some('/') {
                while i < b.len() && b[i] != '\n' {
                    i += 1;
                }
            } else if c == '/' && next == Some('*') {
                i += 2;
                while i < b.len() && !(b[i] == '*' && b.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
            } else if c == '"' {
                let mut s = String::new();
                i += 1;
                while i < b.len() && b[i] != '"' {
                    if b[i] == '\\' {
                        i += 1;
                    }
                    if let Some(&ch) = b.get(i) {
                        s.push(ch);
                    }
                    i += 1;
                }
                i += 1;
                out.push(Tok::Str(s));
            } else if c == '\'' {
                // A char literal ('(' or '\n') or a lifetime ('a).
                if next == Some('\\') {
                    i += 2;
                    while i < b.len() && b[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if b.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            } else if c.is_alphanumeric() || c == '_' {
                let start = i;
                while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                    i += 1;
                }
                let ident: String = b[start..i].iter().collect();
                // Raw strings: r"..." and r#"..."#.
                let hashes = b[i..].iter().take_while(|&&ch| ch == '#').count();
                if (ident == "r" || ident == "br") && b.get(i + hashes) == Some(&'"') {
                    i += hashes + 1;
                    let mut s = String::new();
                    while i < b.len()
                        && !(b[i] == '"'
                            && b[i + 1..]
                                .iter()
                                .take(hashes)
                                .filter(|&&ch| ch == '#')
                                .count()
                                == hashes)
                    {
                        s.push(b[i]);
                        i += 1;
                    }
                    i += 1 + hashes;
                    out.push(Tok::Str(s));
                } else {
                    out.push(Tok::Ident(ident));
                }
            } else {
                out.push(Tok::Punct(c));
                i += 1;
            }
        }
        out
    }

    /// `{name:regex}` (actix) is `{name}` (OpenAPI).
    fn openapi_path(actix: &str) -> String {
        let (mut out, mut in_param, mut skipping) = (String::new(), false, false);
        for c in actix.chars() {
            match c {
                '{' => in_param = true,
                '}' => (in_param, skipping) = (false, false),
                ':' if in_param => skipping = true,
                _ => {}
            }
            if !skipping {
                out.push(c);
            }
        }
        out
    }

    /// (method, path) of every `.route("PATH", web::METHOD()...)` in the body of
    /// `fn routes`, with the prefixes of the `web::scope("...")`s (and
    /// `web::resource("...")`s) it sits in. Errors name any route or service the reader
    /// does not understand, so a new form of registration fails loudly instead of
    /// passing unchecked.
    fn routes_in(source: &str) -> Result<Vec<(String, String)>, Vec<String>> {
        let toks = lex(source);
        let start = toks
            .windows(2)
            .position(|w| is_ident(w.first(), "fn") && is_ident(w.get(1), "configure"))
            .ok_or_else(|| vec!["no `fn configure` in the source".to_owned()])?;
        let open = start
            + toks[start..]
                .iter()
                .position(|t| *t == Tok::Punct('{'))
                .ok_or_else(|| vec!["no body".to_owned()])?;
        let (mut routes, mut problems) = (Vec::new(), Vec::new());
        // (prefix, is a resource, paren depth of the call the scope sits in)
        let mut scopes: Vec<(String, bool, i32)> = Vec::new();
        let (mut braces, mut parens) = (0i32, 0i32);
        let context = |i: usize| {
            toks[i.saturating_sub(2)..(i + 8).min(toks.len())]
                .iter()
                .map(|t| match t {
                    Tok::Str(s) => format!("{s:?}"),
                    Tok::Ident(s) => s.clone(),
                    Tok::Punct(c) => c.to_string(),
                })
                .collect::<String>()
        };
        let mut i = open;
        while i < toks.len() {
            let t = |k: usize| toks.get(i + k);
            match &toks[i] {
                Tok::Punct('{') => braces += 1,
                Tok::Punct('}') => {
                    braces -= 1;
                    if braces == 0 {
                        break;
                    }
                }
                Tok::Punct('(') => parens += 1,
                Tok::Punct(')') => {
                    parens -= 1;
                    while scopes.last().is_some_and(|s| parens < s.2) {
                        scopes.pop();
                    }
                }
                Tok::Ident(name)
                    if (name == "scope" || name == "resource")
                        && i >= 3
                        && is_ident(toks.get(i - 3), "web")
                        && is_punct(toks.get(i - 1), ':') =>
                {
                    match (t(1), t(2)) {
                        (Some(Tok::Punct('(')), Some(Tok::Str(prefix))) => {
                            scopes.push((prefix.clone(), name == "resource", parens))
                        }
                        _ => problems.push(format!("unreadable web::{name}: {}", context(i))),
                    }
                }
                Tok::Punct('.') if is_ident(t(1), "service") && is_punct(t(2), '(') => {
                    let known = is_ident(t(3), "web")
                        && (is_ident(t(6), "scope") || is_ident(t(6), "resource"));
                    if !known {
                        problems.push(format!(
                            "a service the reader cannot follow: {}",
                            context(i)
                        ));
                    }
                }
                Tok::Punct('.') if is_ident(t(1), "route") && is_punct(t(2), '(') => {
                    // `.route("PATH", web::METHOD()` or, on a resource, `.route(web::METHOD()`.
                    let (path, m) = match t(3) {
                        Some(Tok::Str(p)) if is_punct(t(4), ',') => (Some(p.clone()), 5),
                        _ if scopes.last().is_some_and(|s| s.1) => (Some(String::new()), 3),
                        _ => (None, 3),
                    };
                    let method = match (t(m), t(m + 1), t(m + 2), t(m + 3), t(m + 4)) {
                        (
                            Some(Tok::Ident(w)),
                            Some(Tok::Punct(':')),
                            Some(Tok::Punct(':')),
                            Some(Tok::Ident(method)),
                            Some(Tok::Punct('(')),
                        ) if w == "web" && METHODS.contains(&method.as_str()) => {
                            Some(method.clone())
                        }
                        _ => None,
                    };
                    match (method, path) {
                        (Some(method), Some(path)) => {
                            let prefix: String = scopes.iter().map(|s| s.0.as_str()).collect();
                            routes.push((method, openapi_path(&format!("{prefix}{path}"))));
                        }
                        _ => problems.push(format!("unreadable route: {}", context(i))),
                    }
                }
                _ => {}
            }
            i += 1;
        }
        if problems.is_empty() {
            Ok(routes)
        } else {
            Err(problems)
        }
    }

    fn registered_routes() -> Vec<(String, String)> {
        routes_in(include_str!("../routes.rs"))
            .unwrap_or_else(|problems| panic!("routes.rs: {problems:#?}"))
    }

    fn document() -> Value {
        serde_json::from_str(DOCUMENT).expect("static/openapi.json is JSON")
    }

    fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                if METHODS.contains(&method.as_str()) {
                    out.push((method.clone(), path.clone(), op));
                }
            }
        }
        out
    }

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
    fn the_reader_follows_any_formatting_and_scopes() {
        let source = r#"
            pub fn configure(cfg: &mut web::ServiceConfig) {
                // .route("/commented", web::get().to(x))
                cfg.route("/a", web::get().to(a))
                    .route(
                        "/b/{id:\d+}",
                        web::post()
                            .to(b),
                    )
                    .service(
                        web::scope("/api")
                            .route("", web::get().to(c))
                            .service(web::scope("/inner").route("/d", web::patch().to(d)))
                            .route("/e", web::delete().to(e)),
                    )
                    .service(web::resource("/r").route(web::head().to(f)))
                    .route("/after", web::put().to(g));
            }
            fn other() { cfg.route("/not-routes", web::get().to(h)); }
        "#;
        let found = routes_in(source).unwrap();
        let want = [
            ("get", "/a"),
            ("post", "/b/{id}"),
            ("get", "/api"),
            ("patch", "/api/inner/d"),
            ("delete", "/api/e"),
            ("head", "/r"),
            ("put", "/after"),
        ];
        assert_eq!(found, want.map(|(m, p)| (m.to_owned(), p.to_owned())));
        let odd = routes_in(
            "fn configure(cfg: &mut X) { cfg.service(hello).route(PATH, web::get().to(x)); }",
        )
        .unwrap_err();
        assert_eq!(odd.len(), 2, "{odd:?}");
    }

    #[test]
    fn the_document_is_openapi_3_1_with_complete_operations() {
        let doc = document();
        let version = doc["openapi"].as_str().unwrap_or_default();
        assert!(version.starts_with("3.1."), "openapi is {version:?}");
        assert_eq!(doc["info"]["title"], "fission");
        assert!(doc["info"]["version"].is_string());
        let mut ids = BTreeSet::new();
        let mut problems = Vec::new();
        for (method, path, op) in operations(&doc) {
            let id = op["operationId"].as_str().unwrap_or_default();
            if id.is_empty() || !ids.insert(id.to_owned()) {
                problems.push(format!(
                    "{method} {path}: operationId missing or used twice"
                ));
            }
            if op["summary"].as_str().unwrap_or_default().is_empty() {
                problems.push(format!("{method} {path}: summary"));
            }
            if op["responses"].as_object().is_none_or(|r| r.is_empty()) {
                problems.push(format!("{method} {path}: responses"));
            }
            let params: BTreeSet<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            let in_path: BTreeSet<&str> = path
                .split('{')
                .skip(1)
                .filter_map(|s| s.split('}').next())
                .collect();
            if params != in_path {
                problems.push(format!(
                    "{method} {path}: path parameters {params:?}, the path has {in_path:?}"
                ));
            }
        }
        let mut all_refs = Vec::new();
        refs(&doc, &mut all_refs);
        for r in all_refs {
            let target = r.strip_prefix('#').map(|p| doc.pointer(p));
            if !matches!(target, Some(Some(_))) {
                problems.push(format!("dangling $ref {r}"));
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn every_registered_route_is_documented_and_not_marked_planned() {
        let doc = document();
        let routes = registered_routes();
        assert!(routes.len() >= 30, "the route reader found only {routes:?}");
        let missing: Vec<String> = routes
            .iter()
            .filter(|(method, path)| {
                let op = &doc["paths"][path.as_str()][method.as_str()];
                !op.is_object() || op.get("x-fission-status").is_some()
            })
            .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
            .collect();
        assert!(missing.is_empty(), "routes in http/mod.rs missing from static/openapi.json (or still marked planned): {missing:#?}");
    }

    #[test]
    fn every_documented_operation_is_routed_unless_planned() {
        let doc = document();
        let routes: BTreeSet<(String, String)> = registered_routes().into_iter().collect();
        let stale: Vec<String> = operations(&doc)
            .into_iter()
            .filter(|(m, p, op)| {
                op.get("x-fission-status").is_none() && !routes.contains(&(m.clone(), p.clone()))
            })
            .map(|(m, p, _)| format!("{} {p}", m.to_uppercase()))
            .collect();
        assert!(stale.is_empty(), "documented but not routed (mark them \"x-fission-status\": \"planned\" or route them): {stale:#?}");
    }

    #[test]
    fn admin_operations_declare_bearer_auth_and_roles() {
        let doc = document();
        assert_eq!(
            doc["components"]["securitySchemes"]["bearerAuth"]["type"],
            "http"
        );
        assert_eq!(
            doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
            "bearer"
        );
        let known = ["admin", "marketer", "finance", "viewer"];
        let mut problems = Vec::new();
        for (method, path, op) in operations(&doc) {
            let admin = path.starts_with("/api/v1/")
                && !path.starts_with("/api/v1/public/")
                && path != "/api/v1/openapi.json";
            if !admin {
                if op.get("security").is_some() || op.get("x-fission-roles").is_some() {
                    problems.push(format!(
                        "{method} {path} is public but declares security or roles"
                    ));
                }
                continue;
            }
            if !op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r["bearerAuth"].is_array()))
            {
                problems.push(format!("{method} {path}: no bearerAuth security"));
            }
            let roles: Vec<&str> = op["x-fission-roles"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if !roles.contains(&"admin") || roles.iter().any(|r| !known.contains(r)) {
                problems.push(format!("{method} {path}: x-fission-roles {roles:?}"));
            }
            if !op["responses"]["401"].is_object() {
                problems.push(format!("{method} {path}: no 401"));
            }
            if roles.len() < known.len() && !op["responses"]["403"].is_object() {
                problems.push(format!(
                    "{method} {path}: roles are limited but there is no 403"
                ));
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }
}

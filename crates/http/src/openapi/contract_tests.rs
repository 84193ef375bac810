//! What SDK generators need from the contract, checked on the generated document.

use serde_json::Value;

use crate::error::ProblemCode;

fn doc() -> Value {
    serde_json::to_value(super::openapi()).expect("serialises")
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            all.push((path.clone(), method.clone(), op.clone()));
        }
    }
    all
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(r) => r
            .trim_start_matches("#/")
            .split('/')
            .fold(doc, |v, key| &v[key]),
        None => value,
    }
}

fn parameter_names(doc: &Value, op: &Value) -> Vec<String> {
    op["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| resolve(doc, p)["name"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn conditional_operations_declare_their_headers() {
    let doc = doc();
    let mut seen = (0, 0);
    for (path, method, op) in operations(&doc) {
        let names = parameter_names(&doc, &op);
        let responses = &op["responses"];
        if responses.get("412").is_some() {
            seen.0 += 1;
            assert!(names.contains(&"If-Match".into()), "{method} {path}");
        }
        if responses.get("304").is_some() {
            seen.1 += 1;
            assert!(names.contains(&"If-None-Match".into()), "{method} {path}");
            let not_modified = resolve(&doc, &responses["304"]);
            assert!(not_modified["headers"].get("ETag").is_some(), "{path}");
            assert!(responses["200"]["headers"].get("ETag").is_some(), "{path}");
        }
    }
    assert!(seen.0 >= 6 && seen.1 >= 4, "{seen:?}");
}

#[test]
fn every_body_and_every_problem_has_an_example_and_optional_bodies_are_plain_refs() {
    let doc = doc();
    for (path, method, op) in operations(&doc) {
        if let Some(body) = op.get("requestBody") {
            let content = &body["content"]["application/json"];
            assert!(
                content.get("example").is_some(),
                "{method} {path}: body example"
            );
            assert!(
                content["schema"].get("$ref").is_some(),
                "{method} {path}: $ref"
            );
        }
        for (status, response) in op["responses"].as_object().expect("responses") {
            let response = resolve(&doc, response);
            if response["content"]
                .get("application/problem+json")
                .is_some()
            {
                for code in listed_codes(response) {
                    let example = problem_example(response, code);
                    assert_eq!(
                        example["status"].to_string(),
                        *status,
                        "{method} {path}: the example's status"
                    );
                    assert_eq!(example["code"], code.as_str(), "{method} {path} {status}");
                }
            }
            assert!(
                response["headers"].get("X-Request-Id").is_some(),
                "{path} {status}"
            );
            if status == "429" || status == "503" {
                assert!(
                    response["headers"].get("Retry-After").is_some(),
                    "{path} {status}"
                );
            }
            if status == "201" {
                assert!(response["headers"].get("Location").is_some(), "{path}");
            }
        }
        if path.starts_with("/health/") {
            assert!(
                op["responses"].get("429").is_none(),
                "{path} is never throttled"
            );
        }
        assert!(op.get("security").is_some(), "{method} {path}: security");
    }
}

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves() {
    let doc = doc();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 100);
    for r in all {
        let reference = serde_json::json!({ "$ref": r });
        assert!(resolve(&doc, &reference).is_object(), "{r} dangles");
    }
}

#[test]
fn problem_codes_are_the_enum_and_stay_open() {
    let doc = doc();
    let codes: Vec<&str> = doc["components"]["schemas"]["ProblemCode"]["enum"]
        .as_array()
        .expect("an enum")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let expected: Vec<&str> = ProblemCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(codes, expected);
    let code = &doc["components"]["schemas"]["Problem"]["properties"]["code"];
    assert_eq!(code["anyOf"][1]["type"], "string");
}

#[test]
fn cookie_authenticated_writes_need_the_csrf_header() {
    let doc = doc();
    for (path, method, op) in operations(&doc) {
        for requirement in op["security"].as_array().expect("security") {
            if requirement.get("cookie").is_some() && method != "get" {
                assert!(requirement.get("csrf").is_some(), "{method} {path}");
            }
        }
    }
}

/// The codes a problem response lists in `x-problem-codes`, each a `ProblemCode`.
fn listed_codes(response: &Value) -> Vec<ProblemCode> {
    response["x-problem-codes"]
        .as_array()
        .expect("a problem response lists its codes")
        .iter()
        .map(|name| {
            *ProblemCode::ALL
                .iter()
                .find(|code| Some(code.as_str()) == name.as_str())
                .unwrap_or_else(|| panic!("{name} is no code"))
        })
        .collect()
}

/// The example of `code` in a problem response: its only `example`, or its entry in `examples`.
fn problem_example(response: &Value, code: ProblemCode) -> Value {
    let content = &response["content"]["application/problem+json"];
    match content.get("examples") {
        Some(examples) => examples[code.as_str()]["value"].clone(),
        None => content["example"].clone(),
    }
}

/// Each problem response lists its codes (from the `Problems<...>` of the handler and those
/// every operation of its kind has): every code belongs under that status, appears once, is
/// named in the description with its meaning, and has an example. A code under the wrong
/// status cannot be documented.
#[test]
fn problem_responses_list_their_codes_under_their_status_with_an_example_each() {
    let doc = doc();
    let mut listed = std::collections::BTreeSet::new();
    for (path, method, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().expect("responses") {
            let response = resolve(&doc, response);
            if response["content"]
                .get("application/problem+json")
                .is_none()
            {
                continue;
            }
            let codes = listed_codes(response);
            assert!(!codes.is_empty(), "{method} {path} {status}");
            let description = response["description"].as_str().expect("a description");
            for (i, code) in codes.iter().enumerate() {
                assert_eq!(code.status().as_str(), status, "{method} {path}: {code:?}");
                assert!(
                    !codes[..i].contains(code),
                    "{method} {path}: {code:?} twice"
                );
                let line = format!("`{}`: {}", code.as_str(), code.meaning());
                assert!(description.contains(&line), "{method} {path} {status}");
                assert_eq!(problem_example(response, *code)["code"], code.as_str());
                listed.insert(code.as_str());
            }
        }
    }
    // Every code an operation can answer with is documented somewhere (the router's own
    // 404/405/406 and the generic 400 aside).
    for code in ProblemCode::ALL {
        let undocumented = [
            ProblemCode::BadRequest,
            ProblemCode::MethodNotAllowed,
            ProblemCode::NotAcceptable,
        ];
        assert_eq!(
            listed.contains(code.as_str()),
            !undocumented.contains(code),
            "{code:?}"
        );
    }
}

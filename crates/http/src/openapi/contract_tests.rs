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
            if let Some(problem) = response["content"].get("application/problem+json") {
                let example = &problem["example"];
                assert_eq!(
                    example["status"].to_string(),
                    *status,
                    "{method} {path}: the example's status"
                );
                let code = example["code"].as_str().expect("an example code");
                assert!(
                    ProblemCode::ALL.iter().any(|c| c.as_str() == code),
                    "{method} {path} {status}: {code}"
                );
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

/// The codes an operation lists by hand in `#[utoipa::path]` are checked against
/// `ProblemCode`: a misspelt code, or one under the wrong status, fails here instead of
/// silently giving the response the status's default example.
#[test]
fn hand_written_problem_descriptions_name_a_problem_code_of_their_status() {
    let doc = doc();
    let mut seen = 0;
    for (path, method, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().expect("responses") {
            if response.get("$ref").is_some()
                || response["content"]
                    .get("application/problem+json")
                    .is_none()
            {
                continue;
            }
            seen += 1;
            let description = response["description"].as_str().expect("a description");
            let named = description.split('`').nth(1).unwrap_or_default();
            let code = ProblemCode::ALL
                .iter()
                .find(|c| c.as_str() == named)
                .unwrap_or_else(|| panic!("{method} {path} {status}: `{named}` is no code"));
            assert_eq!(
                code.status().as_str(),
                status,
                "{method} {path}: `{named}` under the wrong status"
            );
            let example = &response["content"]["application/problem+json"]["example"];
            assert_eq!(example["code"], named, "{method} {path} {status}");
        }
    }
    assert!(seen > 10, "only {seen} hand-written problem responses");
}

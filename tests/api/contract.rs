//! The committed contract is exactly what the code generates, and every operation it lists is
//! actually routed.

use agora_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::Value;

const COMMITTED: &str = include_str!("../../docs/api.yaml");

#[test]
fn docs_api_yaml_matches_the_code() {
    let generated = agora_http::openapi_yaml().expect("the document serialises");
    assert!(
        generated == COMMITTED,
        "docs/api.yaml is stale: regenerate it with `cargo run -q -p agora -- openapi > docs/api.yaml`"
    );
}

#[tokio::test]
async fn the_served_document_is_the_generated_one() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/api/openapi.json")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let served: Value = response.json().await.expect("json");
    let generated = serde_json::to_value(agora_http::openapi()).expect("serialises");
    assert_eq!(served, generated);
    assert!(
        served["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = spawn_app().await;
    let doc = serde_json::to_value(agora_http::openapi()).expect("serialises");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(!paths.is_empty());
    for (path, item) in paths {
        let concrete = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
        for method in item.as_object().expect("path item").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let response = app
                .request(method.clone(), &concrete)
                .send()
                .await
                .expect("sent");
            assert_ne!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            if !path.contains('{') {
                assert_ne!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
            }
        }
    }
}

/// The document's `security` is what the server does: an operation that names credentials
/// answers an anonymous caller 401 `unauthenticated`, and one open to anyone (no requirement,
/// or an empty one) never does. Each operation is called once without credentials, with an
/// empty JSON object as its body.
#[tokio::test]
async fn the_documented_security_is_what_an_anonymous_caller_gets() {
    let app = spawn_app().await;
    let doc = serde_json::to_value(agora_http::openapi()).expect("serialises");
    let mut checked = (0, 0);
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let concrete = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
        for (method, op) in item.as_object().expect("path item") {
            let requirements = op["security"]
                .as_array()
                .expect("security is always declared");
            let open = requirements.is_empty()
                || requirements
                    .iter()
                    .any(|r| r.as_object().is_some_and(|r| r.is_empty()));
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let mut request = app.request(method.clone(), &concrete);
            if method != Method::GET && method != Method::DELETE {
                request = request.json(&serde_json::json!({}));
            }
            let response = request.send().await.expect("sent");
            let status = response.status();
            if open {
                checked.0 += 1;
                assert_ne!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} is public"
                );
            } else {
                checked.1 += 1;
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
                let body: Value = response.json().await.expect("a problem");
                assert_eq!(body["code"], "unauthenticated", "{method} {path}");
            }
        }
    }
    assert!(checked.0 >= 10 && checked.1 >= 15, "{checked:?}");
}

/// The codes a response of `op` documents under `status` (`x-problem-codes`), following a
/// `$ref` to a shared response.
fn documented_codes(doc: &Value, op: &Value, status: StatusCode) -> Option<Vec<String>> {
    let mut response = &op["responses"][status.as_str()];
    if let Some(name) = response["$ref"].as_str() {
        let name = name.rsplit('/').next().expect("a name");
        response = &doc["components"]["responses"][name];
    }
    let codes = response["x-problem-codes"].as_array()?;
    Some(
        codes
            .iter()
            .filter_map(|c| c.as_str().map(str::to_owned))
            .collect(),
    )
}

/// Every problem the server answers an operation with is a status it documents with that code
/// in the status's `x-problem-codes`. Each operation is called as a hostile client would:
/// anonymously, with a forged token, and as a member with an empty, a malformed, an unknown
/// field's and a non-JSON body, on a random id and on a post of someone else.
#[tokio::test]
async fn every_problem_an_operation_answers_is_one_it_documents() {
    let app = spawn_app().await;
    let doc = serde_json::to_value(agora_http::openapi()).expect("serialises");
    let author = app.member().await;
    let post = app.create_post(&author, "someone else's").await;
    let post_id = post["id"].as_str().expect("an id").to_owned();
    let mut member = app.member().await;
    let mut answered = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let with_body = method != Method::GET;
            let random = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
            let others = path.replace("{id}", &post_id);
            let calls: [(&str, Option<&str>, Option<&str>); 7] = [
                (&random, None, Some("{}")),
                (&random, Some("forged.access.token"), Some("{}")),
                (&random, Some(member.token()), Some("{}")),
                (&random, Some(member.token()), Some("{\"title\": ")),
                (
                    &random,
                    Some(member.token()),
                    Some("{\"unexpected\": true}"),
                ),
                (&others, Some(member.token()), Some("{}")),
                (&others, Some(member.token()), None),
            ];
            for (target, token, body) in calls {
                let mut request = app.request(method.clone(), target);
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                if let (true, Some(body)) = (with_body, body) {
                    request = request
                        .header("content-type", "application/json")
                        .body(body.to_owned());
                }
                let response = request.send().await.expect("sent");
                let status = response.status();
                if !status.is_client_error() && !status.is_server_error() {
                    continue;
                }
                let problem: Value = response.json().await.expect("a problem body");
                let code = problem["code"].as_str().expect("a code").to_owned();
                let documented = documented_codes(&doc, op, status)
                    .unwrap_or_else(|| panic!("{method} {target}: {status} is not documented"));
                assert!(
                    documented.contains(&code),
                    "{method} {path}: `{code}` under {status} is not in {documented:?}"
                );
                answered.insert(code);
            }
            if path.contains("logout") {
                member = app.member().await;
            }
        }
    }
    // The calls reach the codes they are meant to try.
    for code in [
        "unauthenticated",
        "invalid_token",
        "forbidden",
        "not_found",
        "malformed_json",
        "validation_failed",
    ] {
        assert!(answered.contains(code), "no call was answered `{code}`");
    }
}

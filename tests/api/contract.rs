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

//! CORS: only the origins in `CORS_ORIGINS`, exactly, with credentials; never a wildcard.

use agora_tests::spawn_app_with;
use reqwest::{Method, Response, StatusCode};

const ALLOWED: &str = "https://app.example.com";

async fn app() -> agora_tests::TestApp {
    spawn_app_with(|s| s.limits.cors_origins = vec![ALLOWED.to_owned()]).await
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn preflight(app: &agora_tests::TestApp, origin: &str) -> Response {
    app.request(Method::OPTIONS, "/api/posts")
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type, x-csrf-token",
        )
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn an_allowed_origin_gets_its_preflight_answered_with_credentials() {
    let app = app().await;
    let response = preflight(&app, ALLOWED).await;
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    assert_eq!(
        header(&response, "access-control-allow-credentials"),
        Some("true")
    );
    let methods = header(&response, "access-control-allow-methods").unwrap_or_default();
    assert!(methods.contains("POST"), "{methods}");
    let headers = header(&response, "access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(headers.contains("x-csrf-token"), "{headers}");

    let actual = app
        .request(Method::GET, "/api/posts")
        .header("Origin", ALLOWED)
        .send()
        .await
        .expect("sent");
    assert_eq!(actual.status(), StatusCode::OK);
    assert_eq!(
        header(&actual, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    let exposed = header(&actual, "access-control-expose-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("ratelimit") && exposed.contains("etag"),
        "{exposed}"
    );
}

#[tokio::test]
async fn other_origins_get_no_cors_headers() {
    let app = app().await;
    for origin in [
        "https://evil.example.com",
        "https://app.example.com.evil.com",
        "http://app.example.com",
        "null",
    ] {
        let response = preflight(&app, origin).await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{origin}"
        );
        let actual = app
            .request(Method::GET, "/api/posts")
            .header("Origin", origin)
            .send()
            .await
            .expect("sent");
        assert_eq!(
            header(&actual, "access-control-allow-origin"),
            None,
            "{origin}"
        );
        assert_eq!(
            header(&actual, "access-control-allow-credentials"),
            None,
            "{origin}"
        );
        assert_eq!(
            header(&actual, "access-control-expose-headers"),
            None,
            "{origin}"
        );
    }
}

#[tokio::test]
async fn without_configured_origins_no_origin_is_allowed() {
    let app = spawn_app_with(|_| {}).await;
    let response = preflight(&app, ALLOWED).await;
    assert_eq!(header(&response, "access-control-allow-origin"), None);
}

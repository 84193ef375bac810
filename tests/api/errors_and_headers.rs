use agora_tests::{assert_problem, spawn_app};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let response = app
        .request(Method::POST, "/api/auth/login")
        .header("Content-Type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("sent");
    assert_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = spawn_app().await;
    let response = app
        .request(Method::POST, "/api/auth/register")
        .header("Content-Type", "text/plain")
        .body("username=ada")
        .send()
        .await
        .expect("sent");
    assert_problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = spawn_app().await;
    let huge = format!(
        "{{\"email\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(100 * 1024)
    );
    let response = app
        .request(Method::POST, "/api/auth/login")
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("sent");
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let app = spawn_app().await;
    let missing = app
        .request(Method::GET, "/api/nothing-here")
        .send()
        .await
        .expect("sent");
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;

    let wrong_method = app
        .request(Method::GET, "/api/auth/login")
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong_method.headers()["allow"], "POST");
    assert_problem(
        wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::GET, "/health/live"),
        (Method::GET, "/api/users/me"),
        (Method::GET, "/nowhere"),
        (Method::PUT, "/api/auth/login"),
    ] {
        let response = app.request(method, path).send().await.expect("sent");
        let headers = response.headers();
        assert_eq!(
            headers["content-security-policy"].to_str().expect("ascii"),
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
            "{path}"
        );
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert!(
            headers["strict-transport-security"]
                .to_str()
                .expect("ascii")
                .starts_with("max-age=")
        );
        assert!(headers.contains_key("x-request-id"));
    }
}

#[tokio::test]
async fn a_sane_request_id_is_echoed_and_an_unsafe_one_replaced() {
    let app = spawn_app().await;
    let echoed = app
        .request(Method::GET, "/health/live")
        .header("X-Request-Id", "client-req-42")
        .send()
        .await
        .expect("sent");
    assert_eq!(echoed.headers()["x-request-id"], "client-req-42");

    let replaced = app
        .request(Method::GET, "/health/live")
        .header("X-Request-Id", "<script>alert(1)</script>")
        .send()
        .await
        .expect("sent");
    let id = replaced.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
}

#[tokio::test]
async fn the_docs_page_is_served_with_its_own_csp_and_no_external_assets() {
    let app = spawn_app().await;
    let redirect = app
        .request(Method::GET, "/api/docs")
        .send()
        .await
        .expect("sent");
    assert!(redirect.status().is_redirection());

    let page = app
        .request(Method::GET, "/api/docs/")
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = page.text().await.expect("html");
    assert!(html.contains("swagger-ui"));
    assert!(
        !html.contains("https://"),
        "no asset may come from the internet"
    );

    let script = app
        .request(Method::GET, "/api/docs/swagger-ui-bundle.js")
        .send()
        .await
        .expect("sent");
    assert_eq!(script.status(), StatusCode::OK);
}

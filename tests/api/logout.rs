use agora_tests::{CookieJar, assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn assert_cookies_cleared(jar: &CookieJar) {
    for name in ["access_token", "refresh_token", "csrf_token"] {
        let cookie = jar
            .get(name)
            .unwrap_or_else(|| panic!("{name} not cleared"));
        assert_eq!(cookie.attr("max-age"), Some("0"), "{name}");
        assert_eq!(cookie.value, "", "{name}");
    }
}

#[tokio::test]
async fn logout_with_bearer_ends_the_session_and_kills_its_access_token() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;

    let response = app
        .request(Method::POST, "/api/auth/logout")
        .bearer_auth(&login.access_token)
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_cookies_cleared(&CookieJar::from_response(&response));
    let me = app.get_bearer("/api/users/me", &login.access_token).await;
    assert_problem(me, StatusCode::UNAUTHORIZED, "session_revoked").await;
    let refresh = app.refresh_with_cookie(&login.refresh_cookie).await;
    assert_problem(refresh, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
}

#[tokio::test]
async fn logout_works_with_the_refresh_cookie_alone() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;

    // An expired access cookie is as good as none: only the refresh cookie identifies the session.
    let response = app
        .request(Method::POST, "/api/auth/logout")
        .header(
            "Cookie",
            format!(
                "access_token=expired.jwt.value; refresh_token={}",
                login.refresh_cookie
            ),
        )
        .header("X-CSRF-Token", &login.csrf_token)
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_cookies_cleared(&CookieJar::from_response(&response));
    let me = app.get_bearer("/api/users/me", &login.access_token).await;
    assert_problem(me, StatusCode::UNAUTHORIZED, "session_revoked").await;
}

#[tokio::test]
async fn logout_by_refresh_cookie_needs_the_csrf_header() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;

    let response = app
        .request(Method::POST, "/api/auth/logout")
        .header("Cookie", format!("refresh_token={}", login.refresh_cookie))
        .send()
        .await
        .expect("sent");

    assert_problem(response, StatusCode::FORBIDDEN, "csrf_failed").await;
    let me = app.get_bearer("/api/users/me", &login.access_token).await;
    assert_eq!(
        me.status(),
        StatusCode::OK,
        "a forged logout changed nothing"
    );
}

#[tokio::test]
async fn native_clients_log_out_with_the_refresh_token_in_the_body() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;

    let response = app
        .post_json(
            "/api/auth/logout",
            &json!({"refresh_token": login.refresh_cookie}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let me = app.get_bearer("/api/users/me", &login.access_token).await;
    assert_problem(me, StatusCode::UNAUTHORIZED, "session_revoked").await;
}

#[tokio::test]
async fn logout_without_credentials_is_401() {
    let app = spawn_app().await;
    let response = app
        .request(Method::POST, "/api/auth/logout")
        .send()
        .await
        .expect("sent");
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

/// The contract documents the optional body as `RefreshRequest` (not `oneOf [T, null]`, which
/// generated clients choke on): a `null` body is of the wrong shape, refused before anything
/// happens, and the session stays alive.
#[tokio::test]
async fn a_null_body_is_refused_as_the_contract_says() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;

    let response = app
        .request(Method::POST, "/api/auth/logout")
        .bearer_auth(&login.access_token)
        .header("Content-Type", "application/json")
        .body("null")
        .send()
        .await
        .expect("sent");

    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let me = app.get_bearer("/api/users/me", &login.access_token).await;
    assert_eq!(me.status(), StatusCode::OK);
    let refresh = app
        .request(Method::POST, "/api/auth/refresh")
        .header("Content-Type", "application/json")
        .body("null")
        .send()
        .await
        .expect("sent");
    assert_problem(
        refresh,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

/// Generated clients (openapi-python-client, openapi-generator) send `Content-Type:
/// application/json` with an empty body when the optional body is left out: that is no body,
/// not malformed JSON.
#[tokio::test]
async fn an_empty_body_labelled_json_is_no_body() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;

    let response = app
        .request(Method::POST, "/api/auth/logout")
        .bearer_auth(&login.access_token)
        .header("Content-Type", "application/json")
        .header("Content-Length", "0")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // Refresh by cookie, again with the JSON label and nothing after it.
    let (_, login) = app.logged_in_user().await;
    let response = app
        .request(Method::POST, "/api/auth/refresh")
        .header("Cookie", format!("refresh_token={}", login.refresh_cookie))
        .header("Content-Type", "application/json")
        .body("")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);

    // A body that is present but broken is still malformed.
    let response = app
        .request(Method::POST, "/api/auth/logout")
        .bearer_auth(&login.access_token)
        .header("Content-Type", "application/json")
        .body("{")
        .send()
        .await
        .expect("sent");
    assert_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
}

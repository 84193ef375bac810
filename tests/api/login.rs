use agora_tests::{assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn login_returns_tokens_and_the_user() {
    let app = spawn_app().await;
    let user = app.registered_user().await;

    let login = app.login(&user).await;

    assert_eq!(login.body["token_type"], "Bearer");
    assert_eq!(login.body["expires_in"], 900);
    assert_eq!(login.body["user"]["email"], user.email);
    assert_eq!(login.body["user"]["roles"], json!(["user"]));
    assert!(
        login.body.get("refresh_token").is_none(),
        "browsers never see it in the body"
    );
    assert_eq!(login.access_token.split('.').count(), 3, "a JWT");
    assert_eq!(login.access_cookie, login.access_token);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    let user = app.registered_user().await;

    let wrong_password = app.login_response(&user.email, "not-the-password").await;
    let unknown_email = app
        .login_response("nobody@example.com", &user.password)
        .await;
    let malformed_email = app.login_response("nobody", &user.password).await;

    let a = assert_problem(
        wrong_password,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let b = assert_problem(
        unknown_email,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let c = assert_problem(
        malformed_email,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(a, b);
    assert_eq!(b, c);
}

#[tokio::test]
async fn the_access_token_opens_users_me() {
    let app = spawn_app().await;
    let (user, login) = app.logged_in_user().await;

    let response = app.get_bearer("/api/users/me", &login.access_token).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["username"], user.username);
    assert_eq!(body["email"], user.email);
}

#[tokio::test]
async fn users_me_without_valid_credentials_is_401() {
    let app = spawn_app().await;
    let no_credentials = app
        .request(Method::GET, "/api/users/me")
        .send()
        .await
        .expect("sent");
    assert_problem(no_credentials, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    let garbage = app.get_bearer("/api/users/me", "not.a.jwt").await;
    assert_problem(garbage, StatusCode::UNAUTHORIZED, "invalid_token").await;

    let wrong_scheme = app
        .request(Method::GET, "/api/users/me")
        .header("Authorization", "Basic YWRhOnB3")
        .send()
        .await
        .expect("sent");
    assert_problem(wrong_scheme, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn native_clients_can_ask_for_the_refresh_token_in_the_body() {
    let app = spawn_app().await;
    let user = app.registered_user().await;

    let response = app
        .post_json(
            "/api/auth/login",
            &json!({"email": user.email, "password": user.password, "include_refresh_token": true}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    let refresh_token = body["refresh_token"]
        .as_str()
        .expect("refresh token in body");

    let refreshed = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": refresh_token}),
        )
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let body: Value = refreshed.json().await.expect("json");
    assert!(
        body["refresh_token"]
            .as_str()
            .is_some_and(|t| t != refresh_token)
    );
}

#[tokio::test]
async fn browsers_cannot_ask_for_the_refresh_token_in_the_body() {
    let app = spawn_app().await;
    let user = app.registered_user().await;

    let response = app
        .request(Method::POST, "/api/auth/login")
        .header("Origin", "https://app.example.com")
        .json(
            &json!({"email": user.email, "password": user.password, "include_refresh_token": true}),
        )
        .send()
        .await
        .expect("sent");

    assert_problem(
        response,
        StatusCode::BAD_REQUEST,
        "refresh_token_in_body_not_allowed",
    )
    .await;
}

use agora_tests::{CookieJar, assert_problem, spawn_app};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn login_sets_the_three_cookies_with_their_attributes() {
    let app = spawn_app().await;
    let user = app.registered_user().await;

    let response = app.login_response(&user.email, &user.password).await;
    let jar = CookieJar::from_response(&response);

    let access = jar.get("access_token").expect("access cookie");
    assert!(access.has("httponly") && access.has("secure"));
    assert_eq!(access.attr("samesite"), Some("Lax"));
    assert_eq!(access.attr("path"), Some("/api"));
    assert_eq!(access.attr("max-age"), Some("900"));

    let refresh = jar.get("refresh_token").expect("refresh cookie");
    assert!(refresh.has("httponly") && refresh.has("secure"));
    assert_eq!(refresh.attr("samesite"), Some("Strict"));
    assert_eq!(refresh.attr("path"), Some("/api/auth"));
    assert_eq!(refresh.attr("max-age"), Some("604800"));

    let csrf = jar.get("csrf_token").expect("csrf cookie");
    assert!(!csrf.has("httponly"), "scripts must be able to read it");
    assert!(csrf.has("secure"));
    assert_eq!(csrf.attr("samesite"), Some("Strict"));
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(
        body["csrf_token"], csrf.value,
        "also in the body for cross-subdomain frontends"
    );
}

#[tokio::test]
async fn cookie_authenticated_reads_need_no_csrf_token() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;

    let response = app
        .request(Method::GET, "/api/users/me")
        .header("Cookie", format!("access_token={}", login.access_cookie))
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn cookie_authenticated_writes_need_the_session_bound_csrf_token() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;
    let (_, other) = app.logged_in_user().await;
    let cookie = format!(
        "access_token={}; csrf_token={}",
        login.access_cookie, login.csrf_token
    );
    let send = |csrf: Option<String>| {
        let mut request = app
            .request(Method::POST, "/api/auth/logout-all")
            .header("Cookie", cookie.clone());
        if let Some(csrf) = csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
        request.send()
    };

    let missing = send(None).await.expect("sent");
    assert_problem(missing, StatusCode::FORBIDDEN, "csrf_failed").await;
    // A token planted by a sibling subdomain is valid only for its own session.
    let foreign = send(Some(other.csrf_token.clone())).await.expect("sent");
    assert_problem(foreign, StatusCode::FORBIDDEN, "csrf_failed").await;
    let forged = send(Some("forged".into())).await.expect("sent");
    assert_problem(forged, StatusCode::FORBIDDEN, "csrf_failed").await;
    assert_eq!(
        app.get_bearer("/api/users/me", &login.access_token)
            .await
            .status(),
        StatusCode::OK
    );

    let accepted = send(Some(login.csrf_token.clone())).await.expect("sent");
    assert_eq!(accepted.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn bearer_requests_need_no_csrf_token() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;

    let response = app
        .request(Method::POST, "/api/auth/logout-all")
        .bearer_auth(&login.access_token)
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn refresh_by_cookie_sets_new_cookies_and_a_new_csrf_token_bound_to_the_session() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;

    let response = app.refresh_with_cookie(&login.refresh_cookie).await;
    let jar = CookieJar::from_response(&response);
    assert_eq!(response.status(), StatusCode::OK);

    assert_ne!(jar.value("refresh_token"), login.refresh_cookie);
    // Same session, so the same CSRF token keeps working.
    assert_eq!(jar.value("csrf_token"), login.csrf_token);
}

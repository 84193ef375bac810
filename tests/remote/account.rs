//! An account's life as a client sees it: register, log in, read yourself, refresh, sessions,
//! log out; cookie writes need the CSRF header.

use agora_tests::{CookieJar, app_under_test, assert_problem, login_from};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn an_account_registers_logs_in_refreshes_and_logs_out() {
    let app = app_under_test().await;
    let (user, login) = app.logged_in_user().await;

    let me = app.get_bearer("/api/users/me", &login.access_token).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.expect("JSON");
    assert_eq!(me["username"], user.username.as_str());

    let refreshed = app.refresh_with_cookie(&login.refresh_cookie).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed = login_from(refreshed).await;
    assert_ne!(refreshed.access_token, login.access_token);

    let out = app
        .request(Method::POST, "/api/auth/logout")
        .bearer_auth(&refreshed.access_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let after = app
        .get_bearer("/api/users/me", &refreshed.access_token)
        .await;
    assert_problem(after, StatusCode::UNAUTHORIZED, "session_revoked").await;
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_header_and_ended_sessions_end_everywhere() {
    let app = app_under_test().await;
    let (user, browser) = app.logged_in_user().await;
    let cookie = format!(
        "access_token={}; csrf_token={}",
        browser.access_cookie, browser.csrf_token
    );
    let post = |csrf: Option<&str>| {
        let mut request = app
            .request(Method::POST, "/api/posts")
            .header("Cookie", cookie.clone())
            .json(&json!({"title": "from a browser", "body": "with cookies"}));
        if let Some(csrf) = csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
        request.send()
    };
    let refused = post(None).await.expect("sent");
    assert_problem(refused, StatusCode::FORBIDDEN, "csrf_failed").await;
    let created = post(Some(&browser.csrf_token)).await.expect("sent");
    assert_eq!(created.status(), StatusCode::CREATED);

    // A second session (a phone) lists both and ends the browser's.
    let phone = app.login(&user).await;
    let list = app
        .get_bearer("/api/auth/sessions", &phone.access_token)
        .await;
    let list: Value = list.json().await.expect("JSON");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    let other = items
        .iter()
        .find(|s| s["current"] == false)
        .and_then(|s| s["id"].as_str())
        .expect("the browser's session");
    let ended = app
        .request(Method::DELETE, &format!("/api/auth/sessions/{other}"))
        .bearer_auth(&phone.access_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    let gone = app
        .request(Method::GET, "/api/users/me")
        .header("Cookie", cookie.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(gone.status(), StatusCode::UNAUTHORIZED);
    let jar = CookieJar::from_response(&app.refresh_with_cookie(&browser.refresh_cookie).await);
    assert!(jar.get("access_token").is_none_or(|c| c.value.is_empty()));
}

#[tokio::test]
async fn errors_are_problems_and_the_probes_answer() {
    let app = app_under_test().await;
    for probe in ["/health/live", "/health/ready"] {
        let answer = app.request(Method::GET, probe).send().await.expect("sent");
        assert_eq!(answer.status(), StatusCode::OK, "{probe}");
    }
    let missing = app
        .request(Method::GET, "/api/no-such-thing")
        .send()
        .await
        .expect("sent");
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
    let malformed = app
        .request(Method::POST, "/api/auth/login")
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_problem(malformed, StatusCode::BAD_REQUEST, "malformed_json").await;
}

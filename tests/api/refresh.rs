use std::time::Duration;

use agora_tests::{CookieJar, assert_problem, login_from, spawn_app, spawn_app_with};
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn refresh_rotates_the_refresh_token_and_issues_new_tokens() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;

    let response = app.refresh_with_cookie(&login.refresh_cookie).await;

    assert_eq!(response.status(), StatusCode::OK);
    let refreshed = login_from(response).await;
    assert_ne!(refreshed.refresh_cookie, login.refresh_cookie);
    assert_ne!(refreshed.access_token, login.access_token);
    assert!(
        refreshed.body.get("refresh_token").is_none(),
        "cookie clients get it as a cookie only"
    );
    let me = app
        .get_bearer("/api/users/me", &refreshed.access_token)
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    let again = app.refresh_with_cookie(&refreshed.refresh_cookie).await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "the new refresh token works"
    );
}

#[tokio::test]
async fn reuse_after_the_grace_window_revokes_the_whole_session() {
    let app = spawn_app_with(|s| s.refresh_reuse_grace = Duration::from_secs(1)).await;
    let (_, login) = app.logged_in_user().await;
    let rotated = login_from(app.refresh_with_cookie(&login.refresh_cookie).await).await;

    tokio::time::sleep(Duration::from_millis(1300)).await;
    let reuse = app.refresh_with_cookie(&login.refresh_cookie).await;

    let jar = CookieJar::from_response(&reuse);
    assert_eq!(
        jar.get("refresh_token").and_then(|c| c.attr("max-age")),
        Some("0")
    );
    assert_problem(reuse, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
    let successor = app.refresh_with_cookie(&rotated.refresh_cookie).await;
    assert_problem(successor, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    let access = app.get_bearer("/api/users/me", &rotated.access_token).await;
    assert_problem(access, StatusCode::UNAUTHORIZED, "session_revoked").await;
}

#[tokio::test]
async fn within_the_grace_window_the_old_token_gets_the_same_replacement() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;
    let first = login_from(app.refresh_with_cookie(&login.refresh_cookie).await).await;

    let second_response = app.refresh_with_cookie(&login.refresh_cookie).await;

    assert_eq!(second_response.status(), StatusCode::OK);
    let second = login_from(second_response).await;
    assert_eq!(
        second.refresh_cookie, first.refresh_cookie,
        "no second rotation"
    );
    let next = app.refresh_with_cookie(&first.refresh_cookie).await;
    assert_eq!(next.status(), StatusCode::OK, "the replacement still works");
}

#[tokio::test]
async fn tabs_refreshing_at_the_same_moment_all_stay_logged_in() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;

    let responses = join_all((0..6).map(|_| app.refresh_with_cookie(&login.refresh_cookie))).await;

    let mut tokens = Vec::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::OK);
        tokens.push(login_from(response).await.refresh_cookie);
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "every tab got the same replacement");
    let next = app.refresh_with_cookie(&tokens[0]).await;
    assert_eq!(next.status(), StatusCode::OK);
}

#[tokio::test]
async fn with_zero_grace_any_second_use_is_reuse() {
    let app = spawn_app_with(|s| s.refresh_reuse_grace = Duration::ZERO).await;
    let (_, login) = app.logged_in_user().await;
    let first = app.refresh_with_cookie(&login.refresh_cookie).await;
    assert_eq!(first.status(), StatusCode::OK);

    let second = app.refresh_with_cookie(&login.refresh_cookie).await;

    assert_problem(second, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
}

#[tokio::test]
async fn refresh_without_or_with_a_bad_token_is_401() {
    let app = spawn_app().await;
    let none = app
        .request(Method::POST, "/api/auth/refresh")
        .send()
        .await
        .expect("sent");
    assert_problem(none, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    let garbage = app.refresh_with_cookie("garbage").await;
    assert_problem(garbage, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;

    let forged = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": "A".repeat(64)}),
        )
        .await;
    assert_problem(forged, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
}

/// What an attacker who saw a session id (not its token) can make: the id and random bytes.
fn forged_token_for(session_id: &str) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let mut bytes = uuid::Uuid::parse_str(session_id)
        .expect("session id")
        .as_bytes()
        .to_vec();
    bytes.extend_from_slice(uuid::Uuid::now_v7().as_bytes());
    bytes.extend_from_slice(uuid::Uuid::now_v7().as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

async fn reuse_events(app: &agora_tests::TestApp, admin: &agora_tests::Actor) -> usize {
    let response = app
        .get_bearer(
            "/api/audit?action=refresh_token_reused&limit=100",
            admin.token(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.expect("json");
    body["items"].as_array().expect("items").len()
}

#[tokio::test]
async fn a_forged_token_for_a_real_session_is_refused_and_ends_nothing() {
    // Zero grace: the strictest reuse detection must still tell a forgery from a reuse.
    let app = spawn_app_with(|s| s.refresh_reuse_grace = Duration::ZERO).await;
    let admin = app.admin().await;
    let victim = app.member().await;
    let sessions: serde_json::Value = app
        .get_bearer("/api/auth/sessions", victim.token())
        .await
        .json()
        .await
        .expect("json");
    let session_id = sessions["items"][0]["id"].as_str().expect("id").to_owned();

    for _ in 0..3 {
        let forged = app
            .refresh_with_cookie(&forged_token_for(&session_id))
            .await;
        assert_problem(forged, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
        let in_body = app
            .post_json(
                "/api/auth/refresh",
                &json!({"refresh_token": forged_token_for(&session_id)}),
            )
            .await;
        assert_problem(in_body, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    }

    let me = app.get_bearer("/api/users/me", victim.token()).await;
    assert_eq!(me.status(), StatusCode::OK, "the victim's session lives on");
    assert_eq!(reuse_events(&app, &admin).await, 0, "no false reuse event");
    let own = app.refresh_with_cookie(&victim.login.refresh_cookie).await;
    assert_eq!(own.status(), StatusCode::OK, "the victim still refreshes");
}

#[tokio::test]
async fn an_older_token_of_the_family_still_counts_as_reuse() {
    let app = spawn_app_with(|s| s.refresh_reuse_grace = Duration::ZERO).await;
    let admin = app.admin().await;
    let member = app.member().await;
    let mut current = member.login.clone();
    for _ in 0..4 {
        let response = app.refresh_with_cookie(&current.refresh_cookie).await;
        assert_eq!(response.status(), StatusCode::OK);
        current = login_from(response).await;
    }

    let stolen = app.refresh_with_cookie(&member.login.refresh_cookie).await;

    assert_problem(stolen, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
    let latest = app.refresh_with_cookie(&current.refresh_cookie).await;
    assert_problem(latest, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    assert_eq!(reuse_events(&app, &admin).await, 1);
}

#[tokio::test]
async fn refresh_is_refused_once_the_session_reaches_its_absolute_lifetime() {
    let app = spawn_app_with(|s| {
        s.lifetimes.session_max_lifetime = Duration::from_secs(3);
    })
    .await;
    let (_, login) = app.logged_in_user().await;

    // Refreshing often must not keep the session alive past its lifetime.
    let mut current = login;
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let response = app.refresh_with_cookie(&current.refresh_cookie).await;
        assert_eq!(response.status(), StatusCode::OK, "within the lifetime");
        current = login_from(response).await;
    }
    tokio::time::sleep(Duration::from_millis(1300)).await;

    let late = app.refresh_with_cookie(&current.refresh_cookie).await;
    assert_problem(late, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    let access = app.get_bearer("/api/users/me", &current.access_token).await;
    assert_eq!(
        access.status(),
        StatusCode::UNAUTHORIZED,
        "the session is over"
    );
}

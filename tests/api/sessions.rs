use agora_tests::{assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

async fn sessions(app: &agora_tests::TestApp, token: &str) -> Vec<Value> {
    let response = app.get_bearer("/api/auth/sessions", token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    body["items"].as_array().expect("items").clone()
}

async fn delete(app: &agora_tests::TestApp, path: &str, token: &str) -> reqwest::Response {
    app.request(Method::DELETE, path)
        .bearer_auth(token)
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn each_login_is_a_session_and_the_current_one_is_marked() {
    let app = spawn_app().await;
    let user = app.registered_user().await;
    let laptop = app.login(&user).await;
    let phone = app.login(&user).await;

    let items = sessions(&app, &phone.access_token).await;

    assert_eq!(items.len(), 2);
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    let newest = &items[0];
    assert_eq!(
        newest["current"], true,
        "newest first, and it is the phone's"
    );
    for item in &items {
        for field in ["id", "created_at", "last_used_at", "user_agent", "ip"] {
            assert!(item.get(field).is_some(), "{field} missing from {item}");
        }
        assert_eq!(item["ip"], "127.0.0.1");
    }
    assert_eq!(sessions(&app, &laptop.access_token).await.len(), 2);
}

#[tokio::test]
async fn ending_a_session_kills_its_access_and_refresh_tokens_at_once() {
    let app = spawn_app().await;
    let user = app.registered_user().await;
    let laptop = app.login(&user).await;
    let phone = app.login(&user).await;
    let items = sessions(&app, &phone.access_token).await;
    let laptop_id = items
        .iter()
        .find(|s| s["current"] == false)
        .and_then(|s| s["id"].as_str())
        .expect("laptop session")
        .to_owned();

    let response = delete(
        &app,
        &format!("/api/auth/sessions/{laptop_id}"),
        &phone.access_token,
    )
    .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let access = app.get_bearer("/api/users/me", &laptop.access_token).await;
    assert_problem(access, StatusCode::UNAUTHORIZED, "session_revoked").await;
    let refresh = app.refresh_with_cookie(&laptop.refresh_cookie).await;
    assert_problem(refresh, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    assert_eq!(
        app.get_bearer("/api/users/me", &phone.access_token)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn someone_elses_or_an_unknown_session_is_404() {
    let app = spawn_app().await;
    let (_, ada) = app.logged_in_user().await;
    let (_, bob) = app.logged_in_user().await;
    let bob_session = sessions(&app, &bob.access_token).await[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let theirs = delete(
        &app,
        &format!("/api/auth/sessions/{bob_session}"),
        &ada.access_token,
    )
    .await;
    assert_problem(theirs, StatusCode::NOT_FOUND, "not_found").await;
    let unknown = delete(
        &app,
        &format!("/api/auth/sessions/{}", Uuid::now_v7()),
        &ada.access_token,
    )
    .await;
    assert_problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
    let not_an_id = delete(&app, "/api/auth/sessions/not-a-uuid", &ada.access_token).await;
    assert_problem(not_an_id, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(
        app.get_bearer("/api/users/me", &bob.access_token)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn logout_all_ends_every_session_of_the_caller_only() {
    let app = spawn_app().await;
    let user = app.registered_user().await;
    let laptop = app.login(&user).await;
    let phone = app.login(&user).await;
    let (_, other) = app.logged_in_user().await;

    let response = app
        .request(Method::POST, "/api/auth/logout-all")
        .bearer_auth(&phone.access_token)
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for login in [&laptop, &phone] {
        let me = app.get_bearer("/api/users/me", &login.access_token).await;
        assert_problem(me, StatusCode::UNAUTHORIZED, "session_revoked").await;
        let refresh = app.refresh_with_cookie(&login.refresh_cookie).await;
        assert_problem(refresh, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    }
    assert_eq!(
        app.get_bearer("/api/users/me", &other.access_token)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_login_beyond_the_limit_ends_the_oldest_sessions() {
    let app = agora_tests::spawn_app_with(|s| s.lifetimes.max_sessions_per_user = 3).await;
    let user = app.registered_user().await;
    let mut logins = Vec::new();
    for _ in 0..5 {
        logins.push(app.login(&user).await);
    }

    let items = sessions(&app, &logins[4].access_token).await;

    assert_eq!(items.len(), 3);
    let admin = app.admin().await;
    let trail: Value = app
        .get_bearer("/api/audit?action=session_ended&limit=100", admin.token())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        trail["items"].as_array().expect("items").len(),
        2,
        "each ended session is on the trail"
    );
    for (i, login) in logins.iter().enumerate() {
        let refresh = app.refresh_with_cookie(&login.refresh_cookie).await;
        if i < 2 {
            assert_problem(refresh, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
            let access = app.get_bearer("/api/users/me", &login.access_token).await;
            assert_eq!(access.status(), StatusCode::UNAUTHORIZED, "session {i}");
        } else {
            assert_eq!(refresh.status(), StatusCode::OK, "session {i} survives");
        }
    }
}

#[tokio::test]
async fn sessions_are_capped_at_fifty_by_default() {
    let app = spawn_app().await;
    let user = app.registered_user().await;
    let mut last = None;
    for _ in 0..55 {
        last = Some(app.login(&user).await);
    }
    let token = last.expect("logged in").access_token;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/auth/sessions?limit=100&cursor={c}"),
            None => "/api/auth/sessions?limit=100".to_owned(),
        };
        let body: Value = app
            .get_bearer(&path, &token)
            .await
            .json()
            .await
            .expect("json");
        seen.extend(body["items"].as_array().expect("items").iter().cloned());
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 50);
}

#[tokio::test]
async fn session_pages_walk_every_session_once_newest_first() {
    let app = spawn_app().await;
    let user = app.registered_user().await;
    let mut last = None;
    for _ in 0..23 {
        last = Some(app.login(&user).await);
    }
    let token = last.expect("logged in").access_token;

    let first: Value = app
        .get_bearer("/api/auth/sessions", &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        first["items"].as_array().expect("items").len(),
        20,
        "default page"
    );
    assert!(first["next_cursor"].is_string());

    let mut ids = Vec::new();
    let mut stamps = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/auth/sessions?limit=5&cursor={c}"),
            None => "/api/auth/sessions?limit=5".to_owned(),
        };
        let response = app.get_bearer(&path, &token).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("json");
        for item in body["items"].as_array().expect("items") {
            ids.push(item["id"].as_str().expect("id").to_owned());
            stamps.push(item["created_at"].as_str().expect("created_at").to_owned());
        }
        pages += 1;
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 10, "the pages never end");
    }
    assert_eq!(pages, 5);
    assert_eq!(ids.len(), 23);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 23, "no session twice");
    let parsed: Vec<chrono::DateTime<chrono::Utc>> = stamps
        .iter()
        .map(|s| s.parse().expect("timestamp"))
        .collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "newest first");

    let bad = app
        .get_bearer("/api/auth/sessions?cursor=not-a-cursor", &token)
        .await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let too_many = app.get_bearer("/api/auth/sessions?limit=101", &token).await;
    assert_problem(
        too_many,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

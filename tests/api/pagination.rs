use std::collections::HashSet;

use agora_tests::{TestApp, assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn page(app: &TestApp, path: &str) -> Value {
    let response = app.request(Method::GET, path).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.expect("json")
}

#[tokio::test]
async fn walking_the_cursor_visits_every_post_once_newest_first() {
    let app = spawn_app().await;
    let author = app.member().await;
    for i in 0..7 {
        app.create_post(&author, &format!("post {i}")).await;
    }

    let mut seen = Vec::new();
    let mut path = "/api/posts?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let body = page(&app, &path).await;
        pages += 1;
        let items = body["items"].as_array().expect("items");
        assert!(items.len() <= 3);
        seen.extend(
            items
                .iter()
                .map(|p| p["title"].as_str().expect("title").to_owned()),
        );
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/posts?limit=3&cursor={cursor}"),
            None => break,
        }
    }

    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..7).rev().map(|i| format!("post {i}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn an_exact_last_page_has_no_next_cursor() {
    let app = spawn_app().await;
    let author = app.member().await;
    for i in 0..2 {
        app.create_post(&author, &format!("post {i}")).await;
    }
    let body = page(&app, "/api/posts?limit=2").await;
    assert_eq!(body["items"].as_array().expect("items").len(), 2);
    assert_eq!(body["next_cursor"], Value::Null);
    let empty = page(
        &app,
        "/api/posts?author_id=0190f5e4-3b1e-7c3a-9d2e-1a2b3c4d5e6f",
    )
    .await;
    assert_eq!(empty["items"], serde_json::json!([]));
}

#[tokio::test]
async fn comments_page_oldest_first_without_repeats() {
    let app = spawn_app().await;
    let author = app.member().await;
    let post = app.create_post(&author, "busy").await;
    let id = post["id"].as_str().expect("id");
    for i in 0..5 {
        app.create_comment(&author, id, &format!("c{i}")).await;
    }
    let first = page(&app, &format!("/api/posts/{id}/comments?limit=2")).await;
    let cursor = first["next_cursor"].as_str().expect("more pages");
    let second = page(
        &app,
        &format!("/api/posts/{id}/comments?limit=2&cursor={cursor}"),
    )
    .await;
    let bodies: Vec<&str> = first["items"]
        .as_array()
        .expect("items")
        .iter()
        .chain(second["items"].as_array().expect("items"))
        .map(|c| c["body"].as_str().expect("body"))
        .collect();
    assert_eq!(bodies, ["c0", "c1", "c2", "c3"]);
    let unique: HashSet<_> = bodies.iter().collect();
    assert_eq!(unique.len(), 4);
}

#[tokio::test]
async fn limits_out_of_range_and_tampered_cursors_are_422() {
    let app = spawn_app().await;
    let author = app.member().await;
    for i in 0..3 {
        app.create_post(&author, &format!("post {i}")).await;
    }
    let body = page(&app, "/api/posts?limit=1").await;
    let cursor = body["next_cursor"].as_str().expect("cursor").to_owned();
    let mut tampered: Vec<char> = cursor.chars().collect();
    tampered[5] = if tampered[5] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();

    for query in [
        "limit=0".to_owned(),
        "limit=101".to_owned(),
        "limit=-5".to_owned(),
        "limit=ten".to_owned(),
        format!("cursor={tampered}"),
        "cursor=not-a-cursor".to_owned(),
    ] {
        let response = app
            .request(Method::GET, &format!("/api/posts?{query}"))
            .send()
            .await
            .expect("sent");
        assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    assert_eq!(
        page(&app, "/api/posts?limit=100").await["items"]
            .as_array()
            .expect("items")
            .len(),
        3
    );
}

#[tokio::test]
async fn a_search_no_stored_text_could_match_is_refused_on_every_database() {
    // PostgreSQL refuses NUL in text outright (it was a 500 there); SQLite would just not match.
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_post(&admin, "a title").await;

    for path in [
        "/api/posts?q=a%00",
        "/api/users?q=%00%26",
        "/api/posts?q=%1B",
    ] {
        let response = app.send(Method::GET, path, admin.token(), None).await;
        let body = assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "q", "{path}");
    }
    let long = "a".repeat(201);
    let response = app
        .send(
            Method::GET,
            &format!("/api/posts?q={long}"),
            admin.token(),
            None,
        )
        .await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let found = page(&app, "/api/posts?q=TITLE%09").await;
    assert_eq!(found["items"].as_array().map(Vec::len), Some(0));
    let found = page(&app, "/api/posts?q=TITLE").await;
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1));
}

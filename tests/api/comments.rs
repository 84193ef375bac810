use agora_tests::{assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test]
async fn comments_are_created_listed_oldest_first_edited_and_deleted() {
    let app = spawn_app().await;
    let author = app.member().await;
    let commenter = app.member().await;
    let post = app.create_post(&author, "Discuss").await;
    let post_id = post["id"].as_str().expect("id");

    let created = app
        .send(
            Method::POST,
            &format!("/api/posts/{post_id}/comments"),
            commenter.token(),
            Some(json!({"body": "first"})),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let first: Value = created.json().await.expect("json");
    assert_eq!(
        location,
        format!("/api/comments/{}", first["id"].as_str().expect("id"))
    );
    assert_eq!(first["post_id"], post_id);
    assert_eq!(first["author"]["username"], commenter.user.username);
    app.create_comment(&author, post_id, "second").await;

    let listed: Value = app
        .request(Method::GET, &format!("/api/posts/{post_id}/comments"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let bodies: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["body"].as_str().expect("body"))
        .collect();
    assert_eq!(bodies, ["first", "second"]);

    let edited = app
        .send(
            Method::PUT,
            &location,
            commenter.token(),
            Some(json!({"body": "first, edited"})),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    assert_eq!(
        edited.json::<Value>().await.expect("json")["body"],
        "first, edited"
    );

    let deleted = app
        .send(Method::DELETE, &location, commenter.token(), None)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app
        .request(Method::GET, &location)
        .send()
        .await
        .expect("sent");
    assert_problem(gone, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_comment_on_a_missing_post_is_404() {
    let app = spawn_app().await;
    let member = app.member().await;
    let missing = Uuid::now_v7();

    let create = app
        .send(
            Method::POST,
            &format!("/api/posts/{missing}/comments"),
            member.token(),
            Some(json!({"body": "hello?"})),
        )
        .await;
    assert_problem(create, StatusCode::NOT_FOUND, "not_found").await;
    let list = app
        .request(Method::GET, &format!("/api/posts/{missing}/comments"))
        .send()
        .await
        .expect("sent");
    assert_problem(list, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn invalid_comments_are_422() {
    let app = spawn_app().await;
    let member = app.member().await;
    let post = app.create_post(&member, "p").await;
    let path = format!("/api/posts/{}/comments", post["id"].as_str().expect("id"));
    for body in [
        json!({"body": ""}),
        json!({"body": "x".repeat(10_001)}),
        json!({"body": "a\u{0}b"}),
        json!({"body": "ok", "post_id": "x"}),
    ] {
        let response = app
            .send(Method::POST, &path, member.token(), Some(body.clone()))
            .await;
        assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let longest = app
        .send(
            Method::POST,
            &path,
            member.token(),
            Some(json!({"body": "ü".repeat(10_000)})),
        )
        .await;
    assert_eq!(longest.status(), StatusCode::CREATED);
}

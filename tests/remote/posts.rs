//! Posts and comments on data the test made itself: anyone reads, the author edits with
//! `If-Match`, a stale tag is refused, others cannot touch it.

use agora_tests::{app_under_test, assert_problem};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn a_post_is_written_read_edited_conditionally_commented_and_deleted() {
    let app = app_under_test().await;
    let author = app.member().await;
    let stranger = app.member().await;
    let post = app.create_post(&author, "remote suite").await;
    let path = format!("/api/posts/{}", post["id"].as_str().expect("id"));

    let read = app.request(Method::GET, &path).send().await.expect("sent");
    assert_eq!(read.status(), StatusCode::OK, "anyone reads");
    let etag = read.headers()["etag"].to_str().expect("ascii").to_owned();

    let edit = |token: &str, tag: &str, title: &str| {
        app.request(Method::PUT, &path)
            .bearer_auth(token)
            .header("If-Match", tag)
            .json(&json!({"title": title, "body": "edited"}))
            .send()
    };
    let theirs = edit(stranger.token(), &etag, "not yours")
        .await
        .expect("sent");
    assert_eq!(theirs.status(), StatusCode::FORBIDDEN);
    let edited = edit(author.token(), &etag, "edited once")
        .await
        .expect("sent");
    assert_eq!(edited.status(), StatusCode::OK);
    let stale = edit(author.token(), &etag, "lost update")
        .await
        .expect("sent");
    assert_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;

    let comment = app
        .create_comment(&stranger, post["id"].as_str().expect("id"), "nice")
        .await;
    assert_eq!(comment["body"], "nice");
    let comments: Value = app
        .request(Method::GET, &format!("{path}/comments"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(comments["items"][0]["body"], "nice");

    let deleted = app.send(Method::DELETE, &path, author.token(), None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app.request(Method::GET, &path).send().await.expect("sent");
    assert_problem(gone, StatusCode::NOT_FOUND, "not_found").await;
}

//! Writes racing each other and reads: on the embedded default they queue for SQLite's one
//! writer connection while reads run on the reader pool. None may fail (no `SQLITE_BUSY`
//! reaching a client as a 5xx), and each write is visible to the very next read, by id and
//! through the search index.

use agora_tests::spawn_app;
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn racing_writes_all_succeed_and_each_is_read_back_at_once() {
    let app = spawn_app().await;
    let writers = [app.member().await, app.member().await, app.member().await];
    let leavers = [app.member().await, app.member().await];
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let target = app.create_post(&writers[0], "commented on").await;
    let target_id = target["id"].as_str().expect("id").to_owned();

    let posts = (0..24).map(|i| {
        let (app, author, tag) = (&app, &writers[i % writers.len()], &tag);
        async move {
            let title = format!("burst {tag} {i:02}");
            let response = app
                .send(
                    Method::POST,
                    "/api/posts",
                    author.token(),
                    Some(json!({"title": title, "body": "racing"})),
                )
                .await;
            assert_eq!(response.status(), StatusCode::CREATED, "post {i}");
            let id = response.json::<Value>().await.expect("json")["id"]
                .as_str()
                .expect("id")
                .to_owned();
            let read = app
                .get_bearer(&format!("/api/posts/{id}"), author.token())
                .await;
            assert_eq!(read.status(), StatusCode::OK, "post {i} read back by id");
            let found: Value = app
                .request(Method::GET, &format!("/api/posts?q={tag}%20{i:02}"))
                .send()
                .await
                .expect("sent")
                .json()
                .await
                .expect("json");
            let titles: Vec<&str> = found["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|p| p["title"].as_str().expect("title"))
                .collect();
            assert_eq!(titles, [title.as_str()], "post {i} found by search at once");
        }
    });
    let comments = (0..12).map(|i| {
        let (app, author, target_id) = (&app, &writers[i % writers.len()], &target_id);
        async move {
            let response = app
                .send(
                    Method::POST,
                    &format!("/api/posts/{target_id}/comments"),
                    author.token(),
                    Some(json!({"body": format!("comment {i}")})),
                )
                .await;
            assert_eq!(response.status(), StatusCode::CREATED, "comment {i}");
        }
    });
    // An account deletion reads (is it an admin?) before it writes, in one transaction.
    let deletions = leavers.iter().map(|leaving| {
        let app = &app;
        async move {
            let response = app
                .send(
                    Method::DELETE,
                    &format!("/api/users/{}", leaving.id),
                    leaving.token(),
                    Some(json!({"password": leaving.user.password})),
                )
                .await;
            assert_eq!(response.status(), StatusCode::NO_CONTENT, "deletion");
        }
    });
    tokio::join!(join_all(posts), join_all(comments), join_all(deletions));

    let all: Value = app
        .request(Method::GET, &format!("/api/posts?q={tag}&limit=100"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(all["items"].as_array().map(Vec::len), Some(24));
    let on_target: Value = app
        .request(
            Method::GET,
            &format!("/api/posts/{target_id}/comments?limit=100"),
        )
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(on_target["items"].as_array().map(Vec::len), Some(12));
}

//! A post's `comment_count` is kept on the post (triggers on `comments`, migration
//! `m20261127_000012`) instead of counted per read. It must stay exactly the number of comments
//! the post has, read by id and in a list, whatever races: comments created and deleted at
//! once, an account deleted with its comments on other posts, a post deleted while comments
//! are being created on it. The comments list is the judge.

use agora_tests::{Actor, TestApp, spawn_app};
use futures_util::future::join_all;
use migration::{Migrator, MigratorTrait};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn get(app: &TestApp, path: &str) -> Value {
    let response = app.request(Method::GET, path).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.expect("json")
}

/// The count the post shows by id and in the list searched by `tag`, and the comments it has.
async fn counts(app: &TestApp, post: &str, tag: &str) -> (Value, Value, usize) {
    let by_id = get(app, &format!("/api/posts/{post}")).await["comment_count"].clone();
    let listed = get(app, &format!("/api/posts?q={tag}&limit=100")).await;
    let in_list = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["id"] == post)
        .expect("the post is listed")["comment_count"]
        .clone();
    let comments = get(app, &format!("/api/posts/{post}/comments?limit=100")).await;
    let actual = comments["items"].as_array().expect("items").len();
    (by_id, in_list, actual)
}

async fn delete_comment(app: &TestApp, author: &Actor, comment: &Value) {
    let id = comment["id"].as_str().expect("id");
    let response = app
        .send(
            Method::DELETE,
            &format!("/api/comments/{id}"),
            author.token(),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT, "deleting {id}");
}

#[tokio::test]
async fn the_comment_count_stays_exact_under_racing_creates_deletes_and_cascades() {
    let app = spawn_app().await;
    let author = app.member().await;
    let commenters = [app.member().await, app.member().await];
    let leaver = app.member().await;
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let kept = app.create_post(&author, &format!("kept {tag}")).await;
    let kept_id = kept["id"].as_str().expect("id").to_owned();
    let doomed = app.create_post(&author, &format!("doomed {tag}")).await;
    let doomed_id = doomed["id"].as_str().expect("id").to_owned();
    let mut to_delete = Vec::new();
    for i in 0..6 {
        let by = &commenters[i % 2];
        to_delete.push((by, app.create_comment(by, &kept_id, "to go").await));
    }
    for _ in 0..3 {
        app.create_comment(&leaver, &kept_id, "leaving with me")
            .await;
        app.create_comment(&commenters[0], &doomed_id, "before")
            .await;
    }
    let (by_id, in_list, actual) = counts(&app, &kept_id, &tag).await;
    assert_eq!((by_id, in_list, actual), (json!(9), json!(9), 9));

    // Act: 16 new comments on `kept` while 6 of its comments are deleted, the leaver's account
    // (and its 3 comments there) is deleted, and `doomed` is deleted under 8 new comments.
    let creates = (0..16).map(|i| {
        let (app, by, post) = (&app, &commenters[i % 2], &kept_id);
        async move {
            app.create_comment(by, post, &format!("new {i}")).await;
        }
    });
    let deletes = to_delete.iter().map(|(by, c)| delete_comment(&app, by, c));
    let on_doomed = (0..8).map(|i| {
        let (app, by, post) = (&app, &commenters[i % 2], &doomed_id);
        async move {
            let response = app
                .send(
                    Method::POST,
                    &format!("/api/posts/{post}/comments"),
                    by.token(),
                    Some(json!({"body": format!("late {i}")})),
                )
                .await;
            let status = response.status();
            assert!(
                status == StatusCode::CREATED || status == StatusCode::NOT_FOUND,
                "a comment racing its post's deletion: {status}"
            );
        }
    });
    let delete_post = async {
        let response = app
            .send(
                Method::DELETE,
                &format!("/api/posts/{doomed_id}"),
                author.token(),
                None,
            )
            .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    };
    let leave = async {
        let response = app
            .send(
                Method::DELETE,
                &format!("/api/users/{}", leaver.id),
                leaver.token(),
                Some(json!({"password": leaver.user.password})),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    };
    tokio::join!(
        join_all(creates),
        join_all(deletes),
        join_all(on_doomed),
        delete_post,
        leave
    );

    // Assert: 9 + 16 - 6 - 3, by id, in the list, and as the comments really there.
    let (by_id, in_list, actual) = counts(&app, &kept_id, &tag).await;
    assert_eq!((by_id, in_list, actual), (json!(16), json!(16), 16));
    let gone = app
        .request(Method::GET, &format!("/api/posts/{doomed_id}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    // A new post starts at 0 and counts its first comment.
    let fresh = app.create_post(&author, &format!("fresh {tag}")).await;
    let fresh_id = fresh["id"].as_str().expect("id").to_owned();
    assert_eq!(counts(&app, &fresh_id, &tag).await, (json!(0), json!(0), 0));
    app.create_comment(&commenters[1], &fresh_id, "first").await;
    assert_eq!(counts(&app, &fresh_id, &tag).await, (json!(1), json!(1), 1));
}

#[tokio::test]
async fn the_migration_counts_the_comments_already_there() {
    let app = spawn_app().await;
    let author = app.member().await;
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let busy = app.create_post(&author, &format!("busy {tag}")).await;
    let busy_id = busy["id"].as_str().expect("id").to_owned();
    let quiet = app.create_post(&author, &format!("quiet {tag}")).await;
    let quiet_id = quiet["id"].as_str().expect("id").to_owned();
    for i in 0..3 {
        app.create_comment(&author, &busy_id, &format!("c{i}"))
            .await;
    }

    // Undo the comment-count migration (the column and its triggers go), and any later one, and
    // redo them: the new column starts at 0 and the backfill must find the comments already
    // there.
    let migrations = Migrator::migrations();
    let position = migrations
        .iter()
        .position(|m| m.name() == "m20261127_000012_posts_comment_count")
        .expect("the comment-count migration is listed");
    let steps = u32::try_from(migrations.len() - position).expect("a few migrations");
    let db = app.raw_connection().await;
    Migrator::down(&db, Some(steps))
        .await
        .expect("migration down");
    Migrator::up(&db, None).await.expect("migration up");

    assert_eq!(counts(&app, &busy_id, &tag).await, (json!(3), json!(3), 3));
    assert_eq!(counts(&app, &quiet_id, &tag).await, (json!(0), json!(0), 0));
    app.create_comment(&author, &quiet_id, "counted again")
        .await;
    assert_eq!(counts(&app, &quiet_id, &tag).await, (json!(1), json!(1), 1));
}

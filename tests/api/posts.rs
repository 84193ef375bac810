use agora_tests::{assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn a_post_is_created_read_edited_and_deleted() {
    let app = spawn_app().await;
    let author = app.member().await;

    let created = app
        .send(
            Method::POST,
            "/api/posts",
            author.token(),
            Some(json!({"title": "Hello", "body": "First."})),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(created.headers().contains_key("etag"));
    let post: Value = created.json().await.expect("json");
    let id = post["id"].as_str().expect("id");
    assert_eq!(location, format!("/api/posts/{id}"));
    assert_eq!(
        post["author"],
        json!({"id": author.id, "username": author.user.username})
    );
    assert_eq!(post["comment_count"], 0);

    let read = app
        .request(Method::GET, &location)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        read.status(),
        StatusCode::OK,
        "anonymous callers read posts"
    );
    assert_eq!(read.json::<Value>().await.expect("json")["title"], "Hello");

    let edited = app
        .send(
            Method::PUT,
            &location,
            author.token(),
            Some(json!({"title": "Hello again", "body": "Edited."})),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.expect("json");
    assert_eq!(edited["title"], "Hello again");
    assert_ne!(edited["updated_at"], post["updated_at"]);

    let deleted = app
        .send(Method::DELETE, &location, author.token(), None)
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
async fn a_post_shows_its_comment_count_and_deleting_it_deletes_its_comments() {
    let app = spawn_app().await;
    let author = app.member().await;
    let reader = app.member().await;
    let post = app.create_post(&author, "Counted").await;
    let id = post["id"].as_str().expect("id");
    let comment = app.create_comment(&reader, id, "one").await;
    app.create_comment(&reader, id, "two").await;

    let read: Value = app
        .request(Method::GET, &format!("/api/posts/{id}"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(read["comment_count"], 2);

    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/posts/{id}"),
            author.token(),
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let orphan = app
        .request(
            Method::GET,
            &format!("/api/comments/{}", comment["id"].as_str().expect("id")),
        )
        .send()
        .await
        .expect("sent");
    assert_problem(orphan, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn invalid_posts_are_422_naming_each_field() {
    let app = spawn_app().await;
    let author = app.member().await;
    let cases = [
        (json!({"title": "", "body": "x"}), vec!["title"]),
        (
            json!({"title": "x".repeat(201), "body": ""}),
            vec!["body", "title"],
        ),
        (json!({"title": "bell\u{7}", "body": "ok"}), vec!["title"]),
        (
            json!({"title": "ok", "body": "x".repeat(50_001)}),
            vec!["body"],
        ),
        (
            json!({"title": "ok", "body": "ok", "author_id": author.id}),
            vec!["author_id"],
        ),
    ];
    for (body, fields) in cases {
        let response = app
            .send(
                Method::POST,
                "/api/posts",
                author.token(),
                Some(body.clone()),
            )
            .await;
        let problem = assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        let mut named: Vec<String> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field").to_owned())
            .collect();
        named.sort();
        assert_eq!(named, fields, "{body}");
    }
}

#[tokio::test]
async fn unicode_is_counted_in_characters_and_text_is_stored_as_given() {
    let app = spawn_app().await;
    let author = app.member().await;
    let title = "é".repeat(200);
    let body = "<script>alert('x')</script>\n\t🦀".to_owned() + &"🦀".repeat(49_000);

    let response = app
        .send(
            Method::POST,
            "/api/posts",
            author.token(),
            Some(json!({"title": title, "body": body})),
        )
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["content-type"], "application/json");
    let post: Value = response.json().await.expect("json");
    assert_eq!(post["title"], title);
    assert_eq!(post["body"], body);
}

#[tokio::test]
async fn posts_are_listed_newest_first_and_filtered() {
    let app = spawn_app().await;
    let ada = app.member().await;
    let bob = app.member().await;
    app.create_post(&ada, "Rust 100% safe_ly").await;
    app.create_post(&bob, "Cooking").await;
    app.create_post(&ada, "More rust").await;

    let all: Value = app
        .request(Method::GET, "/api/posts")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let titles: Vec<&str> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["title"].as_str().expect("title"))
        .collect();
    assert_eq!(titles, ["More rust", "Cooking", "Rust 100% safe_ly"]);
    assert_eq!(all["next_cursor"], Value::Null);

    let by_ada: Value = app
        .request(Method::GET, &format!("/api/posts?author_id={}", ada.id))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(by_ada["items"].as_array().expect("items").len(), 2);

    // `%` and `_` match themselves, not as LIKE wildcards (`%25` is an encoded `%`).
    for (q, expected) in [
        ("RUST", 2),
        ("100%25", 1),
        ("_ly", 1),
        ("%25", 1),
        ("nothing", 0),
    ] {
        let found: Value = app
            .request(Method::GET, &format!("/api/posts?q={q}"))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        assert_eq!(
            found["items"].as_array().expect("items").len(),
            expected,
            "q={q}"
        );
    }
}

#[tokio::test]
async fn a_bad_filter_is_422() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/api/posts?author_id=not-a-uuid")
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

#[tokio::test]
async fn a_list_carries_excerpts_never_whole_bodies() {
    let app = spawn_app().await;
    let author = app.member().await;
    // 50,000 characters of 4 bytes each: 200 KB per post when lists carried bodies.
    let body = "🦀".repeat(50_000);
    let mut ids = Vec::new();
    for n in 0..3 {
        let response = app
            .send(
                Method::POST,
                "/api/posts",
                author.token(),
                Some(json!({"title": format!("Long {n}"), "body": body})),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let post: Value = response.json().await.expect("json");
        ids.push(post["id"].as_str().expect("id").to_owned());
    }
    let short = app.create_post(&author, "Short").await;

    let response = app
        .request(Method::GET, "/api/posts?limit=100")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.expect("body");
    assert!(
        bytes.len() < 10_000,
        "a list of four posts took {} bytes",
        bytes.len()
    );
    let page: Value = serde_json::from_slice(&bytes).expect("json");
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 4);
    for item in items {
        assert!(item.get("body").is_none(), "{item}");
        let excerpt = item["excerpt"].as_str().expect("excerpt");
        assert!(excerpt.chars().count() <= 300);
    }
    let long = items
        .iter()
        .find(|i| i["id"] == ids[0].as_str())
        .expect("listed");
    assert_eq!(long["body_length"], 50_000);
    assert_eq!(long["excerpt"], "🦀".repeat(300));
    let short = items
        .iter()
        .find(|i| i["id"] == short["id"])
        .expect("listed");
    assert_eq!(short["excerpt"], "Some text.");
    assert_eq!(short["body_length"], 10);

    let full: Value = app
        .request(Method::GET, &format!("/api/posts/{}", ids[0]))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(
        full["body"], body,
        "the post's own read returns the whole body"
    );
}

#[tokio::test]
async fn bidi_overrides_and_invisible_only_text_are_422_naming_the_field() {
    let app = spawn_app().await;
    let author = app.member().await;
    let post = app.create_post(&author, "Fine").await;
    let post_id = post["id"].as_str().expect("id");
    for bad in ["\u{202E}", "\u{202A}", "\u{2066}", "\u{2069}"] {
        let spoof = format!("invoice{bad}fdp.exe");
        for (title, body, field) in [
            (spoof.as_str(), "ok", "title"),
            ("ok", spoof.as_str(), "body"),
        ] {
            let response = app
                .send(
                    Method::POST,
                    "/api/posts",
                    author.token(),
                    Some(json!({"title": title, "body": body})),
                )
                .await;
            let problem = assert_problem(
                response,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
            assert!(
                problem["errors"][0]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("bidirectional")),
                "{problem}"
            );
        }
        let comment = app
            .send(
                Method::POST,
                &format!("/api/posts/{post_id}/comments"),
                author.token(),
                Some(json!({"body": spoof})),
            )
            .await;
        assert_problem(
            comment,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    for invisible in ["\u{200B}", "\u{200B}\u{200D}\u{FEFF} \u{2060}", "\u{3164}"] {
        let response = app
            .send(
                Method::POST,
                "/api/posts",
                author.token(),
                Some(json!({"title": "Visible", "body": invisible})),
            )
            .await;
        let problem = assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "body", "{problem}");
        let comment = app
            .send(
                Method::POST,
                &format!("/api/posts/{post_id}/comments"),
                author.token(),
                Some(json!({"body": invisible})),
            )
            .await;
        assert_problem(
            comment,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    // Right-to-left text and joiners inside visible text stay welcome.
    let response = app
        .send(
            Method::POST,
            "/api/posts",
            author.token(),
            Some(json!({"title": "שלום", "body": "👩\u{200D}👩\u{200D}👧"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn text_an_earlier_version_stored_with_overrides_is_still_listed_and_read() {
    let app = spawn_app().await;
    let author = app.member().await;
    let post = app.create_post(&author, "Before").await;
    let id = post["id"].as_str().expect("id");
    let db = app.raw_connection().await;
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "UPDATE posts SET title = $1, body = $2",
        _ => "UPDATE posts SET title = ?, body = ?",
    };
    use sea_orm::ConnectionTrait;
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        ["old\u{202E}title".into(), "\u{200B}".into()],
    ))
    .await
    .expect("overwrite");
    db.close().await.ok();

    let list = app
        .request(Method::GET, "/api/posts")
        .send()
        .await
        .expect("sent");
    assert_eq!(list.status(), StatusCode::OK);
    let one = app
        .request(Method::GET, &format!("/api/posts/{id}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(one.status(), StatusCode::OK);
    let one: Value = one.json().await.expect("json");
    assert_eq!(one["title"], "old\u{202E}title");
}

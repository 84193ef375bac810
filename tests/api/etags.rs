use agora_tests::{assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn if_none_match_gives_304_until_the_post_changes() {
    let app = spawn_app().await;
    let author = app.member().await;
    let post = app.create_post(&author, "cached").await;
    let path = format!("/api/posts/{}", post["id"].as_str().expect("id"));

    let first = app.request(Method::GET, &path).send().await.expect("sent");
    let etag = first.headers()["etag"].to_str().expect("ascii").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

    let revalidated = app
        .request(Method::GET, &path)
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(revalidated.headers()["etag"].to_str().expect("ascii"), etag);

    // A new comment changes the representation (its comment_count), so the tag changes too.
    app.create_comment(&author, post["id"].as_str().expect("id"), "hi")
        .await;
    let changed = app
        .request(Method::GET, &path)
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()["etag"].to_str().expect("ascii"), etag);
}

#[tokio::test]
async fn two_editors_never_overwrite_each_other_silently() {
    let app = spawn_app().await;
    let author = app.member().await;
    let post = app.create_post(&author, "v1").await;
    let path = format!("/api/posts/{}", post["id"].as_str().expect("id"));
    let etag = app
        .request(Method::GET, &path)
        .send()
        .await
        .expect("sent")
        .headers()["etag"]
        .to_str()
        .expect("ascii")
        .to_owned();

    let first = app
        .request(Method::PUT, &path)
        .bearer_auth(author.token())
        .header("If-Match", &etag)
        .json(&json!({"title": "v2 by tab one", "body": "b"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(first.status(), StatusCode::OK);
    let new_etag = first.headers()["etag"].to_str().expect("ascii").to_owned();
    assert_ne!(new_etag, etag);

    let second = app
        .request(Method::PUT, &path)
        .bearer_auth(author.token())
        .header("If-Match", &etag)
        .json(&json!({"title": "v2 by tab two", "body": "b"}))
        .send()
        .await
        .expect("sent");
    assert_problem(
        second,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;

    let stale_delete = app
        .request(Method::DELETE, &path)
        .bearer_auth(author.token())
        .header("If-Match", &etag)
        .send()
        .await
        .expect("sent");
    assert_problem(
        stale_delete,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;

    let current: serde_json::Value = app
        .request(Method::GET, &path)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(current["title"], "v2 by tab one");
    let fresh_delete = app
        .request(Method::DELETE, &path)
        .bearer_auth(author.token())
        .header("If-Match", &new_etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(fresh_delete.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn comments_and_users_carry_etags_and_honour_if_match() {
    let app = spawn_app().await;
    let author = app.member().await;
    let post = app.create_post(&author, "p").await;
    let comment = app
        .create_comment(&author, post["id"].as_str().expect("id"), "c")
        .await;
    let path = format!("/api/comments/{}", comment["id"].as_str().expect("id"));

    let stale = app
        .request(Method::PUT, &path)
        .bearer_auth(author.token())
        .header("If-Match", "\"not-the-tag\"")
        .json(&json!({"body": "edit"}))
        .send()
        .await
        .expect("sent");
    assert_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let any = app
        .request(Method::PUT, &path)
        .bearer_auth(author.token())
        .header("If-Match", "*")
        .json(&json!({"body": "edit"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(any.status(), StatusCode::OK);

    let me = app.get_bearer("/api/users/me", author.token()).await;
    let etag = me.headers()["etag"].to_str().expect("ascii").to_owned();
    let not_modified = app
        .request(Method::GET, "/api/users/me")
        .bearer_auth(author.token())
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
    let profile = app
        .get_bearer(&format!("/api/users/{}", author.id), author.token())
        .await;
    assert!(profile.headers().contains_key("etag"));
}

#[tokio::test]
async fn a_public_profile_etag_does_not_reveal_changes_it_does_not_show() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let target = app.member().await;
    let watcher = app.member().await;
    let path = format!("/api/users/{}", target.id);
    let watched = app.get_bearer(&path, watcher.token()).await;
    assert_eq!(watched.status(), StatusCode::OK);
    let etag = watched.headers()["etag"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let unchanged = || async {
        app.request(Method::GET, &path)
            .bearer_auth(watcher.token())
            .header("If-None-Match", &etag)
            .send()
            .await
            .expect("sent")
            .status()
    };

    let new_password = format!("{}-changed", target.user.password);
    let password = app
        .send(
            Method::PUT,
            "/api/users/me/password",
            target.token(),
            Some(json!({"current_password": target.user.password, "new_password": new_password})),
        )
        .await;
    assert_eq!(password.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        unchanged().await,
        StatusCode::NOT_MODIFIED,
        "password change"
    );

    let email = app
        .send(
            Method::PUT,
            &path,
            target.token(),
            Some(json!({
                "email": format!("moved-{}", target.user.email),
                "current_password": new_password,
            })),
        )
        .await;
    assert_eq!(email.status(), StatusCode::OK);
    assert_eq!(unchanged().await, StatusCode::NOT_MODIFIED, "email change");

    let roles = app
        .send(
            Method::PUT,
            &format!("{path}/roles"),
            admin.token(),
            Some(json!({"roles": ["moderator"]})),
        )
        .await;
    assert_eq!(roles.status(), StatusCode::OK);
    assert_eq!(unchanged().await, StatusCode::NOT_MODIFIED, "role change");

    // What the profile does show still changes its tag.
    let renamed = app
        .send(
            Method::PUT,
            &path,
            admin.token(),
            Some(json!({"username": format!("renamed_{}", &target.id[..8])})),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(unchanged().await, StatusCode::OK, "username change");
}

#[tokio::test]
async fn the_callers_record_shows_a_role_change_at_once_under_a_new_tag() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app.member().await;
    let tag_of = |response: &reqwest::Response| {
        response.headers()["etag"]
            .to_str()
            .expect("ascii")
            .to_owned()
    };
    let before = app.get_bearer("/api/users/me", member.token()).await;
    let old_tag = tag_of(&before);
    let as_admin = app
        .get_bearer(&format!("/api/users/{}", member.id), admin.token())
        .await;
    assert_eq!(tag_of(&as_admin), old_tag, "one tag for one record");

    let roles = app
        .send(
            Method::PUT,
            &format!("/api/users/{}/roles", member.id),
            admin.token(),
            Some(json!({"roles": ["moderator"]})),
        )
        .await;
    assert_eq!(roles.status(), StatusCode::OK);

    let after = app
        .request(Method::GET, "/api/users/me")
        .bearer_auth(member.token())
        .header("If-None-Match", &old_tag)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        after.status(),
        StatusCode::OK,
        "the old tag no longer matches"
    );
    let new_tag = tag_of(&after);
    assert_ne!(new_tag, old_tag);
    let body: serde_json::Value = after.json().await.expect("json");
    assert_eq!(body["roles"], json!(["user", "moderator"]));
    let as_admin = app
        .get_bearer(&format!("/api/users/{}", member.id), admin.token())
        .await;
    assert_eq!(tag_of(&as_admin), new_tag);
}

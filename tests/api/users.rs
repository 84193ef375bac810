use agora_tests::{Actor, TestApp, assert_problem, spawn_app};
use futures_util::future::join;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

async fn list(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let response = app.get_bearer(&format!("/api/users?{query}"), token).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    json_of(response).await["items"]
        .as_array()
        .expect("items")
        .clone()
}

#[tokio::test]
async fn a_profile_is_full_for_its_owner_and_admins_and_public_for_others() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let moderator = app.moderator(&admin).await;
    let member = app.member().await;
    let path = format!("/api/users/{}", member.id);

    for (who, full) in [(&member, true), (&admin, true), (&moderator, false)] {
        let body = json_of(app.get_bearer(&path, who.token()).await).await;
        assert_eq!(body["username"], member.user.username);
        assert_eq!(body.get("email").is_some(), full, "{}", who.user.username);
        assert_eq!(body.get("roles").is_some(), full);
    }
    let anonymous = app.request(Method::GET, &path).send().await.expect("sent");
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn changing_your_own_email_needs_your_current_password() {
    let app = spawn_app().await;
    let member = app.member().await;
    let path = format!("/api/users/{}", member.id);

    let renamed = app
        .send(
            Method::PUT,
            &path,
            member.token(),
            Some(json!({"username": "renamed_member"})),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(json_of(renamed).await["username"], "renamed_member");

    let without = app
        .send(
            Method::PUT,
            &path,
            member.token(),
            Some(json!({"email": "new@example.com"})),
        )
        .await;
    let problem = assert_problem(
        without,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "current_password");

    let wrong = app
        .send(
            Method::PUT,
            &path,
            member.token(),
            Some(json!({"email": "new@example.com", "current_password": "nope nope"})),
        )
        .await;
    assert_problem(wrong, StatusCode::FORBIDDEN, "invalid_current_password").await;

    let right = app
        .send(
            Method::PUT,
            &path,
            member.token(),
            Some(json!({"email": "New@Example.com", "current_password": member.user.password})),
        )
        .await;
    assert_eq!(right.status(), StatusCode::OK);
    // The address moves once the link mailed to it (normalized) comes back.
    let token = app
        .wait_for_mail("new@example.com", "Confirm your new email address", 1)
        .await[0]
        .token()
        .expect("token");
    let confirmed = app
        .post_json("/api/auth/confirm-email-change", &json!({"token": token}))
        .await;
    assert_eq!(confirmed.status(), StatusCode::NO_CONTENT);
    let me = app.get_bearer("/api/users/me", member.token()).await;
    assert_eq!(json_of(me).await["email"], "new@example.com");
}

#[tokio::test]
async fn roles_can_only_change_through_the_roles_route() {
    let app = spawn_app().await;
    let member = app.member().await;
    let response = app
        .send(
            Method::PUT,
            &format!("/api/users/{}", member.id),
            member.token(),
            Some(json!({"username": "sneaky_admin", "roles": ["admin"]})),
        )
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(problem["errors"].to_string().contains("roles"));
    let me = json_of(app.get_bearer("/api/users/me", member.token()).await).await;
    assert_eq!(me["roles"], json!(["user"]));
    assert_ne!(me["username"], "sneaky_admin");
}

#[tokio::test]
async fn a_taken_username_on_update_is_409() {
    let app = spawn_app().await;
    let ada = app.member().await;
    let bob = app.member().await;
    let response = app
        .send(
            Method::PUT,
            &format!("/api/users/{}", bob.id),
            bob.token(),
            Some(json!({"username": ada.user.username})),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT, "username_taken").await;
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let app = spawn_app().await;
    let member = app.member().await;
    let other_device = app.login(&member.user).await;

    let response = app
        .send(
            Method::PUT,
            "/api/users/me/password",
            member.token(),
            Some(json!({"current_password": member.user.password, "new_password": "a brand new password"})),
        )
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_bearer("/api/users/me", member.token())
            .await
            .status(),
        StatusCode::OK
    );
    let other = app
        .get_bearer("/api/users/me", &other_device.access_token)
        .await;
    assert_problem(other, StatusCode::UNAUTHORIZED, "session_revoked").await;
    let old = app
        .login_response(&member.user.email, &member.user.password)
        .await;
    assert_problem(old, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let new = app
        .login_response(&member.user.email, "a brand new password")
        .await;
    assert_eq!(new.status(), StatusCode::OK);

    let wrong = app
        .send(
            Method::PUT,
            "/api/users/me/password",
            member.token(),
            Some(json!({"current_password": "not it at all", "new_password": "another password"})),
        )
        .await;
    assert_problem(wrong, StatusCode::FORBIDDEN, "invalid_current_password").await;
}

#[tokio::test]
async fn deleting_an_account_ends_its_sessions_and_deletes_its_posts_and_comments() {
    let app = spawn_app().await;
    let leaving = app.member().await;
    let staying = app.member().await;
    let their_post = app.create_post(&leaving, "mine").await;
    let other_post = app.create_post(&staying, "theirs").await;
    let other_post_id = other_post["id"].as_str().expect("id");
    app.create_comment(&leaving, other_post_id, "bye").await;
    app.create_comment(&staying, other_post_id, "stay").await;

    let response = app
        .send(
            Method::DELETE,
            &format!("/api/users/{}", leaving.id),
            leaving.token(),
            Some(json!({"password": leaving.user.password})),
        )
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let me = app.get_bearer("/api/users/me", leaving.token()).await;
    assert_problem(me, StatusCode::UNAUTHORIZED, "session_revoked").await;
    let refresh = app.refresh_with_cookie(&leaving.login.refresh_cookie).await;
    assert_problem(refresh, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    let post = app
        .request(
            Method::GET,
            &format!("/api/posts/{}", their_post["id"].as_str().expect("id")),
        )
        .send()
        .await
        .expect("sent");
    assert_problem(post, StatusCode::NOT_FOUND, "not_found").await;
    let remaining = json_of(
        app.request(Method::GET, &format!("/api/posts/{other_post_id}"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(
        remaining["comment_count"], 1,
        "their comment went with them"
    );
    let login = app
        .login_response(&leaving.user.email, &leaving.user.password)
        .await;
    assert_problem(login, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

#[tokio::test]
async fn the_last_admin_cannot_be_removed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let demote = app
        .send(
            Method::PUT,
            &format!("/api/users/{}/roles", admin.id),
            admin.token(),
            Some(json!({"roles": ["user"]})),
        )
        .await;
    assert_problem(demote, StatusCode::CONFLICT, "last_admin").await;
    let delete = app
        .send(
            Method::DELETE,
            &format!("/api/users/{}", admin.id),
            admin.token(),
            Some(json!({"password": admin.user.password})),
        )
        .await;
    assert_problem(delete, StatusCode::CONFLICT, "last_admin").await;
    assert_eq!(
        app.get_bearer("/api/roles", admin.token()).await.status(),
        StatusCode::OK,
        "still an admin"
    );

    let second = app.admin().await;
    let demoted = app
        .send(
            Method::PUT,
            &format!("/api/users/{}/roles", admin.id),
            second.token(),
            Some(json!({"roles": []})),
        )
        .await;
    assert_eq!(demoted.status(), StatusCode::OK);
    assert_eq!(
        json_of(demoted).await["roles"],
        json!(["user"]),
        "user is always kept"
    );
    let forbidden = app.get_bearer("/api/roles", admin.token()).await;
    assert_problem(forbidden, StatusCode::FORBIDDEN, "forbidden").await;
}

/// Takes the admin role from `target` (`demote`), or deletes the account.
async fn remove(app: &TestApp, by: &Actor, target: &Actor, demote: bool) -> reqwest::Response {
    if demote {
        app.send(
            Method::PUT,
            &format!("/api/users/{}/roles", target.id),
            by.token(),
            Some(json!({"roles": []})),
        )
        .await
    } else {
        app.send(
            Method::DELETE,
            &format!("/api/users/{}", target.id),
            by.token(),
            None,
        )
        .await
    }
}

/// Two administrators demote each other at the same moment, then (with a new second
/// administrator) delete each other: whatever the interleaving, exactly one change passes and
/// exactly one administrator is left, never none. The refused one is a 409 `last_admin`, or a
/// 403/401 when the winner's change reached its session first.
#[tokio::test]
async fn admins_removing_each_other_at_once_always_leave_one_admin() {
    let app = spawn_app().await;
    let mut survivor = app.admin().await;
    for round in 0..6 {
        let other = app.admin().await;
        let pair = [&survivor, &other];
        let demote = round % 2 == 0;
        let (first, second) = join(
            remove(&app, pair[0], pair[1], demote),
            remove(&app, pair[1], pair[0], demote),
        )
        .await;
        let mut statuses = [first.status(), second.status()];
        statuses.sort();
        let passed = if demote {
            StatusCode::OK
        } else {
            StatusCode::NO_CONTENT
        };
        assert_eq!(statuses[0], passed, "round {round}: {statuses:?}");
        assert!(
            [
                StatusCode::CONFLICT,
                StatusCode::FORBIDDEN,
                StatusCode::UNAUTHORIZED
            ]
            .contains(&statuses[1]),
            "round {round}: {statuses:?}"
        );
        let mut admins = Vec::new();
        for actor in pair {
            if app.get_bearer("/api/roles", actor.token()).await.status() == StatusCode::OK {
                admins.push(actor);
            }
        }
        assert_eq!(admins.len(), 1, "round {round}: one administrator left");
        let listed = list(&app, admins[0].token(), "role=admin").await;
        assert_eq!(listed.len(), 1, "round {round}: {listed:?}");
        assert_eq!(listed[0]["id"], json!(admins[0].id));
        let winner = admins[0].id.clone();
        survivor = if winner == other.id { other } else { survivor };
    }
}

#[tokio::test]
async fn unknown_roles_are_422() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app.member().await;
    let response = app
        .send(
            Method::PUT,
            &format!("/api/users/{}/roles", member.id),
            admin.token(),
            Some(json!({"roles": ["root"]})),
        )
        .await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn an_admin_ends_every_session_of_a_user_at_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app.member().await;
    let second = app.login(&member.user).await;

    let response = app
        .send(
            Method::DELETE,
            &format!("/api/users/{}/sessions", member.id),
            admin.token(),
            None,
        )
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for token in [member.token(), second.access_token.as_str()] {
        let me = app.get_bearer("/api/users/me", token).await;
        assert_problem(me, StatusCode::UNAUTHORIZED, "session_revoked").await;
    }
    assert_eq!(
        app.get_bearer("/api/users/me", admin.token())
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn users_are_listed_and_filtered_by_username_prefix_email_and_role() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let moderator = app.moderator(&admin).await;
    let member = app.member().await;

    let everyone = list(&app, admin.token(), "").await;
    assert_eq!(everyone.len(), 3);
    assert!(
        everyone.iter().all(|u| u.get("email").is_some()),
        "admins see full records"
    );

    let prefix = &member.user.username[..8].to_uppercase();
    let by_prefix = list(&app, admin.token(), &format!("q={prefix}")).await;
    assert!(by_prefix.iter().any(|u| u["id"] == member.id.as_str()));
    let by_email = list(
        &app,
        admin.token(),
        &format!("email={}", member.user.email.to_uppercase()),
    )
    .await;
    assert_eq!(by_email.len(), 1);
    assert_eq!(by_email[0]["id"], member.id.as_str());
    let moderators = list(&app, admin.token(), "role=moderator").await;
    assert_eq!(moderators.len(), 1);
    assert_eq!(moderators[0]["id"], moderator.id.as_str());
    let admins = list(&app, admin.token(), "role=admin&limit=1").await;
    assert_eq!(admins.len(), 1);

    let seen_by_moderator = list(&app, moderator.token(), "").await;
    assert!(
        seen_by_moderator.iter().all(|u| u.get("email").is_none()),
        "moderators see public profiles"
    );

    let bad_role = app.get_bearer("/api/users?role=root", admin.token()).await;
    assert_problem(
        bad_role,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn admins_see_the_roles_and_their_permissions() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = json_of(app.get_bearer("/api/roles", admin.token()).await).await;
    let names: Vec<&str> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["user", "moderator", "admin"]);
    assert!(
        body["items"][1]["permissions"]
            .to_string()
            .contains("posts:delete:any")
    );
}

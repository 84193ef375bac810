//! Every password check a signed-in user triggers (password change, email change, deleting
//! the account) counts toward a lock-out, and deleting one's own account needs the password.
//! Logins re-hash passwords stored at a lower bcrypt cost.

use agora_tests::{Actor, TestApp, assert_problem, spawn_app};
use reqwest::{Method, Response, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

async fn change_password(app: &TestApp, member: &Actor, current: &str) -> Response {
    app.send(
        Method::PUT,
        "/api/users/me/password",
        member.token(),
        Some(json!({"current_password": current, "new_password": "a-brand-new-passphrase-42"})),
    )
    .await
}

async fn change_email(app: &TestApp, member: &Actor, current: &str) -> Response {
    app.send(
        Method::PUT,
        &format!("/api/users/{}", member.id),
        member.token(),
        Some(json!({"email": format!("moved-{}", member.user.email), "current_password": current})),
    )
    .await
}

async fn delete_self(app: &TestApp, member: &Actor, body: Option<serde_json::Value>) -> Response {
    app.send(
        Method::DELETE,
        &format!("/api/users/{}", member.id),
        member.token(),
        body,
    )
    .await
}

#[tokio::test]
async fn twelve_wrong_current_passwords_do_not_get_twelve_checks() {
    let app = spawn_app().await;
    let member = app.member().await;

    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            change_password(&app, &member, "a-guessed-password")
                .await
                .status(),
        );
    }

    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::FORBIDDEN)
        .count();
    assert_eq!(checked, 5, "{statuses:?}");
    assert!(
        statuses[5..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let right = change_password(&app, &member, &member.user.password).await;
    assert!(right.headers().contains_key("retry-after"));
    assert_problem(right, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn password_email_and_deletion_checks_share_one_lock_out() {
    let app = spawn_app().await;
    let member = app.member().await;
    for _ in 0..2 {
        let wrong = change_password(&app, &member, "guess-one-two").await;
        assert_problem(wrong, StatusCode::FORBIDDEN, "invalid_current_password").await;
    }
    for _ in 0..2 {
        let wrong = change_email(&app, &member, "guess-three-four").await;
        assert_problem(wrong, StatusCode::FORBIDDEN, "invalid_current_password").await;
    }
    let wrong = delete_self(&app, &member, Some(json!({"password": "guess-five"}))).await;
    assert_problem(wrong, StatusCode::FORBIDDEN, "invalid_current_password").await;

    let locked = delete_self(
        &app,
        &member,
        Some(json!({"password": member.user.password})),
    )
    .await;
    assert_problem(locked, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(
        app.get_bearer("/api/users/me", member.token())
            .await
            .status(),
        StatusCode::OK,
        "the account is still there"
    );
    // Strangers' logins are a different bucket: the owner can still sign in elsewhere.
    app.login(&member.user).await;
}

#[tokio::test]
async fn deleting_your_own_account_needs_your_current_password() {
    let app = spawn_app().await;
    let member = app.member().await;

    let without = delete_self(&app, &member, None).await;
    assert_problem(without, StatusCode::FORBIDDEN, "reauthentication_required").await;
    let wrong = delete_self(&app, &member, Some(json!({"password": "not-my-password"}))).await;
    assert_problem(wrong, StatusCode::FORBIDDEN, "invalid_current_password").await;
    assert_eq!(
        app.get_bearer("/api/users/me", member.token())
            .await
            .status(),
        StatusCode::OK,
        "a stolen access token alone cannot delete the account"
    );

    let right = delete_self(
        &app,
        &member,
        Some(json!({"password": member.user.password})),
    )
    .await;
    assert_eq!(right.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn administrators_delete_other_accounts_without_their_password() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app.member().await;
    let response = app
        .send(
            Method::DELETE,
            &format!("/api/users/{}", member.id),
            admin.token(),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn stored_hash(app: &TestApp, id: &str) -> String {
    let db = app.raw_connection().await;
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, password_hash FROM users",
        ))
        .await
        .expect("read users");
    db.close().await.ok();
    rows.into_iter()
        .find_map(|row| {
            let row_id: uuid::Uuid = row.try_get_by_index(0).expect("id");
            (row_id.to_string() == id)
                .then(|| row.try_get_by_index::<String>(1).expect("password_hash"))
        })
        .expect("the account's row")
}

#[tokio::test]
async fn raising_the_bcrypt_cost_rehashes_stored_passwords_at_the_next_login() {
    let app = spawn_app().await;
    let member = app.member().await;
    assert!(stored_hash(&app, &member.id).await.starts_with("$2b$04$"));

    let stronger = app.another_instance(|s| s.bcrypt_cost = 5).await;
    let wrong = stronger
        .login_response(&member.user.email, "not-the-password")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(
        stored_hash(&app, &member.id).await.starts_with("$2b$04$"),
        "a failed login changes nothing"
    );
    stronger.login(&member.user).await;

    assert!(
        stored_hash(&app, &member.id).await.starts_with("$2b$05$"),
        "re-hashed at the new cost"
    );
    stronger.login(&member.user).await;
    app.login(&member.user).await;
}

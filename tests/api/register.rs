use agora_tests::{TestUser, assert_problem, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn register_returns_201_the_user_and_its_location() {
    let app = spawn_app().await;
    let user = TestUser::generate();

    let response = app
        .post_json(
            "/api/auth/register",
            &json!({"username": user.username, "email": user.email.to_uppercase(), "password": user.password}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        location,
        format!("/api/users/{}", body["id"].as_str().expect("id"))
    );
    assert_eq!(body["username"], user.username);
    assert_eq!(body["email"], user.email, "emails are stored lower-cased");
    assert_eq!(body["roles"], json!(["user"]));
    assert!(body["created_at"].is_string() && body["updated_at"].is_string());
    assert!(body.get("password_hash").is_none() && body.get("password").is_none());
}

#[tokio::test]
async fn duplicate_username_or_email_is_409() {
    let app = spawn_app().await;
    let user = app.registered_user().await;

    let mut same_name = TestUser::generate();
    same_name.username = user.username.to_uppercase();
    assert_problem(
        app.register(&same_name).await,
        StatusCode::CONFLICT,
        "username_taken",
    )
    .await;

    let mut same_email = TestUser::generate();
    same_email.email = user.email.to_uppercase();
    assert_problem(
        app.register(&same_email).await,
        StatusCode::CONFLICT,
        "email_taken",
    )
    .await;
}

#[tokio::test]
async fn invalid_fields_are_422_listing_each_field() {
    let app = spawn_app().await;

    let response = app
        .post_json(
            "/api/auth/register",
            &json!({"username": "a", "email": "not-an-email", "password": "short"}),
        )
        .await;

    let body = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["email", "password", "username"]);
}

#[tokio::test]
async fn passwords_over_72_bytes_are_rejected_not_truncated() {
    let app = spawn_app().await;
    // Unpredictable text padded to the length under test, so only the length decides.
    let padded = |user: &TestUser, bytes: usize| {
        let mut password = user.password.clone();
        password.push_str(&"x".repeat(bytes - password.len()));
        password
    };
    for (length, accepted) in [(72, true), (73, false), (74, false)] {
        let mut user = TestUser::generate();
        user.password = if length == 74 {
            // 37 two-byte characters: 37 characters but 74 bytes.
            "é".repeat(37)
        } else {
            padded(&user, length)
        };
        let response = app.register(&user).await;
        if accepted {
            assert_eq!(response.status(), StatusCode::CREATED);
        } else {
            let body = assert_problem(
                response,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert_eq!(body["errors"][0]["field"], "password");
        }
    }
}

#[tokio::test]
async fn missing_wrong_typed_and_unknown_fields_are_422() {
    let app = spawn_app().await;
    for (body, field) in [
        (
            json!({"username": "ada_l", "email": "ada@example.com"}),
            "password",
        ),
        (
            json!({"username": 42, "email": "ada@example.com", "password": "correct horse"}),
            "username",
        ),
        (
            json!({"username": "ada_l", "email": "ada@example.com", "password": "correct horse", "roles": ["admin"]}),
            "roles",
        ),
    ] {
        let response = app.post_json("/api/auth/register", &body).await;
        let problem = assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        let text = problem["errors"].to_string();
        assert!(text.contains(field), "{field} should be named in {text}");
    }
}

#[tokio::test]
async fn guessable_passwords_are_refused_with_a_reason_frontends_can_show() {
    let app = spawn_app().await;
    for weak in ["password123", "qwertyuiop", "11111111"] {
        let mut user = TestUser::generate();
        user.password = weak.to_owned();
        let body = assert_problem(
            app.register(&user).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "password");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("is too easy to guess"), "{message}");
    }
    let mut user = TestUser::generate();
    user.password = format!("{}!", user.username);
    let personal = app.register(&user).await;
    assert_eq!(
        personal.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the username is known to an attacker"
    );
}

#[tokio::test]
async fn a_stricter_policy_applies_to_new_passwords_and_never_locks_out_old_ones() {
    let lenient = spawn_app_with(|s| s.limits.password_min_score = 0).await;
    let mut user = TestUser::generate();
    user.password = "password123".to_owned();
    assert_eq!(lenient.register(&user).await.status(), StatusCode::CREATED);

    let strict = lenient
        .another_instance(|s| s.limits.password_min_score = 3)
        .await;
    let login = strict.login(&user).await;
    let change = strict
        .request(reqwest::Method::PUT, "/api/users/me/password")
        .bearer_auth(&login.access_token)
        .json(&json!({"current_password": user.password, "new_password": "12345678"}))
        .send()
        .await
        .expect("sent");
    let body = assert_problem(
        change,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "new_password");
}

#[tokio::test]
async fn usernames_with_bidi_controls_or_invisible_characters_are_422() {
    let app = spawn_app().await;
    for c in [
        '\u{202E}', '\u{2066}', '\u{200B}', '\u{200D}', '\u{2060}', '\u{FEFF}',
    ] {
        let mut user = TestUser::generate();
        user.username = format!("ad{c}min");
        let body = assert_problem(
            app.register(&user).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "username", "{c:?}: {body}");
    }
}

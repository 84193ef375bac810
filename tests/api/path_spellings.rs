//! Attack: reaching a password-checking or account-creating route through another spelling of
//! its path (percent-encoded letters, encoded slashes, doubled slashes, dot segments, case) to
//! dodge the authentication budget. Every spelling either is not routed (404/400/405) or spends
//! the authentication budget like the plain one.

use agora_tests::{TestApp, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Sends `method path` as written, byte for byte (an HTTP client library would normalise some
/// spellings before they left it), and returns the status code.
async fn raw_status(app: &TestApp, method: &str, path: &str, body: &str, bearer: &str) -> u16 {
    let mut stream = TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connects");
    let auth = if bearer.is_empty() {
        String::new()
    } else {
        format!("Authorization: Bearer {bearer}\r\n")
    };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         {auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line for {method} {path}: {answer:?}"))
}

/// Other spellings of `/api/auth/{last}`, for a route whose last segment is `last`.
fn spellings(last: &str) -> Vec<String> {
    let first = &last[..1];
    let rest = &last[1..];
    let encoded_first = format!("%{:02X}", first.as_bytes()[0]);
    let encoded_all: String = last.bytes().map(|b| format!("%{b:02x}")).collect();
    vec![
        format!("/api/auth/{encoded_first}{rest}"),
        format!("/api/auth/{encoded_all}"),
        format!("/api/auth/{last}?via=query"),
        format!("/api/auth/{last}/"),
        format!("//api/auth/{last}"),
        format!("/api//auth/{last}"),
        format!("/api/auth//{last}"),
        format!("/api/auth%2F{last}"),
        format!("/api/auth%2f{last}"),
        format!("/api%2Fauth%2F{last}"),
        format!("/api/auth/{last}%2F"),
        format!("/API/auth/{last}"),
        format!("/api/auth/{}", last.to_uppercase()),
        format!("/api/auth/{}{rest}", first.to_uppercase()),
        format!("/api/auth/./{last}"),
        format!("/api/auth/x/../{last}"),
        format!("/api/auth/%2e/{last}"),
        format!("/api/auth/%2E%2E/auth/{last}"),
        format!("/api/auth/{last}%20"),
        format!("/api/auth/{last}%00"),
        format!("/api/auth/{last};x=1"),
        format!("/api/%61uth/{last}"),
        format!("http://localhost/api/auth/{encoded_first}{rest}"),
    ]
}

fn login_body(n: usize) -> String {
    json!({"email": format!("nobody{n}@example.com"), "password": "wrong-password"}).to_string()
}

#[tokio::test]
async fn once_the_authentication_budget_is_spent_no_spelling_of_login_reaches_a_password_check() {
    let app = spawn_app_with(|s| s.limits.auth_per_min = 2).await;
    for n in 0..2 {
        let status = raw_status(&app, "POST", "/api/auth/login", &login_body(n), "").await;
        assert_eq!(status, 401, "the plain spelling checks the password");
    }
    for (n, path) in spellings("login").iter().enumerate() {
        let status = raw_status(&app, "POST", path, &login_body(n + 10), "").await;
        assert!(
            matches!(status, 429 | 404 | 400 | 405),
            "POST {path} got {status}: a password was checked outside the budget"
        );
    }
}

#[tokio::test]
async fn an_encoded_spelling_of_login_or_register_spends_the_authentication_budget() {
    let app = spawn_app_with(|s| s.limits.auth_per_min = 1).await;
    let status = raw_status(&app, "POST", "/api/auth/%6Cogin", &login_body(1), "").await;
    assert_eq!(status, 401, "the encoded spelling routes to login");
    let plain = app.login_response("nobody2@example.com", "wrong").await;
    assert_eq!(
        plain.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the encoded login spent the authentication budget"
    );

    let app = spawn_app_with(|s| s.limits.auth_per_min = 1).await;
    let account = json!({
        "username": "encoded_one", "email": "encoded1@example.com",
        "password": "correct-horse-battery-staple-9"
    })
    .to_string();
    let status = raw_status(&app, "POST", "/api/auth/%72egister", &account, "").await;
    assert_eq!(status, 201, "the encoded spelling routes to register");
    for path in spellings("register") {
        let other = json!({
            "username": "encoded_two", "email": "encoded2@example.com",
            "password": "correct-horse-battery-staple-9"
        })
        .to_string();
        let status = raw_status(&app, "POST", &path, &other, "").await;
        assert!(
            matches!(status, 429 | 404 | 400 | 405),
            "POST {path} got {status}: an account was created outside the budget"
        );
    }
}

#[tokio::test]
async fn password_checks_on_account_routes_spend_the_authentication_budget() {
    // Registration and login spend two; two wrong current passwords spend the rest.
    let app = spawn_app_with(|s| s.limits.auth_per_min = 4).await;
    let (user, login) = app.logged_in_user().await;
    let change =
        json!({"current_password": "wrong-password", "new_password": "another-long-passphrase-77"})
            .to_string();
    for _ in 0..2 {
        let status = raw_status(
            &app,
            "PUT",
            "/api/users/me/password",
            &change,
            &login.access_token,
        )
        .await;
        assert_eq!(status, 403, "a wrong current password");
    }
    for path in [
        "/api/users/me/password",
        "/api/users/me/%70assword",
        "/api/users/%6De/password",
        "/api//users/me/password",
        "/api/users/me/password/",
    ] {
        let status = raw_status(&app, "PUT", path, &change, &login.access_token).await;
        assert!(
            matches!(status, 429 | 404 | 400 | 405),
            "PUT {path} got {status}: a password was checked outside the budget"
        );
    }
    let me: serde_json::Value = app
        .get_bearer("/api/users/me", &login.access_token)
        .await
        .json()
        .await
        .expect("JSON");
    let id = me["id"].as_str().expect("id").to_owned();
    let email_change =
        json!({"email": "moved@example.com", "current_password": user.password}).to_string();
    let status = raw_status(
        &app,
        "PUT",
        &format!("/api/users/{id}"),
        &email_change,
        &login.access_token,
    )
    .await;
    assert_eq!(status, 429, "the email change checks a password");
    let delete = json!({"password": user.password}).to_string();
    for path in [format!("/api/users/{id}"), format!("/api/%75sers/{id}")] {
        let status = raw_status(&app, "DELETE", &path, &delete, &login.access_token).await;
        assert_eq!(
            status, 429,
            "DELETE {path}: deleting an account checks a password"
        );
    }
    let still_there = app
        .request(Method::GET, "/api/users/me")
        .bearer_auth(&login.access_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(still_there.status(), StatusCode::OK);
}

/// Routes with a path parameter are matched by the `regex` crate (actix-web's `unicode`
/// feature): a parameter in an odd spelling (other scripts, encoded bytes that are not UTF-8,
/// an encoded slash, a very long segment) names its own route or none, answered 404 or 400,
/// never a server error and never another route.
#[tokio::test]
async fn a_path_parameter_in_any_spelling_names_its_own_route_or_none() {
    let app = spawn_app().await;
    let author = app.member().await;
    let post = app.create_post(&author, "Routed").await;
    let id = post["id"].as_str().expect("post id").to_owned();

    for path in [
        format!("/api/posts/{id}"),
        format!("/api/posts/{}", id.to_uppercase()),
        format!("/api/posts/%{:02X}{}", id.as_bytes()[0], &id[1..]),
        format!("/api/posts/{id}/comments"),
    ] {
        let status = raw_status(&app, "GET", &path, "", author.token()).await;
        assert_eq!(status, 200, "GET {path}");
    }
    let long = "é".repeat(4_000);
    for path in [
        "/api/posts/é".to_owned(),
        "/api/posts/%C3%A9".to_owned(),
        "/api/posts/%FF%FE".to_owned(),
        "/api/posts/\u{1F980}".to_owned(),
        "/api/posts/e\u{301}".to_owned(),
        format!("/api/posts/{id}%2Fcomments"),
        format!("/api/posts/{id}%00"),
        format!("/api/posts/{id}/comments/é"),
        format!("/api/posts/{long}"),
        format!("/api/posts/{id}/{long}"),
    ] {
        let status = raw_status(&app, "GET", &path, "", author.token()).await;
        assert!(
            matches!(status, 404 | 400),
            "GET {} got {status}",
            path.chars().take(80).collect::<String>()
        );
    }
}

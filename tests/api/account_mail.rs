//! The account lifecycle by mail: verification, password reset and email change, read from
//! the embedded `.eml` outbox and from a real SMTP conversation with a loopback sink.

use std::time::{Duration, Instant};

use agora_tests::{Actor, SmtpSink, TestApp, TestUser, assert_problem, spawn_app, spawn_app_with};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

const VERIFY: &str = "Confirm your email address";
const RESET: &str = "Reset your password";
const CHANGED: &str = "Your password was changed";
const CHANGE: &str = "Confirm your new email address";
const CHANGE_NOTICE: &str = "A change of your email address was requested";

async fn post_token(app: &TestApp, path: &str, token: &str) -> Response {
    app.post_json(path, &json!({"token": token})).await
}

async fn me(app: &TestApp, token: &str) -> Value {
    let response = app.get_bearer("/api/users/me", token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("JSON")
}

/// Asserts that the audit trail, read by `admin`, holds each of `expected` for `target`.
async fn assert_audited(app: &TestApp, admin: &Actor, target: &str, expected: &[&str]) {
    let response = app.get_bearer("/api/audit?limit=100", admin.token()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("JSON");
    let actions: Vec<String> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["target"] == target)
        .map(|e| e["action"].as_str().expect("action").to_owned())
        .collect();
    for action in expected {
        assert!(
            actions.contains(&(*action).to_owned()),
            "{action}: {actions:?}"
        );
    }
}

async fn verification_token(app: &TestApp, user: &TestUser, count: usize) -> String {
    let mails = app.wait_for_mail(&user.email, VERIFY, count).await;
    mails.last().and_then(|m| m.token()).expect("a token")
}

#[tokio::test]
async fn registration_mails_a_link_that_verifies_the_address_once() {
    let app = spawn_app_with(|s| s.mail.public_base_url = "https://app.example.com".into()).await;
    let admin = app.admin().await;
    let member = app.member().await;
    assert_eq!(me(&app, member.token()).await["email_verified"], false);

    let mail = &app.wait_for_mail(&member.user.email, VERIFY, 1).await[0];
    let link = mail.link().expect("a link");
    assert!(
        link.starts_with("https://app.example.com/verify-email?token="),
        "{link}"
    );
    assert!(mail.text.contains("text/plain") && mail.text.contains("text/html"));
    let token = mail.token().expect("token");
    assert_eq!(token.len(), 43, "256 bits in base64url");

    let response = post_token(&app, "/api/auth/verify-email", &token).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&app, member.token()).await["email_verified"], true);
    let admin_view = app
        .get_bearer(&format!("/api/users/{}", member.id), admin.token())
        .await;
    let admin_view: Value = admin_view.json().await.expect("JSON");
    assert_eq!(admin_view["email_verified"], true);
    assert_audited(&app, &admin, &member.id, &["email_verified"]).await;

    // Single use; and garbage gets the same answer.
    for token in [token.as_str(), "not-a-token", &"A".repeat(43)] {
        let response = post_token(&app, "/api/auth/verify-email", token).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_account_token").await;
    }
    // Nothing more is sent once verified.
    let resend = app
        .send(
            Method::POST,
            "/api/auth/verify-email/resend",
            member.token(),
            None,
        )
        .await;
    assert_eq!(resend.status(), StatusCode::NO_CONTENT);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    app.wait_for_mail(&member.user.email, VERIFY, 1).await;
}

#[tokio::test]
async fn a_resend_replaces_the_link_and_needs_a_login() {
    let app = spawn_app().await;
    let member = app.member().await;
    let first = verification_token(&app, &member.user, 1).await;

    let anonymous = app
        .post_json("/api/auth/verify-email/resend", &json!({}))
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let resend = app
        .send(
            Method::POST,
            "/api/auth/verify-email/resend",
            member.token(),
            None,
        )
        .await;
    assert_eq!(resend.status(), StatusCode::NO_CONTENT);
    let mails = app.wait_for_mail(&member.user.email, VERIFY, 2).await;
    let second = mails
        .iter()
        .filter_map(|m| m.token())
        .find(|t| *t != first)
        .expect("a second, different token");

    let old = post_token(&app, "/api/auth/verify-email", &first).await;
    assert_problem(old, StatusCode::BAD_REQUEST, "invalid_account_token").await;
    let new = post_token(&app, "/api/auth/verify-email", &second).await;
    assert_eq!(new.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn an_expired_link_verifies_nothing() {
    let app = spawn_app_with(|s| s.mail.email_token_ttl = Duration::from_secs(1)).await;
    let member = app.member().await;
    let token = verification_token(&app, &member.user, 1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let response = post_token(&app, "/api/auth/verify-email", &token).await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_account_token").await;
    assert_eq!(me(&app, member.token()).await["email_verified"], false);
}

#[tokio::test]
async fn a_link_sent_to_an_address_the_account_left_verifies_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app.member().await;
    let token = verification_token(&app, &member.user, 1).await;
    // An administrator moves the account to another address (immediate, unverified).
    let moved = TestUser::generate().email;
    let response = app
        .send(
            Method::PUT,
            &format!("/api/users/{}", member.id),
            admin.token(),
            Some(json!({"email": moved})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = post_token(&app, "/api/auth/verify-email", &token).await;
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_account_token").await;
    let view = me(&app, member.token()).await;
    assert_eq!(view["email"], moved.as_str());
    assert_eq!(view["email_verified"], false);
}

#[tokio::test]
async fn unverified_accounts_cannot_publish_when_verification_is_required() {
    let app = spawn_app_with(|s| s.mail.require_verified_email = true).await;
    let member = app.member().await;
    let post = json!({"title": "Hello", "body": "Some text."});
    let refused = app
        .send(
            Method::POST,
            "/api/posts",
            member.token(),
            Some(post.clone()),
        )
        .await;
    assert_problem(refused, StatusCode::FORBIDDEN, "email_not_verified").await;

    let token = verification_token(&app, &member.user, 1).await;
    assert_eq!(
        post_token(&app, "/api/auth/verify-email", &token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let created = app.create_post(&member, "Hello").await;
    let other = app.member().await;
    let comment = app
        .send(
            Method::POST,
            &format!(
                "/api/posts/{}/comments",
                created["id"].as_str().expect("id")
            ),
            other.token(),
            Some(json!({"body": "Hi"})),
        )
        .await;
    assert_problem(comment, StatusCode::FORBIDDEN, "email_not_verified").await;
}

async fn confirm(app: &TestApp, token: &str, password: &str) -> Response {
    app.post_json(
        "/api/auth/password-reset/confirm",
        &json!({"token": token, "new_password": password}),
    )
    .await
}

#[tokio::test]
async fn a_password_reset_ends_sessions_clears_the_lockout_and_kills_old_links() {
    let app = spawn_app_with(|s| s.limits.lockout_threshold = 3).await;
    let admin = app.admin().await;
    let member = app.member().await;
    let second_session = app.login(&member.user).await;
    for _ in 0..4 {
        app.login_response(&member.user.email, "wrong-password-here")
            .await;
    }
    let locked = app
        .login_response(&member.user.email, &member.user.password)
        .await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);

    let ask = json!({"email": member.user.email});
    for n in 1..=2 {
        let response = app.post_json("/api/auth/password-reset", &ask).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        app.wait_for_mail(&member.user.email, RESET, n).await;
    }
    let mails = app.wait_for_mail(&member.user.email, RESET, 2).await;
    let tokens: Vec<String> = mails.iter().map(|m| m.token().expect("token")).collect();
    let link = mails[0].link().expect("link");
    assert!(link.contains("/reset-password?token="), "{link}");

    let new_password = "a-brand-new-passphrase-42";
    // Which of the two mails is newer is not known from the files: exactly one works, and a
    // weak password spends neither.
    let mut weak = Vec::new();
    for token in &tokens {
        weak.push(confirm(&app, token, "password").await.status());
    }
    weak.sort();
    assert_eq!(
        weak,
        [StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY]
    );
    let mut outcomes = Vec::new();
    for token in &tokens {
        outcomes.push(confirm(&app, token, new_password).await.status());
    }
    outcomes.sort();
    assert_eq!(
        outcomes,
        [StatusCode::NO_CONTENT, StatusCode::BAD_REQUEST],
        "the older link died when the newer was issued"
    );
    for token in &tokens {
        let reused = confirm(&app, token, "yet-another-passphrase-77").await;
        assert_problem(reused, StatusCode::BAD_REQUEST, "invalid_account_token").await;
    }

    for login in [&member.login, &second_session] {
        assert_eq!(
            app.refresh_with_cookie(&login.refresh_cookie)
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.get_bearer("/api/users/me", &login.access_token)
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // The lock-out is gone: the new password works at once; the old one does not.
    assert_eq!(
        app.login_response(&member.user.email, new_password)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.login_response(&member.user.email, &member.user.password)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let changed = app.wait_for_mail(&member.user.email, CHANGED, 1).await;
    assert_eq!(changed[0].token(), None);
    assert_audited(
        &app,
        &admin,
        &member.id,
        &["password_reset_requested", "password_reset_completed"],
    )
    .await;
}

#[tokio::test]
async fn a_reset_request_answers_the_same_for_known_and_unknown_addresses() {
    let app = spawn_app().await;
    let member = app.member().await;
    let unknown = TestUser::generate().email;
    let mut answers = Vec::new();
    let mut times = Vec::new();
    for email in [&member.user.email, &unknown, &member.user.email, &unknown] {
        let started = Instant::now();
        let response = app
            .post_json("/api/auth/password-reset", &json!({"email": email}))
            .await;
        times.push(started.elapsed());
        let status = response.status();
        answers.push((status, response.text().await.expect("body")));
    }
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    // The look-up and the mail happen off the request path: no answer waits for them.
    assert!(
        times.iter().all(|t| *t < Duration::from_millis(250)),
        "{times:?}"
    );
    app.wait_for_mail(&member.user.email, RESET, 2).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(app.outbox().iter().all(|m| m.to != unknown));
}

#[tokio::test]
async fn reset_requests_spend_the_budget_of_the_target_account() {
    let app = spawn_app_with(|s| {
        s.limits.auth_per_min = 3;
        s.limits.trusted_proxies = vec!["127.0.0.0/8".parse().expect("range")];
    })
    .await;
    let target = TestUser::generate().email;
    for n in 0..4 {
        let response = app
            .request(Method::POST, "/api/auth/password-reset")
            .header("X-Forwarded-For", format!("203.0.113.{n}"))
            .json(&json!({"email": target}))
            .send()
            .await
            .expect("sent");
        let expected = if n < 3 {
            StatusCode::ACCEPTED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(
            response.status(),
            expected,
            "request {n} from its own client"
        );
    }
}

async fn change_email(app: &TestApp, member: &Actor, to: &str) -> Response {
    app.send(
        Method::PUT,
        &format!("/api/users/{}", member.id),
        member.token(),
        Some(json!({"email": to, "current_password": member.user.password})),
    )
    .await
}

#[tokio::test]
async fn an_email_change_takes_effect_only_once_the_new_address_confirms() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app.member().await;
    let new_email = TestUser::generate().email;

    let response = change_email(&app, &member, &new_email).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        me(&app, member.token()).await["email"],
        member.user.email.as_str()
    );
    let notice = &app
        .wait_for_mail(&member.user.email, CHANGE_NOTICE, 1)
        .await[0];
    assert_eq!(notice.token(), None, "no secret goes to the old address");
    assert!(!notice.text.contains("token"));
    let token = app.wait_for_mail(&new_email, CHANGE, 1).await[0]
        .token()
        .expect("token");
    // Until confirmed, the old address still logs in and the new one does not.
    assert_eq!(
        app.login_response(&new_email, &member.user.password)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    let confirmed = post_token(&app, "/api/auth/confirm-email-change", &token).await;
    assert_eq!(confirmed.status(), StatusCode::NO_CONTENT);
    let view = me(&app, member.token()).await;
    assert_eq!(view["email"], new_email.as_str());
    assert_eq!(view["email_verified"], true);
    assert_eq!(
        app.login_response(&new_email, &member.user.password)
            .await
            .status(),
        StatusCode::OK
    );
    let again = post_token(&app, "/api/auth/confirm-email-change", &token).await;
    assert_problem(again, StatusCode::BAD_REQUEST, "invalid_account_token").await;
    assert_audited(
        &app,
        &admin,
        &member.id,
        &["email_change_requested", "email_changed"],
    )
    .await;
}

#[tokio::test]
async fn an_unconfirmed_email_change_changes_nothing_and_uniqueness_holds_at_both_ends() {
    let app = spawn_app().await;
    let member = app.member().await;
    let other = app.member().await;

    // Taken now: refused at once.
    let taken = change_email(&app, &member, &other.user.email).await;
    assert_problem(taken, StatusCode::CONFLICT, "email_taken").await;

    // Free now, taken before the confirmation comes back.
    let wanted = TestUser::generate();
    assert_eq!(
        change_email(&app, &member, &wanted.email).await.status(),
        StatusCode::OK
    );
    let token = app.wait_for_mail(&wanted.email, CHANGE, 1).await[0]
        .token()
        .expect("token");
    assert_eq!(app.register(&wanted).await.status(), StatusCode::CREATED);
    let late = post_token(&app, "/api/auth/confirm-email-change", &token).await;
    assert_problem(late, StatusCode::CONFLICT, "email_taken").await;
    assert_eq!(
        me(&app, member.token()).await["email"],
        member.user.email.as_str()
    );
}

#[tokio::test]
async fn mail_goes_out_over_smtp() {
    let sink = SmtpSink::start(0).await;
    let url = sink.url();
    let app = spawn_app_with(|s| s.mail.smtp_url = Some(url.into())).await;
    let member = app.member().await;
    let mail = &sink.wait_for_mail(&member.user.email, VERIFY, 1).await[0];
    let token = mail.token().expect("token");
    assert_eq!(
        post_token(&app, "/api/auth/verify-email", &token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert!(
        app.outbox().is_empty(),
        "nothing written to files with SMTP_URL"
    );
}

#[tokio::test]
async fn a_mail_server_that_is_down_delays_the_mail_but_loses_nothing() {
    // A port nothing listens on (yet).
    let port = SmtpSink::start(0).await;
    let port = {
        let p = port.port;
        port.stop();
        p
    };
    let url = format!("smtp://127.0.0.1:{port}");
    let app = spawn_app_with(|s| {
        s.mail.smtp_url = Some(url.into());
        s.metrics_addr = Some("127.0.0.1:0".parse().expect("loopback"));
    })
    .await;
    let (user, _) = app.logged_in_user().await;
    // The account exists and works while its mail cannot be sent.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.login(&user).await.body["user"]["email_verified"], false);

    let sink = SmtpSink::start(port).await;
    let mail = &sink.wait_for_mail(&user.email, VERIFY, 1).await[0];
    let token = mail.token().expect("token");
    assert_eq!(
        post_token(&app, "/api/auth/verify-email", &token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
}

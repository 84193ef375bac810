//! The lock-out under attack: racing guesses against one account, and strangers trying to
//! lock its owner out.

use agora_tests::{CookieJar, TestApp, assert_problem, spawn_app, spawn_app_with};
use futures_util::future::join_all;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

async fn login_with_device(
    app: &TestApp,
    device: Option<&str>,
    email: &str,
    password: &str,
) -> Response {
    let mut request = app
        .request(Method::POST, "/api/auth/login")
        .json(&json!({"email": email, "password": password}));
    if let Some(device) = device {
        request = request.header("Cookie", format!("device={device}"));
    }
    request.send().await.expect("request sent")
}

async fn login_failures_against(app: &TestApp, admin_token: &str, id: &str) -> usize {
    let response = app
        .get_bearer("/api/audit?limit=100&action=login_failed", admin_token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["target"] == id)
        .count()
}

#[tokio::test]
async fn forty_racing_wrong_passwords_get_at_most_the_threshold_checked() {
    // A real bcrypt cost, so the guesses overlap while the first ones are being hashed.
    let app = spawn_app_with(|s| s.bcrypt_cost = 8).await;
    let admin = app.admin().await;
    let (user, login) = app.logged_in_user().await;
    let id = login.body["user"]["id"].as_str().expect("id").to_owned();

    let answers = join_all(
        (0..40).map(|_| login_with_device(&app, None, &user.email, "wrong-password-guess")),
    )
    .await;

    let statuses: Vec<StatusCode> = answers.iter().map(Response::status).collect();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let invalid = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(refused + invalid, 40, "only 401 and 429: {statuses:?}");
    assert!(invalid <= 5, "{invalid} guesses were checked: {statuses:?}");
    assert!(refused >= 35, "{statuses:?}");
    let checked = login_failures_against(&app, admin.token(), &id).await;
    assert!(
        checked <= 5,
        "{checked} password verifications for one account under a threshold of 5"
    );
}

#[tokio::test]
async fn strangers_lock_the_account_for_strangers_but_not_for_the_owners_device() {
    let app = spawn_app().await;
    let user = app.registered_user().await;
    let other = app.registered_user().await;
    let owner_login = login_with_device(&app, None, &user.email, &user.password).await;
    assert_eq!(owner_login.status(), StatusCode::OK);
    let jar = CookieJar::from_response(&owner_login);
    let device = jar
        .get("device")
        .expect("a login sets the device cookie")
        .clone();
    assert!(device.has("httponly"), "{device:?}");
    assert!(device.has("secure"), "{device:?}");
    assert_eq!(device.attr("path"), Some("/api/auth/login"));
    assert_eq!(device.attr("samesite"), Some("Strict"));
    let other_device = CookieJar::from_response(
        &login_with_device(&app, None, &other.email, &other.password).await,
    )
    .value("device");

    for _ in 0..5 {
        let wrong = login_with_device(&app, None, &user.email, "a-strangers-guess").await;
        assert_problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    let stranger = login_with_device(&app, None, &user.email, &user.password).await;
    assert_problem(stranger, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;

    let (head, tag) = device.value.rsplit_once('.').expect("device.expiry.tag");
    let flipped = if tag.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}.{flipped}{}", &tag[1..]);
    let forged_expiry = {
        let (id, _) = head.split_once('.').expect("device.expiry");
        format!("{id}.99999999999.{tag}")
    };
    for forged in [
        tampered.as_str(),
        forged_expiry.as_str(),
        other_device.as_str(),
        "garbage",
    ] {
        let answer = login_with_device(&app, Some(forged), &user.email, &user.password).await;
        assert_problem(answer, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    }

    let owner = login_with_device(&app, Some(&device.value), &user.email, &user.password).await;
    assert_eq!(
        owner.status(),
        StatusCode::OK,
        "the owner's device is not locked out by strangers"
    );
    let renewed = CookieJar::from_response(&owner).value("device");
    assert_ne!(
        renewed, device.value,
        "each login issues a fresh device cookie"
    );
    let again = login_with_device(&app, None, &user.email, &user.password).await;
    assert_eq!(
        again.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the owner's success does not lift the strangers' lock-out"
    );
}

#[tokio::test]
async fn a_devices_own_failures_lock_that_device_only() {
    let app = spawn_app().await;
    let user = app.registered_user().await;
    let first = login_with_device(&app, None, &user.email, &user.password).await;
    let device = CookieJar::from_response(&first).value("device");

    for _ in 0..5 {
        let wrong = login_with_device(&app, Some(&device), &user.email, "typo-password").await;
        assert_problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    let locked = login_with_device(&app, Some(&device), &user.email, &user.password).await;
    assert_problem(locked, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let elsewhere = login_with_device(&app, None, &user.email, &user.password).await;
    assert_eq!(elsewhere.status(), StatusCode::OK);
}

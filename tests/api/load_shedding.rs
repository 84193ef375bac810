//! A login flood is shed with 503 and `Retry-After` once the wait for a password-hashing slot
//! passes `PASSWORD_HASH_QUEUE_MS`, instead of queueing without end.

use std::time::{Duration, Instant};

use agora_tests::{TestUser, spawn_app_with};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn a_login_flood_past_the_hashing_queue_bound_gets_503_with_retry_after() {
    let app = spawn_app_with(|s| {
        // One slot, a hash of ~100 ms, and 50 ms of patience: twelve at once cannot all wait.
        s.bcrypt_cost = 11;
        s.limits.hash_concurrency = 1;
        s.limits.hash_queue = Duration::from_millis(50);
    })
    .await;
    let started = Instant::now();

    let emails: Vec<String> = (0..12).map(|n| format!("flood-{n}@example.com")).collect();
    let answers = join_all(
        emails
            .iter()
            .map(|email| app.login_response(email, "any-password-at-all")),
    )
    .await;

    let elapsed = started.elapsed();
    let mut shed = 0;
    for answer in answers {
        let status = answer.status();
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::SERVICE_UNAVAILABLE,
            "only 401 and 503: got {status}"
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            shed += 1;
            let retry_after = answer
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            assert!(retry_after.is_some_and(|s| s >= 1), "{retry_after:?}");
            let body: Value = answer.json().await.expect("problem json");
            assert_eq!(body["code"], "service_unavailable");
        }
    }
    assert!(shed >= 1, "no login was shed");
    assert!(
        elapsed < Duration::from_secs(10),
        "the flood was answered in bounded time: {elapsed:?}"
    );
}

#[tokio::test]
async fn a_registration_flood_is_shed_too_password_estimates_included() {
    let app = spawn_app_with(|s| {
        s.bcrypt_cost = 11;
        s.limits.hash_concurrency = 1;
        s.limits.hash_queue = Duration::from_millis(50);
    })
    .await;
    let users: Vec<TestUser> = (0..10).map(|_| TestUser::generate()).collect();
    let started = Instant::now();

    let answers = join_all(users.iter().map(|user| app.register(user))).await;

    let statuses: Vec<StatusCode> = answers.iter().map(|a| a.status()).collect();
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::SERVICE_UNAVAILABLE),
        "only 201 and 503: {statuses:?}"
    );
    assert!(
        statuses.contains(&StatusCode::SERVICE_UNAVAILABLE),
        "{statuses:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

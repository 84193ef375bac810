//! Emails at rest: encrypted in the database, found through their blind index, and
//! re-encrypted by `agora rotate-data-key`.

use agora_tests::{TestUser, assert_problem, contains, spawn_app};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

#[tokio::test]
async fn no_plaintext_email_is_stored_anywhere() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app.member().await;
    let mixed = TestUser {
        email: "Mixed.Case-Person@Example.ORG".into(),
        ..TestUser::generate()
    };
    assert_eq!(app.register(&mixed).await.status(), StatusCode::CREATED);
    let refused = app
        .login_response(&member.user.email, "a wrong password")
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let unknown = app
        .login_response("never-registered@example.net", "whatever pw")
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let changed = app
        .send(
            Method::PUT,
            &format!("/api/users/{}", member.id),
            admin.token(),
            Some(json!({"email": "renamed-address@example.com"})),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let found = app
        .get_bearer(
            "/api/users?email=renamed-address@example.com",
            admin.token(),
        )
        .await;
    assert_eq!(found.status(), StatusCode::OK);

    let stored = app.raw_storage().await;
    assert!(
        contains(&stored, &member.user.username),
        "the dump is readable"
    );
    for email in [
        admin.user.email.as_str(),
        member.user.email.as_str(),
        "renamed-address@example.com",
        "mixed.case-person@example.org",
        "Mixed.Case-Person@Example.ORG",
        "never-registered@example.net",
    ] {
        assert!(!contains(&stored, email), "{email} is stored in the clear");
    }
    for column in app.stored_emails().await {
        assert!(column.starts_with("enc:v1:"), "{column}");
    }
}

#[tokio::test]
async fn emails_stay_unique_and_searchable_whatever_their_case() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = TestUser {
        email: "Case.Test@Example.com".into(),
        ..TestUser::generate()
    };
    assert_eq!(app.register(&user).await.status(), StatusCode::CREATED);
    let twin = TestUser {
        email: "CASE.TEST@example.COM".into(),
        ..TestUser::generate()
    };
    assert_problem(
        app.register(&twin).await,
        StatusCode::CONFLICT,
        "email_taken",
    )
    .await;

    let login = app
        .login_response("  case.test@EXAMPLE.com ", &user.password)
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    let body: Value = login.json().await.expect("json");
    assert_eq!(body["user"]["email"], "case.test@example.com");

    let found: Value = app
        .get_bearer("/api/users?email=CASE.test@example.com", admin.token())
        .await
        .json()
        .await
        .expect("json");
    let items = found["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["email"], "case.test@example.com");
}

#[tokio::test]
async fn rotate_data_key_re_encrypts_every_email_and_a_rerun_does_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let members = [app.member().await, app.member().await, app.member().await];
    let before = app.stored_emails().await;
    let old_key = app.settings.data_key.clone().expect("a data key");
    let new_key = infrastructure::crypto::generate_key();
    let mut rotated = app.settings.clone();
    rotated.data_key = Some(new_key.clone());
    rotated.data_keys_previous = vec![old_key.clone()];

    let report = agora::rotate::rotate_data_key(&rotated, 2)
        .await
        .expect("rotates");
    assert_eq!(report.rewritten, before.len() as u64);
    assert!(report.batches >= 2, "batches of two: {report:?}");
    let after = app.stored_emails().await;
    let prefix = format!("enc:v1:{}:", report.key_id);
    assert!(after.iter().all(|e| e.starts_with(&prefix)), "{after:?}");
    assert!(before.iter().all(|e| !e.starts_with(&prefix)));

    let rerun = agora::rotate::rotate_data_key(&rotated, 2)
        .await
        .expect("reruns");
    assert_eq!(rerun.rewritten, 0);
    assert_eq!(app.stored_emails().await, after, "a rerun changes nothing");

    // Only the new key: everything must have been re-encrypted to still be readable.
    let only_new = app
        .another_instance(|s| {
            s.data_key = Some(new_key.clone());
            s.data_keys_previous = Vec::new();
        })
        .await;
    let login = only_new.login(&members[1].user).await;
    assert_eq!(login.body["user"]["email"], members[1].user.email.as_str());
    let admin_login = only_new.login(&admin.user).await;
    let listed: Value = only_new
        .get_bearer(
            &format!("/api/users?email={}", members[2].user.email),
            &admin_login.access_token,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"][0]["id"], members[2].id.as_str());
    assert_ne!(old_key.expose_secret(), new_key.expose_secret());
}

#[tokio::test]
async fn an_interrupted_rotation_is_finished_by_the_next_run() {
    let app = spawn_app().await;
    app.member().await;
    let new_key = infrastructure::crypto::generate_key();
    let mut rotated = app.settings.clone();
    rotated.data_key = Some(new_key);
    rotated.data_keys_previous = vec![app.settings.data_key.clone().expect("a data key")];
    agora::rotate::rotate_data_key(&rotated, 1)
        .await
        .expect("rotates");
    // An instance still on the old key writes a row: the mix an interrupted run leaves.
    let late = app.member().await;
    let report = agora::rotate::rotate_data_key(&rotated, 1)
        .await
        .expect("rotates again");
    assert_eq!(report.rewritten, 1);
    let prefix = format!("enc:v1:{}:", report.key_id);
    assert!(
        app.stored_emails()
            .await
            .iter()
            .all(|e| e.starts_with(&prefix))
    );
    let new_instance = app.another_instance(|s| *s = rotated.clone()).await;
    new_instance.login(&late.user).await;
}

#[tokio::test]
async fn the_longest_accepted_email_still_fits_once_encrypted() {
    let app = spawn_app().await;
    // 64-byte local part, 255 bytes in all: the ciphertext is well over 255 characters.
    let domain = format!(
        "{}.{}.{}.com",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(58)
    );
    let email = format!("{}@{domain}", "l".repeat(64));
    assert_eq!(email.len(), 255);
    let user = TestUser {
        email: email.clone(),
        ..TestUser::generate()
    };
    assert_eq!(app.register(&user).await.status(), StatusCode::CREATED);
    let login = app.login(&user).await;
    assert_eq!(login.body["user"]["email"], email.as_str());
    assert!(app.stored_emails().await.iter().any(|e| e.len() > 255));
}

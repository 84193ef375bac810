//! Values that change when normalised, and rows an earlier version stored that this one cannot
//! read: neither may make an account unusable, nor take down a list, a delete or a rotation.

use agora_tests::{TestApp, TestUser, assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

fn tag() -> String {
    Uuid::now_v7().simple().to_string()[20..].to_owned()
}

/// Sets a column of one account directly in the database, as an earlier version could have.
async fn overwrite_user_column(app: &TestApp, username: &str, column: &str, value: &str) {
    let db = app.raw_connection().await;
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => format!("UPDATE users SET {column} = $1 WHERE username = $2"),
        _ => format!("UPDATE users SET {column} = ? WHERE username = ?"),
    };
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [value.into(), username.into()],
        ))
        .await
        .expect("overwrite a column");
    assert_eq!(done.rows_affected(), 1);
    db.close().await.ok();
}

/// Every page of `GET /api/users` as `token`.
async fn all_users(app: &TestApp, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut path = "/api/users?limit=2".to_owned();
    loop {
        let response = app.get_bearer(&path, token).await;
        assert_eq!(response.status(), StatusCode::OK, "listing users");
        let page: Value = response.json().await.expect("json");
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/users?limit=2&cursor={cursor}"),
            None => return items,
        }
    }
}

/// Registration either refuses the address (422) or yields an account that can log in, be
/// listed by an admin, be read and be deleted.
async fn refused_or_fully_usable(app: &TestApp, admin_token: &str, email: &str) {
    let user = TestUser {
        email: email.to_owned(),
        ..TestUser::generate()
    };
    let response = app.register(&user).await;
    if response.status() == StatusCode::UNPROCESSABLE_ENTITY {
        let body = assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "email", "{email:?}: {body}");
        return;
    }
    assert_eq!(response.status(), StatusCode::CREATED, "{email:?}");
    let created: Value = response.json().await.expect("json");
    let id = created["id"].as_str().expect("id").to_owned();
    let stored = created["email"].as_str().expect("email").to_owned();

    let login = app.login(&user).await;
    assert_eq!(login.body["user"]["email"], stored.as_str(), "{email:?}");
    let again = app.login_response(&stored, &user.password).await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "the stored form logs in too"
    );
    let own = app
        .get_bearer(&format!("/api/users/{id}"), &login.access_token)
        .await;
    assert_eq!(own.status(), StatusCode::OK, "{email:?}");
    let listed = all_users(app, admin_token).await;
    assert!(listed.iter().any(|u| u["id"] == id.as_str()), "{email:?}");
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/users/{id}"),
            admin_token,
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT, "{email:?}");
}

#[tokio::test]
async fn emails_that_change_when_lower_cased_never_make_an_unusable_account() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tag();
    for email in [
        // `İ` lower-cases to `i` + U+0307.
        format!("\u{130}{t}@example.com"),
        format!("x{t}\u{130}@example.com"),
        // 32 x `Ⱥ` is 64 bytes; lower-cased, 96.
        format!("{}@t{t}.example.com", "\u{23a}".repeat(32)),
        format!("{}@t{t}.example.com", "\u{23a}".repeat(21)),
        // Decomposed, Kelvin sign, sharp s, final sigma.
        format!("jo\u{308}rg{t}@example.com"),
        format!("\u{212a}elvin{t}@example.com"),
        format!("stra\u{1e9e}e{t}@example.com"),
        format!("\u{3a3}\u{3c9}\u{3c2}{t}@example.com"),
    ] {
        refused_or_fully_usable(&app, admin.token(), &email).await;
    }
}

#[tokio::test]
async fn an_internationalised_domain_is_one_address_in_either_spelling() {
    let app = spawn_app().await;
    let t = tag();
    let user = TestUser {
        email: format!("J\u{f6}rg{t}@B\u{fc}cher.de"),
        ..TestUser::generate()
    };
    let response = app.register(&user).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.expect("json");
    let stored = format!("j\u{f6}rg{t}@xn--bcher-kva.de");
    assert_eq!(body["email"], stored.as_str());

    for spelling in [
        format!("JO\u{308}RG{t}@XN--BCHER-KVA.DE"),
        format!("j\u{f6}rg{t}@bu\u{308}cher.de"),
    ] {
        let same = TestUser {
            email: spelling.clone(),
            ..TestUser::generate()
        };
        assert_problem(
            app.register(&same).await,
            StatusCode::CONFLICT,
            "email_taken",
        )
        .await;
        let login = app.login_response(&spelling, &user.password).await;
        assert_eq!(login.status(), StatusCode::OK, "{spelling}");
    }
}

#[tokio::test]
async fn accounts_whose_stored_email_cannot_be_read_are_listed_shown_and_deletable() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let fine = app.member().await;
    // What an earlier version stored for `İ...@example.com`: lower-cased, never re-validated.
    let legacy = app.member().await;
    let legacy_email = format!("i\u{307}{}@example.com", tag());
    overwrite_user_column(&app, &legacy.user.username, "email", &legacy_email).await;
    // A ciphertext under a key this instance does not have.
    let lost_key = app.member().await;
    overwrite_user_column(
        &app,
        &lost_key.user.username,
        "email",
        "enc:v1:0badc0de:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    )
    .await;

    let listed = all_users(&app, admin.token()).await;
    assert_eq!(listed.len(), 4, "{listed:?}");
    for broken in [&legacy, &lost_key] {
        let item = listed
            .iter()
            .find(|u| u["id"] == broken.id.as_str())
            .expect("listed");
        assert_eq!(item["email_unreadable"], true, "{item}");
        assert!(item.get("email").is_none(), "{item}");
        assert_eq!(item["username"], broken.user.username.as_str());
    }
    let readable = listed
        .iter()
        .find(|u| u["id"] == fine.id.as_str())
        .expect("listed");
    assert_eq!(readable["email"], fine.user.email.as_str());
    assert!(readable.get("email_unreadable").is_none());

    let shown = app
        .get_bearer(&format!("/api/users/{}", legacy.id), admin.token())
        .await;
    assert_eq!(shown.status(), StatusCode::OK);
    let own = app.get_bearer("/api/users/me", legacy.token()).await;
    assert_eq!(own.status(), StatusCode::OK);
    let own: Value = own.json().await.expect("json");
    assert_eq!(own["email"], Value::Null);
    assert_eq!(own["email_unreadable"], true);

    // Its owner repairs it with an email change; an admin deletes the other.
    let repaired = format!("repaired{}@example.com", tag());
    let changed = app
        .send(
            Method::PUT,
            &format!("/api/users/{}", legacy.id),
            admin.token(),
            Some(json!({"email": repaired})),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let login = app.login_response(&repaired, &legacy.user.password).await;
    assert_eq!(login.status(), StatusCode::OK);
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/users/{}", lost_key.id),
            admin.token(),
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(all_users(&app, admin.token()).await.len(), 3);
}

#[tokio::test]
async fn rotate_data_key_reports_and_skips_rows_it_cannot_read() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let members = [app.member().await, app.member().await];
    let legacy = app.member().await;
    overwrite_user_column(
        &app,
        &legacy.user.username,
        "email",
        &format!("{}@example.com", "\u{2c65}".repeat(32)),
    )
    .await;
    let lost_key = app.member().await;
    overwrite_user_column(
        &app,
        &lost_key.user.username,
        "email",
        "enc:v1:0badc0de:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    )
    .await;

    let mut rotated = app.settings.clone();
    rotated.data_key = Some(infrastructure::crypto::generate_key());
    rotated.data_keys_previous = vec![app.settings.data_key.clone().expect("a data key")];
    let report = agora::rotate::rotate_data_key(&rotated, 1)
        .await
        .expect("one unreadable row does not stop the rotation");
    assert_eq!(report.skipped, 2, "{report:?}");
    assert_eq!(report.rewritten, 3, "{report:?}");
    let rerun = agora::rotate::rotate_data_key(&rotated, 1)
        .await
        .expect("reruns");
    assert_eq!((rerun.rewritten, rerun.skipped), (0, 2), "{rerun:?}");

    let rotated_app = app.another_instance(|s| *s = rotated.clone()).await;
    for member in members.iter().chain([&admin]) {
        rotated_app.login(&member.user).await;
    }
}

#[tokio::test]
async fn rotate_data_key_re_normalises_addresses_an_earlier_version_stored() {
    let app = spawn_app().await;
    let t = tag();
    // Plaintext from before encryption, spelt as the earlier version kept it (Unicode domain).
    let plain = app.member().await;
    let plain_email = format!("legacy{t}@b\u{fc}cher.de");
    overwrite_user_column(&app, &plain.user.username, "email", &plain_email).await;
    // Under the current key, but indexed under an old normalisation.
    let stale = app.member().await;
    overwrite_user_column(
        &app,
        &stale.user.username,
        "email_blind_index",
        &"0".repeat(64),
    )
    .await;
    let before = app
        .login_response(&stale.user.email, &stale.user.password)
        .await;
    assert_eq!(
        before.status(),
        StatusCode::UNAUTHORIZED,
        "not found under its index"
    );

    // The same key: nothing to re-encrypt, but two rows to re-normalise.
    let report = agora::rotate::rotate_data_key(&app.settings, 1)
        .await
        .expect("rotates");
    assert_eq!((report.rewritten, report.skipped), (2, 0), "{report:?}");

    app.login(&stale.user).await;
    let login = app.login_response(&plain_email, &plain.user.password).await;
    assert_eq!(login.status(), StatusCode::OK);
    let body: Value = login.json().await.expect("json");
    assert_eq!(
        body["user"]["email"],
        format!("legacy{t}@xn--bcher-kva.de").as_str()
    );
    let rerun = agora::rotate::rotate_data_key(&app.settings, 1)
        .await
        .expect("reruns");
    assert_eq!((rerun.rewritten, rerun.skipped), (0, 0), "{rerun:?}");
}

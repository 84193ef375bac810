//! The audit trail: every security event is recorded with its request context, changes and
//! their events commit together, and only administrators read it.

use std::time::Duration;

use agora_tests::{Actor, TestApp, assert_problem, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The events matching `query`, newest first.
async fn events(app: &TestApp, admin: &Actor, query: &str) -> Vec<Value> {
    let response = app
        .get_bearer(&format!("/api/audit?limit=100&{query}"), admin.token())
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    let body: Value = response.json().await.expect("json");
    body["items"].as_array().expect("items").clone()
}

async fn actions_targeting(app: &TestApp, admin: &Actor, target: &str) -> Vec<String> {
    events(app, admin, "")
        .await
        .iter()
        .filter(|e| e["target"] == target)
        .map(|e| e["action"].as_str().expect("action").to_owned())
        .rev()
        .collect()
}

#[tokio::test]
async fn registration_and_logins_are_recorded_with_their_request_context() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = agora_tests::TestUser::generate();
    let registered = app
        .request(Method::POST, "/api/auth/register")
        .header("X-Request-Id", "req-register-1")
        .header("User-Agent", "audit-test/1.0")
        .json(&json!({"username": user.username, "email": user.email, "password": user.password}))
        .send()
        .await
        .expect("sent");
    assert_eq!(registered.status(), StatusCode::CREATED);
    let id = registered.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let wrong = app.login_response(&user.email, "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let unknown = app
        .login_response("nobody-here@example.com", "whatever pw")
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    app.login(&user).await;

    let registration = &events(&app, &admin, "action=account_registered").await[0];
    assert_eq!(registration["actor_id"], id.as_str());
    assert_eq!(registration["target"], id.as_str());
    assert_eq!(registration["request_id"], "req-register-1");
    assert_eq!(registration["user_agent"], "audit-test/1.0");
    assert_eq!(registration["ip"], "127.0.0.1");
    let failures = events(&app, &admin, "action=login_failed").await;
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0]["target"], Value::Null, "unknown address");
    assert_eq!(failures[1]["target"], id.as_str(), "wrong password");
    assert!(failures.iter().all(|e| e["actor_id"].is_null()));
    let success = events(&app, &admin, &format!("action=login_succeeded&actor={id}")).await;
    assert_eq!(success.len(), 1);
    assert!(success[0]["request_id"].is_string());
}

#[tokio::test]
async fn refresh_token_reuse_is_recorded() {
    let app = spawn_app_with(|s| s.refresh_reuse_grace = Duration::ZERO).await;
    let admin = app.admin().await;
    let member = app.member().await;
    let rotated = app.refresh_with_cookie(&member.login.refresh_cookie).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let reused = app.refresh_with_cookie(&member.login.refresh_cookie).await;
    assert_problem(reused, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;

    let reuse = events(&app, &admin, "action=refresh_token_reused").await;
    assert_eq!(reuse.len(), 1);
    assert_eq!(reuse[0]["target"], member.id.as_str());
}

#[tokio::test]
async fn logouts_and_ended_sessions_are_recorded() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app.member().await;
    app.login(&member.user).await;
    let sessions: Value = app
        .get_bearer("/api/auth/sessions", member.token())
        .await
        .json()
        .await
        .expect("json");
    let other = sessions["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["current"] == false)
        .expect("another session")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let ended = app
        .send(
            Method::DELETE,
            &format!("/api/auth/sessions/{other}"),
            member.token(),
            None,
        )
        .await;
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    let logout = app
        .send(Method::POST, "/api/auth/logout", member.token(), None)
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let again = app.login(&member.user).await;
    let all = app
        .send(
            Method::POST,
            "/api/auth/logout-all",
            &again.access_token,
            None,
        )
        .await;
    assert_eq!(all.status(), StatusCode::NO_CONTENT);
    app.login(&member.user).await;
    let by_admin = app
        .send(
            Method::DELETE,
            &format!("/api/users/{}/sessions", member.id),
            admin.token(),
            None,
        )
        .await;
    assert_eq!(by_admin.status(), StatusCode::NO_CONTENT);

    let mine = events(&app, &admin, &format!("actor={}", member.id)).await;
    let actions: Vec<&str> = mine.iter().filter_map(|e| e["action"].as_str()).collect();
    for expected in ["session_ended", "logged_out", "logged_out_all"] {
        assert!(
            actions.contains(&expected),
            "{expected} missing: {actions:?}"
        );
    }
    let session_event = mine
        .iter()
        .find(|e| e["action"] == "session_ended")
        .expect("session_ended");
    assert_eq!(session_event["target"], other.as_str());
    let admin_ended = events(&app, &admin, "action=user_sessions_ended").await;
    assert_eq!(admin_ended[0]["actor_id"], admin.id.as_str());
    assert_eq!(admin_ended[0]["target"], member.id.as_str());
}

#[tokio::test]
async fn account_changes_are_recorded() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app.member().await;
    let password = app
        .send(
            Method::PUT,
            "/api/users/me/password",
            member.token(),
            Some(json!({"current_password": member.user.password, "new_password": "a brand new password"})),
        )
        .await;
    assert_eq!(password.status(), StatusCode::NO_CONTENT);
    let email = app
        .send(
            Method::PUT,
            &format!("/api/users/{}", member.id),
            member.token(),
            Some(json!({"email": "changed-address@example.com", "current_password": "a brand new password"})),
        )
        .await;
    assert_eq!(email.status(), StatusCode::OK);
    // The change takes effect once the link mailed to the new address comes back.
    let token = app
        .wait_for_mail(
            "changed-address@example.com",
            "Confirm your new email address",
            1,
        )
        .await[0]
        .token()
        .expect("token");
    let confirmed = app
        .post_json("/api/auth/confirm-email-change", &json!({"token": token}))
        .await;
    assert_eq!(confirmed.status(), StatusCode::NO_CONTENT);
    let roles = app
        .send(
            Method::PUT,
            &format!("/api/users/{}/roles", member.id),
            admin.token(),
            Some(json!({"roles": ["moderator"]})),
        )
        .await;
    assert_eq!(roles.status(), StatusCode::OK);
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/users/{}", member.id),
            admin.token(),
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    assert_eq!(
        actions_targeting(&app, &admin, &member.id).await,
        [
            "account_registered",
            "login_succeeded",
            "password_changed",
            "email_change_requested",
            "email_changed",
            "roles_changed",
            "account_deleted",
        ]
    );
    let deletion = &events(&app, &admin, "action=account_deleted").await[0];
    assert_eq!(deletion["actor_id"], admin.id.as_str());
}

#[tokio::test]
async fn a_change_that_is_refused_leaves_no_event() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app.member().await;
    // The same email again: the insert fails, and its event goes with it.
    let again = app
        .post_json(
            "/api/auth/register",
            &json!({"username": "someone_else", "email": member.user.email, "password": "long enough pw"}),
        )
        .await;
    assert_problem(again, StatusCode::CONFLICT, "email_taken").await;
    assert_eq!(
        events(&app, &admin, "action=account_registered")
            .await
            .len(),
        1
    );

    // The event is written before the last-admin check in the same transaction: the refusal
    // rolls it back.
    let demote = app
        .send(
            Method::PUT,
            &format!("/api/users/{}/roles", admin.id),
            admin.token(),
            Some(json!({"roles": []})),
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
    assert!(
        events(&app, &admin, "action=roles_changed")
            .await
            .is_empty()
    );
    assert!(
        events(&app, &admin, "action=account_deleted")
            .await
            .is_empty()
    );

    let stale = app
        .request(Method::DELETE, &format!("/api/users/{}", member.id))
        .bearer_auth(admin.token())
        .header("If-Match", "\"stale\"")
        .send()
        .await
        .expect("sent");
    assert_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    assert!(
        events(&app, &admin, "action=account_deleted")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn only_administrators_read_the_trail() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let moderator = app.moderator(&admin).await;
    let member = app.member().await;
    for (who, status) in [
        (&member, StatusCode::FORBIDDEN),
        (&moderator, StatusCode::FORBIDDEN),
    ] {
        let response = app.get_bearer("/api/audit", who.token()).await;
        assert_problem(response, status, "forbidden").await;
    }
    let anonymous = app
        .request(Method::GET, "/api/audit")
        .send()
        .await
        .expect("sent");
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_eq!(
        app.get_bearer("/api/audit", admin.token()).await.status(),
        StatusCode::OK
    );
}

/// An RFC 3339 UTC time (`...:05Z`, `...:05.12Z`) written so that text order is time order.
fn sortable(stamp: &str) -> String {
    let stamp = stamp.trim_end_matches('Z');
    let (seconds, fraction) = stamp.split_once('.').unwrap_or((stamp, ""));
    format!("{seconds}.{fraction:0<9}Z")
}

#[tokio::test]
async fn the_trail_pages_newest_first_and_filters_by_actor_and_action() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app.member().await;
    app.login(&member.user).await;

    let all = events(&app, &admin, "").await;
    let stamps: Vec<String> = all
        .iter()
        .filter_map(|e| e["created_at"].as_str())
        .map(sortable)
        .collect();
    let mut sorted = stamps.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(stamps, sorted, "newest first");

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("/api/audit?limit=2&cursor={c}"),
            None => "/api/audit?limit=2".to_owned(),
        };
        let page: Value = app
            .get_bearer(&query, admin.token())
            .await
            .json()
            .await
            .expect("json");
        seen.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, all, "paging visits every event once, in order");

    let by_member = events(&app, &admin, &format!("actor={}", member.id)).await;
    assert!(!by_member.is_empty());
    assert!(
        by_member
            .iter()
            .all(|e| e["actor_id"] == member.id.as_str())
    );
    let logins = events(
        &app,
        &admin,
        &format!("actor={}&action=login_succeeded", member.id),
    )
    .await;
    assert_eq!(logins.len(), 2);

    for bad in [
        "action=drop_tables",
        "actor=not-a-uuid",
        "limit=0",
        "cursor=garbage",
    ] {
        let response = app
            .get_bearer(&format!("/api/audit?{bad}"), admin.token())
            .await;
        assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
}

#[tokio::test]
async fn the_trail_holds_no_password_token_or_email() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app.member().await;
    let wrong = app
        .login_response(&member.user.email, "a wrong password")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    app.refresh_with_cookie(&member.login.refresh_cookie).await;

    let trail = serde_json::to_string(&events(&app, &admin, "").await).expect("json");
    for secret in [
        member.user.email.as_str(),
        admin.user.email.as_str(),
        member.user.password.as_str(),
        "a wrong password",
        member.login.access_token.as_str(),
        member.login.refresh_cookie.as_str(),
        member.login.csrf_token.as_str(),
    ] {
        assert!(!trail.contains(secret), "the trail holds {secret}");
    }
}

#[tokio::test]
async fn a_lock_out_is_recorded_against_the_account() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.registered_user().await;
    let id = app.login(&user).await.body["user"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for _ in 0..5 {
        let wrong = app.login_response(&user.email, "not the password").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = events(&app, &admin, "action=login_locked_out").await;
    assert_eq!(locked.len(), 1);
    assert_eq!(locked[0]["target"], id.as_str());
    assert!(!locked[0].to_string().contains(&user.email));
}

#[tokio::test]
async fn events_past_their_retention_are_pruned_in_the_background() {
    use application::ports::AuditLog;
    use domain::{AuditAction, AuditEvent};

    let app = spawn_app_with(|s| {
        s.lifetimes.audit_retention_days = 30;
        s.lifetimes.audit_prune_interval = Duration::from_secs(1);
    })
    .await;
    let admin = app.admin().await;
    // Written straight through the adapter, as an older server would have: more than one
    // prune batch of old events, and one just inside the retention.
    let log = infrastructure::SqlAudit::new(app.raw_connection().await);
    let now = chrono::Utc::now();
    let old = application::audit::PRUNE_BATCH as usize + 200;
    for i in 0..old {
        let at = now - chrono::Duration::days(31) - chrono::Duration::minutes(i as i64);
        log.record(&AuditEvent::new(AuditAction::LoggedOut, None, at))
            .await
            .expect("recorded");
    }
    let recent = now - chrono::Duration::days(29);
    log.record(&AuditEvent::new(AuditAction::SessionEnded, None, recent))
        .await
        .expect("recorded");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let left = events(&app, &admin, "action=logged_out").await.len();
        if left == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{left} old events still there"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(events(&app, &admin, "action=session_ended").await.len(), 1);
    let login = events(&app, &admin, "action=login_succeeded").await;
    assert!(!login.is_empty(), "today's events are kept");
}

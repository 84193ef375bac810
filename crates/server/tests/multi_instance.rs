//! Replicas behind a load balancer: real `agora` processes on one PostgreSQL schema and one
//! Redis prefix. Whatever one instance decides (a session ended, a role changed, a post
//! written or edited) holds on the next request to another, and five replicas started at once
//! on an empty database all come up. Needs PostgreSQL and Redis: ignored by default, run by
//! `.ci/run`'s PostgreSQL + Redis pass (`--include-ignored`), where a missing server fails it.

#[path = "multi_instance/cluster.rs"]
mod cluster;

#[path = "common/answers.rs"]
mod answers;
#[path = "common/listening.rs"]
mod listening;

use answers::json_of;
use cluster::{Deployment, Instance, Session};
use reqwest::Method;
use serde_json::{Value, json};

const ME: &str = "/api/users/me";

/// Both instances accept the session before it is ended, so a later 401 means "ended".
async fn accepted_on_both(a: &Instance, b: &Instance, session: &Session) {
    assert_eq!(a.status(ME, &session.access_token).await, 200);
    assert_eq!(b.status(ME, &session.access_token).await, 200);
}

/// Neither the access token nor the refresh token of an ended session works on `b`.
async fn refused_on(b: &Instance, session: &Session, how: &str) {
    assert_eq!(
        b.status(ME, &session.access_token).await,
        401,
        "after {how} on A, B still accepts the access token"
    );
    assert_eq!(
        b.refresh(session).await,
        401,
        "after {how} on A, B still refreshes the session"
    );
}

/// `method path` (with `body`) as `session` answers 204 on `instance`.
async fn no_content(
    instance: &Instance,
    method: Method,
    path: &str,
    session: &Session,
    body: Option<Value>,
) {
    let out = instance
        .send(method, path, &session.access_token, body)
        .await;
    assert_eq!(out.status(), 204, "{path}");
}

/// `PUT path` (an account's `/roles`) with `roles`, as `admin` on `instance`: 200.
async fn set_roles(instance: &Instance, path: &str, admin: &Session, roles: &[&str]) {
    let body = json!({ "roles": roles });
    let out = instance
        .send(Method::PUT, path, &admin.access_token, Some(body))
        .await;
    assert_eq!(out.status(), 200, "{path}");
}

/// Two replicas (with `extra` settings) of a deployment that has an administrator, logged in
/// on A.
async fn pair_with_admin(extra: &[(&str, &str)]) -> (Deployment, [Instance; 2], Session) {
    let deployment = Deployment::new().await;
    deployment.create_admin(
        "root@example.com",
        "root_admin",
        "admin-password-long-enough",
    );
    let [a, b] = deployment.start_two(extra);
    let admin = a
        .login("root@example.com", "admin-password-long-enough")
        .await;
    (deployment, [a, b], admin)
}

/// `ended` is refused on `b` as `refused_on` says, while `kept`, the session that did it, lives.
async fn refused_on_but_kept(b: &Instance, ended: &Session, kept: &Session, how: &str) {
    refused_on(b, ended, how).await;
    assert_eq!(
        b.status(ME, &kept.access_token).await,
        200,
        "after {how} on A, the session that did it must live"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn a_session_ended_on_one_instance_is_refused_on_the_other_at_once() {
    let (_deployment, [a, b]) = Deployment::pair().await;

    // Logout.
    let session = a.member().await;
    accepted_on_both(&a, &b, &session).await;
    no_content(&a, Method::POST, "/api/auth/logout", &session, None).await;
    refused_on(&b, &session, "logout").await;

    // Logout everywhere: both of the user's sessions.
    let laptop = a.member().await;
    let phone = b.login(&laptop.email, &laptop.password).await;
    accepted_on_both(&a, &b, &phone).await;
    no_content(&a, Method::POST, "/api/auth/logout-all", &laptop, None).await;
    refused_on(&b, &laptop, "logout-all").await;
    refused_on(&b, &phone, "logout-all").await;

    // Revoking one session from another.
    let laptop = b.member().await;
    let phone = a.login(&laptop.email, &laptop.password).await;
    accepted_on_both(&a, &b, &laptop).await;
    let list: Value = a
        .send(Method::GET, "/api/auth/sessions", &phone.access_token, None)
        .await
        .json()
        .await
        .expect("JSON");
    let laptop_id = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["current"] == false)
        .and_then(|s| s["id"].as_str())
        .expect("the laptop's session")
        .to_owned();
    let path = format!("/api/auth/sessions/{laptop_id}");
    no_content(&a, Method::DELETE, &path, &phone, None).await;
    refused_on_but_kept(&b, &laptop, &phone, "revoking the session").await;

    // A password change ends every other session.
    let laptop = a.member().await;
    let phone = a.login(&laptop.email, &laptop.password).await;
    accepted_on_both(&a, &b, &laptop).await;
    let body =
        json!({"current_password": phone.password, "new_password": "a brand new passphrase 7"});
    no_content(
        &a,
        Method::PUT,
        "/api/users/me/password",
        &phone,
        Some(body),
    )
    .await;
    refused_on_but_kept(&b, &laptop, &phone, "a password change").await;

    // Deleting the account.
    let session = b.member().await;
    accepted_on_both(&a, &b, &session).await;
    let path = format!("/api/users/{}", session.id);
    let body = json!({"password": session.password});
    no_content(&a, Method::DELETE, &path, &session, Some(body)).await;
    refused_on(&b, &session, "deleting the account").await;
    let login = b
        .request(Method::POST, "/api/auth/login")
        .json(&json!({"email": session.email, "password": session.password}))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        login.status(),
        401,
        "the deleted account cannot log in on B"
    );
}

async fn post_by(instance: &Instance, author: &Session, title: &str) -> String {
    let body = json!({"title": title, "body": "Some text."});
    let created = instance
        .send(Method::POST, "/api/posts", &author.access_token, Some(body))
        .await;
    assert_eq!(created.status(), 201);
    let post: Value = created.json().await.expect("JSON");
    format!("/api/posts/{}", post["id"].as_str().expect("id"))
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn a_role_changed_on_one_instance_is_in_force_on_the_others_next_request() {
    let (deployment, [a, b], admin) = pair_with_admin(&[]).await;
    let author = a.member().await;
    let helper = b.member().await;
    let first = post_by(&a, &author, "first").await;
    let second = post_by(&a, &author, "second").await;
    let third = post_by(&a, &author, "third").await;

    let denied = b
        .send(Method::DELETE, &first, &helper.access_token, None)
        .await;
    assert_eq!(
        denied.status(),
        403,
        "a plain user cannot delete another's post"
    );

    let roles = format!("/api/users/{}/roles", helper.id);
    set_roles(&a, &roles, &admin, &["moderator"]).await;
    // The same token, no new login: B reads the roles on this very request.
    let deleted = b
        .send(Method::DELETE, &first, &helper.access_token, None)
        .await;
    assert_eq!(deleted.status(), 204, "B ignored the grant made on A");

    set_roles(&a, &roles, &admin, &["user"]).await;
    let denied = b
        .send(Method::DELETE, &second, &helper.access_token, None)
        .await;
    assert_eq!(denied.status(), 403, "B still honours a revoked role");

    // Demoting the administrator on B stops their admin powers on A.
    let other_admin_id = {
        deployment.create_admin(
            "second@example.com",
            "second_admin",
            "admin-password-long-enough",
        );
        b.login("second@example.com", "admin-password-long-enough")
            .await
    };
    let path = format!("/api/users/{}/roles", admin.id);
    set_roles(&b, &path, &other_admin_id, &["user"]).await;
    assert_eq!(a.status("/api/users", &admin.access_token).await, 403);
    let denied = a
        .send(Method::DELETE, &third, &admin.access_token, None)
        .await;
    assert_eq!(denied.status(), 403);
}

/// B keeps serving the user (each request reading, and on a miss caching, their roles in the
/// shared roles cache) while A grants and revokes `admin`: after each change answers, B's next
/// request has the new roles, whatever B's concurrent requests put in the cache meanwhile.
#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn a_role_change_on_one_instance_beats_requests_filling_the_roles_cache_on_the_other() {
    let limits = [("RATE_LIMIT_GENERAL_PER_MIN", "1000000")];
    let (_deployment, [a, b], admin) = pair_with_admin(&limits).await;
    let user = a.member().await;
    let roles = format!("/api/users/{}/roles", user.id);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let fillers: Vec<_> = (0..3)
        .map(|_| {
            let (client, url) = (b.client.clone(), format!("{}{ME}", b.base));
            let (token, stop) = (user.access_token.clone(), stop.clone());
            tokio::spawn(async move {
                let mut served = 0_u32;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let status = client.get(&url).bearer_auth(&token).send().await;
                    served += u32::from(status.is_ok_and(|r| r.status() == 200));
                }
                served
            })
        })
        .collect();
    for round in 0..6 {
        let (wanted, expected) = if round % 2 == 0 {
            ("admin", 200)
        } else {
            ("user", 403)
        };
        set_roles(&a, &roles, &admin, &[wanted]).await;
        assert_eq!(
            b.status("/api/users", &user.access_token).await,
            expected,
            "round {round}: B served roles older than the change A answered"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for filler in fillers {
        assert!(
            filler.await.expect("filler") > 0,
            "B served none of the load"
        );
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn a_post_written_on_one_instance_is_read_and_conditionally_edited_on_the_other() {
    let (_deployment, [a, b]) = Deployment::pair().await;
    let author = a.member().await;
    let path = post_by(&a, &author, "written on A").await;

    let read = b.request(Method::GET, &path).send().await.expect("sent");
    assert_eq!(read.status(), 200, "B reads what A wrote");
    let etag_from_b = read.headers()["etag"].to_str().expect("ascii").to_owned();
    let read: Value = read.json().await.expect("JSON");
    assert_eq!(read["title"], "written on A");
    let listed = json_of(b.request(Method::GET, "/api/posts")).await;
    assert_eq!(listed["items"][0]["title"], "written on A");

    let from_a = a.request(Method::GET, &path).send().await.expect("sent");
    let etag = from_a.headers()["etag"].to_str().expect("ascii").to_owned();
    assert_eq!(
        etag, etag_from_b,
        "one representation, one tag, whichever instance answers"
    );
    let unchanged = b
        .request(Method::GET, &path)
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(unchanged.status(), 304);

    let edit = |instance: &Instance, tag: &str, title: &str| {
        instance
            .request(Method::PUT, &path)
            .bearer_auth(&author.access_token)
            .header("If-Match", tag)
            .json(&json!({"title": title, "body": "b"}))
            .send()
    };
    let edited = edit(&b, &etag, "edited on B").await.expect("sent");
    assert_eq!(edited.status(), 200, "B honours A's tag");
    let new_etag = edited.headers()["etag"].to_str().expect("ascii").to_owned();
    let stale = edit(&a, &etag, "lost update on A").await.expect("sent");
    assert_eq!(stale.status(), 412, "A refuses the tag B made stale");
    let fresh = edit(&a, &new_etag, "edited on A").await.expect("sent");
    assert_eq!(fresh.status(), 200, "A honours B's tag");
    let now = json_of(b.request(Method::GET, &path)).await;
    assert_eq!(now["title"], "edited on A");
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn five_instances_started_at_once_on_an_empty_database_all_come_up() {
    let deployment = Deployment::new().await;
    let started = std::time::Instant::now();
    let instances = deployment.start(5, &[]);
    let elapsed = started.elapsed();
    assert_eq!(instances.len(), 5);
    for instance in &instances {
        let ready = instance
            .request(Method::GET, "/health/ready")
            .send()
            .await
            .expect("sent");
        assert_eq!(ready.status(), 200, "{} is not ready", instance.base);
    }
    // One applied the migrations; the others waited for its lock and found none pending.
    let logged = |i: &Instance, text: &str| i.startup_log.iter().any(|l| l.contains(text));
    let migrators = instances
        .iter()
        .filter(|i| logged(i, "Applying migration '"))
        .count();
    assert_eq!(migrators, 1, "exactly one instance migrates");
    let waited = instances
        .iter()
        .filter(|i| logged(i, "No pending migrations"))
        .count();
    assert_eq!(waited, 4, "the other four find nothing left to do");
    // They share one schema: a user registered on one logs in on each.
    let (email, password) = instances[0].register().await;
    for instance in &instances {
        instance.login(&email, &password).await;
    }
    eprintln!("five instances up in {elapsed:?}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn a_lock_out_earned_across_instances_holds_on_every_one() {
    let deployment = Deployment::new().await;
    let extra = [
        ("LOGIN_LOCKOUT_THRESHOLD", "3"),
        ("LOGIN_LOCKOUT_SECONDS", "60"),
    ];
    let [a, b] = deployment.start_two(&extra);
    let (email, password) = a.register().await;
    let login = |instance: &Instance, password: &str| {
        instance
            .request(Method::POST, "/api/auth/login")
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    // Three guesses spread over the instances: no instance saw the threshold on its own.
    for instance in [&a, &b, &a] {
        let guess = login(instance, "wrong-password-guess").await.expect("sent");
        assert_eq!(guess.status(), 401);
    }
    for instance in [&b, &a] {
        let locked = login(instance, &password).await.expect("sent");
        assert_eq!(
            locked.status(),
            429,
            "{} ignores the lock-out",
            instance.base
        );
        assert!(locked.headers().contains_key("retry-after"));
        let body: Value = locked.json().await.expect("JSON");
        assert_eq!(body["code"], "rate_limited");
    }
}

/// B hangs (SIGSTOP) while holding the session in memory, and A ends the session meanwhile: A's
/// logout waits out B's lease instead of B's acknowledgement, and B, resumed, refuses the token
/// on its very next request. Then B, killed outright, holds A's next change back no longer than
/// its lease.
#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn an_instance_that_hung_through_a_logout_refuses_the_token_when_it_wakes() {
    let (_deployment, [a, b]) = Deployment::pair().await;
    let session = a.member().await;
    accepted_on_both(&a, &b, &session).await;
    b.signal("STOP");
    let started = std::time::Instant::now();
    no_content(&a, Method::POST, "/api/auth/logout", &session, None).await;
    let waited = started.elapsed();
    b.signal("CONT");
    assert_eq!(
        b.status(ME, &session.access_token).await,
        401,
        "B served a session A ended while B hung (A waited {waited:?})"
    );
    // B renews a 1 s lease every 250 ms: it had about 750 ms of it left, at the least, when it
    // stopped (less only if its renewals had been running late by as much).
    assert!(
        waited >= std::time::Duration::from_millis(300),
        "A's logout returned after {waited:?}, before the hung instance's lease could end"
    );

    let other = a.member().await;
    accepted_on_both(&a, &b, &other).await;
    b.signal("KILL");
    no_content(&a, Method::POST, "/api/auth/logout", &other, None).await;
    assert_eq!(a.status(ME, &other.access_token).await, 401);
}

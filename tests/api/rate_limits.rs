//! Request budgets per client, the RateLimit headers, the client address behind proxies, and
//! the lock-out of accounts after failed logins.

use agora_tests::{TestUser, assert_problem, spawn_app, spawn_app_with};
use infrastructure::config::LimitSettings;
use reqwest::{Method, Response, StatusCode};
use serde_json::json;

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn login_from(
    app: &agora_tests::TestApp,
    forwarded_for: &str,
    email: &str,
    password: &str,
) -> Response {
    app.request(Method::POST, "/api/auth/login")
        .header("X-Forwarded-For", forwarded_for)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("request sent")
}

#[tokio::test]
async fn responses_advertise_the_default_budgets() {
    let app = spawn_app_with(|s| s.limits = LimitSettings::default()).await;
    let response = app
        .request(Method::GET, "/api/posts")
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header(&response, "ratelimit-policy"),
        "\"general\";q=600;w=60"
    );
    assert!(
        header(&response, "ratelimit").starts_with("\"general\";r=599;t="),
        "{}",
        header(&response, "ratelimit")
    );
    let login = app
        .login_response("nobody@example.com", "whatever-password")
        .await;
    assert_eq!(
        header(&login, "ratelimit-policy"),
        "\"general\";q=600;w=60, \"auth\";q=20;w=60"
    );
}

#[tokio::test]
async fn the_general_budget_refuses_with_429_and_retry_after() {
    let app = spawn_app_with(|s| s.limits.general_per_min = 3).await;
    for _ in 0..3 {
        let ok = app
            .request(Method::GET, "/api/posts")
            .send()
            .await
            .expect("sent");
        assert_eq!(ok.status(), StatusCode::OK);
    }
    let refused = app
        .request(Method::GET, "/api/posts")
        .send()
        .await
        .expect("sent");
    let retry_after: u64 = header(&refused, "retry-after")
        .parse()
        .expect("Retry-After seconds");
    assert!(
        (1..=20).contains(&retry_after),
        "one request returns every 20s: {retry_after}"
    );
    assert!(header(&refused, "ratelimit").starts_with("\"general\";r=0;"));
    assert!(!header(&refused, "x-request-id").is_empty());
    assert_problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let health = app
        .request(Method::GET, "/health/live")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "health probes are never limited"
    );
}

#[tokio::test]
async fn the_authentication_budget_is_tight_and_leaves_other_routes_alone() {
    let app = spawn_app_with(|s| s.limits.auth_per_min = 2).await;
    let user = TestUser::generate();
    assert_eq!(app.register(&user).await.status(), StatusCode::CREATED);
    assert_eq!(
        app.login_response(&user.email, &user.password)
            .await
            .status(),
        StatusCode::OK
    );
    let refused = app.login_response(&user.email, &user.password).await;
    assert_problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let refresh = app.refresh_with_cookie("whatever").await;
    assert_eq!(refresh.status(), StatusCode::TOO_MANY_REQUESTS);
    let read = app
        .request(Method::GET, "/api/posts")
        .send()
        .await
        .expect("sent");
    assert_eq!(read.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_forwarded_for_header_from_an_untrusted_peer_changes_nothing() {
    let app = spawn_app_with(|s| s.limits.auth_per_min = 2).await;
    for n in 0..2 {
        let response = login_from(
            &app,
            &format!("198.51.100.{n}"),
            "a@example.com",
            "password-1",
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let spoofed = login_from(&app, "198.51.100.77", "a@example.com", "password-1").await;
    assert_eq!(spoofed.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let app = spawn_app_with(|s| {
        s.limits.auth_per_min = 1;
        s.limits.trusted_proxies = vec!["127.0.0.0/8".parse().expect("range")];
    })
    .await;
    let user = app.registered_user().await;
    // The registration above spent 127.0.0.1's budget; the forwarded clients have their own.
    let first = login_from(&app, "6.6.6.6, 198.51.100.1", &user.email, &user.password).await;
    assert_eq!(first.status(), StatusCode::OK);
    let token = agora_tests::login_from(first).await.access_token;
    let second = login_from(&app, "198.51.100.2", &user.email, &user.password).await;
    assert_eq!(second.status(), StatusCode::OK);
    let again = login_from(&app, "7.7.7.7, 198.51.100.1", &user.email, &user.password).await;
    assert_eq!(
        again.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the right-most hop is the client"
    );
    let sessions: serde_json::Value = app
        .get_bearer("/api/auth/sessions", &token)
        .await
        .json()
        .await
        .expect("JSON");
    let ips: Vec<&str> = sessions["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|s| s["ip"].as_str())
        .collect();
    assert!(
        ips.contains(&"198.51.100.1"),
        "sessions record the client, not the proxy: {ips:?}"
    );
}

#[tokio::test]
async fn failed_logins_lock_the_account_even_from_new_addresses_and_for_the_right_password() {
    let app = spawn_app_with(|s| {
        s.limits.trusted_proxies = vec!["127.0.0.0/8".parse().expect("range")];
    })
    .await;
    let user = app.registered_user().await;
    for n in 0..5 {
        let wrong = login_from(
            &app,
            &format!("203.0.113.{n}"),
            &user.email,
            "wrong-password",
        )
        .await;
        assert_problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    let locked = login_from(
        &app,
        "192.0.2.200",
        &user.email.to_uppercase(),
        &user.password,
    )
    .await;
    let retry_after: u64 = header(&locked, "retry-after").parse().expect("Retry-After");
    assert!(
        (50..=60).contains(&retry_after),
        "the first lock-out is a minute: {retry_after}"
    );
    assert_problem(locked, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn a_successful_login_resets_the_failure_count() {
    let app = spawn_app().await;
    let user = app.registered_user().await;
    for _ in 0..4 {
        let wrong = app.login_response(&user.email, "wrong-password").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    app.login(&user).await;
    for _ in 0..4 {
        let wrong = app.login_response(&user.email, "wrong-password").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    app.login(&user).await;
}

#[tokio::test]
async fn unknown_accounts_lock_out_like_real_ones_so_nothing_is_revealed() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let wrong = app
            .login_response("nobody@example.com", "wrong-password")
            .await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = app
        .login_response("nobody@example.com", "wrong-password")
        .await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
}

fn behind_a_proxy(auth_per_min: u32) -> impl FnOnce(&mut agora::Settings) {
    move |s| {
        s.limits.auth_per_min = auth_per_min;
        s.limits.trusted_proxies = vec!["127.0.0.0/8".parse().expect("range")];
    }
}

#[tokio::test]
async fn addresses_from_one_ipv6_network_share_one_budget() {
    let app = spawn_app_with(behind_a_proxy(1)).await;
    let first = login_from(&app, "2001:db8:1:2::1", "a@example.com", "password-1").await;
    assert_eq!(first.status(), StatusCode::UNAUTHORIZED);
    for other in [
        "2001:db8:1:2::2",
        "2001:db8:1:2:ffff:ffff:ffff:ffff",
        "[2001:db8:1:2:a::b]:443",
    ] {
        let response = login_from(&app, other, "b@example.com", "password-1").await;
        assert_eq!(
            response.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{other} is in the same /64"
        );
    }
    let next_network = login_from(&app, "2001:db8:1:3::1", "c@example.com", "password-1").await;
    assert_eq!(next_network.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_ipv6_prefix_is_configurable() {
    let app = spawn_app_with(|s| {
        behind_a_proxy(1)(s);
        s.limits.ipv6_prefix = 128;
    })
    .await;
    for client in ["2001:db8:1:2::1", "2001:db8:1:2::2"] {
        let response = login_from(&app, client, "a@example.com", "password-1").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{client}");
    }
    let again = login_from(&app, "2001:db8:1:2::1", "a@example.com", "password-1").await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn forwarded_clients_written_with_ports_or_brackets_keep_their_own_budgets() {
    let app = spawn_app_with(behind_a_proxy(1)).await;
    for client in [
        "203.0.113.7:4711",
        "203.0.113.8:4711",
        "[2001:db8:7::1]:443",
        "[2001:db8:8::1]",
    ] {
        let response = login_from(&app, client, "a@example.com", "password-1").await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{client} has a budget of its own, not the proxy's"
        );
    }
    for same in [
        "203.0.113.7:9999",
        "203.0.113.8",
        "[2001:db8:7::1]",
        "2001:db8:8::1",
    ] {
        let response = login_from(&app, same, "a@example.com", "password-1").await;
        assert_eq!(
            response.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{same} is a client already seen"
        );
    }
}

//! The Prometheus endpoint: on its own listener only, counting by route pattern (bounded label
//! sets), with the security counters an operator alerts on.
//!
//! The recorder is process-global and other tests run beside these, so every assertion is on a
//! delta (at least what this test caused) or on the set of label values, never on a total.

use std::collections::BTreeMap;

use agora_tests::{Backend, TestApp, spawn_app_with};
use reqwest::{Method, StatusCode};
use uuid::Uuid;

async fn metrics_app(customize: impl FnOnce(&mut infrastructure::config::Settings)) -> TestApp {
    spawn_app_with(|s| {
        s.metrics_addr = Some("127.0.0.1:0".parse().expect("loopback"));
        customize(s);
    })
    .await
}

async fn scrape(app: &TestApp) -> String {
    let port = app.metrics_port.expect("a metrics listener");
    let response = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("scrape");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain")),
        "Prometheus text format"
    );
    response.text().await.expect("body")
}

/// Every series of `name` (exactly that name), as its labels and value.
fn series(text: &str, name: &str) -> Vec<(BTreeMap<String, String>, f64)> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (head, value) = line.rsplit_once(' ')?;
            let (series_name, labels) = match head.split_once('{') {
                Some((n, rest)) => (n, rest.strip_suffix('}')?),
                None => (head, ""),
            };
            if series_name != name {
                return None;
            }
            let labels = labels
                .split("\",")
                .filter(|pair| !pair.is_empty())
                .filter_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    Some((k.to_owned(), v.trim_matches('"').to_owned()))
                })
                .collect();
            Some((labels, value.parse().ok()?))
        })
        .collect()
}

/// The sum over the series of `name` carrying every label in `want`.
fn value(text: &str, name: &str, want: &[(&str, &str)]) -> f64 {
    series(text, name)
        .into_iter()
        .filter(|(labels, _)| {
            want.iter()
                .all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, v)| v)
        .sum()
}

#[tokio::test]
async fn requests_are_counted_by_route_pattern_method_and_status_class() {
    let app = metrics_app(|_| {}).await;
    let before = scrape(&app).await;
    let post = |id: String| app.request(Method::GET, &format!("/api/posts/{id}")).send();
    for _ in 0..3 {
        let response = post(Uuid::now_v7().to_string()).await.expect("sent");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    let list = app
        .request(Method::GET, "/api/posts")
        .send()
        .await
        .expect("sent");
    assert_eq!(list.status(), StatusCode::OK);
    let after = scrape(&app).await;

    let by_id = [
        ("route", "/api/posts/{id}"),
        ("method", "GET"),
        ("status", "4xx"),
    ];
    let delta =
        |name: &str, want: &[(&str, &str)]| value(&after, name, want) - value(&before, name, want);
    assert!(delta("agora_http_requests_total", &by_id) >= 3.0, "{after}");
    assert!(
        delta("agora_http_request_duration_seconds_count", &by_id) >= 3.0,
        "the latency histogram counts them too"
    );
    assert!(
        value(
            &after,
            "agora_http_request_duration_seconds_bucket",
            &[("route", "/api/posts/{id}"), ("le", "+Inf")]
        ) >= 3.0
    );
    assert!(
        delta(
            "agora_http_requests_total",
            &[
                ("route", "/api/posts"),
                ("method", "GET"),
                ("status", "2xx")
            ]
        ) >= 1.0
    );
    assert!(
        series(&after, "agora_http_requests_in_flight").len() == 1,
        "the in-flight gauge is exported"
    );
    assert!(
        value(&after, "agora_db_pool_connections", &[]) >= 1.0,
        "the pool's size is sampled at scrape"
    );
    if app.backend == Backend::PostgresRedis {
        assert!(
            value(&after, "agora_redis_pool_connections", &[]) >= 1.0,
            "the Redis pool is sampled at scrape: {after}"
        );
        assert_eq!(
            series(&after, "agora_redis_pool_waiting").len(),
            1,
            "the Redis pool's waiting requests are exported"
        );
        // In force from the start; a scrape while a renewal runs late on a busy machine may
        // read 0, so the next few scrapes may say 1.
        let mut in_force = value(&after, "agora_near_cache_in_force", &[]);
        for _ in 0..20 {
            if in_force == 1.0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            in_force = value(&scrape(&app).await, "agora_near_cache_in_force", &[]);
        }
        assert_eq!(in_force, 1.0, "the near cache is not in force");
    } else {
        assert!(
            series(&after, "agora_redis_pool_connections").is_empty(),
            "no Redis pool on the in-memory stores"
        );
        assert!(series(&after, "agora_near_cache_in_force").is_empty());
    }
    assert!(
        series(&after, "agora_http_requests_total")
            .iter()
            .all(|(labels, _)| !labels["route"].contains(char::is_numeric)
                || labels["route"].contains('{')),
        "no raw path with an id ever becomes a label"
    );
}

#[tokio::test]
async fn fifty_unknown_paths_add_no_label_value() {
    let app = metrics_app(|_| {}).await;
    let before = scrape(&app).await;
    let unmatched = [("route", agora_http::UNMATCHED), ("status", "4xx")];
    let mut tokens = Vec::new();
    for _ in 0..50 {
        let token = Uuid::now_v7().simple().to_string();
        let response = app
            .request(Method::GET, &format!("/{token}/{token}"))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        tokens.push(token);
    }
    let after = scrape(&app).await;
    assert!(
        value(&after, "agora_http_requests_total", &unmatched)
            - value(&before, "agora_http_requests_total", &unmatched)
            >= 50.0,
        "all fifty counted under the one unmatched label"
    );
    for token in &tokens {
        assert!(!after.contains(token.as_str()), "{token} became a label");
    }
}

#[tokio::test]
async fn the_public_port_does_not_serve_metrics() {
    let app = metrics_app(|_| {}).await;
    let response = app
        .request(Method::GET, "/metrics")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = response.text().await.expect("body");
    assert!(!body.contains("agora_http_requests_total"));
}

#[tokio::test]
async fn without_metrics_addr_there_is_no_metrics_listener() {
    let app = spawn_app_with(|_| {}).await;
    assert_eq!(app.metrics_port, None);
}

#[tokio::test]
async fn logins_refusals_lockouts_and_refresh_reuse_are_counted() {
    let app = metrics_app(|s| {
        s.refresh_reuse_grace = std::time::Duration::ZERO;
        s.limits.lockout_threshold = 3;
    })
    .await;
    let before = scrape(&app).await;
    let (user, login) = app.logged_in_user().await;
    for _ in 0..3 {
        let wrong = app
            .login_response(&user.email, "not the password at all")
            .await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = app.login_response(&user.email, &user.password).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.refresh_with_cookie(&login.refresh_cookie)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.refresh_with_cookie(&login.refresh_cookie)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let after = scrape(&app).await;
    let delta =
        |name: &str, want: &[(&str, &str)]| value(&after, name, want) - value(&before, name, want);
    assert!(
        delta("agora_logins_total", &[("outcome", "success")]) >= 1.0,
        "{after}"
    );
    assert!(delta("agora_logins_total", &[("outcome", "invalid_credentials")]) >= 3.0);
    assert!(delta("agora_logins_total", &[("outcome", "rate_limited")]) >= 1.0);
    assert!(delta("agora_lockouts_total", &[]) >= 1.0);
    assert!(delta("agora_refresh_token_reuse_total", &[]) >= 1.0);
    assert!(delta("agora_password_hash_seconds_count", &[]) >= 4.0);
    assert_eq!(series(&after, "agora_password_hash_queue_depth").len(), 1);
}

#[tokio::test]
async fn rate_limit_refusals_are_counted_by_budget() {
    let app = metrics_app(|s| s.limits.general_per_min = 3).await;
    let before = scrape(&app).await;
    let mut refused = 0;
    for _ in 0..6 {
        let response = app
            .request(Method::GET, "/api/posts")
            .send()
            .await
            .expect("sent");
        refused += usize::from(response.status() == StatusCode::TOO_MANY_REQUESTS);
    }
    assert!(refused >= 3);
    let after = scrape(&app).await;
    let budget = [("budget", "general")];
    assert!(
        value(&after, "agora_rate_limit_refusals_total", &budget)
            - value(&before, "agora_rate_limit_refusals_total", &budget)
            >= 3.0,
        "{after}"
    );
}

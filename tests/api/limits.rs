//! Protocol hygiene: body caps per route, and timeouts against slow clients.

use std::time::Duration;

use agora_tests::{assert_problem, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

#[tokio::test]
async fn the_largest_valid_post_fits_while_other_routes_keep_the_small_cap() {
    let app = spawn_app().await;
    let (_, login) = app.logged_in_user().await;
    // 50,000 four-byte characters: 200,000 bytes of UTF-8, over the general 64 KiB cap.
    let body = "😀".repeat(50_000);
    let created = app
        .request(Method::POST, "/api/posts")
        .bearer_auth(&login.access_token)
        .json(&json!({"title": "big", "body": body}))
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), StatusCode::CREATED);

    let too_big = app
        .request(Method::POST, "/api/posts")
        .bearer_auth(&login.access_token)
        .json(&json!({"title": "big", "body": "x".repeat(300 * 1024)}))
        .send()
        .await
        .expect("sent");
    assert_problem(too_big, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

    let register = app
        .post_json(
            "/api/auth/register",
            &json!({"username": "u", "email": "u@example.com", "password": "x".repeat(70 * 1024)}),
        )
        .await;
    assert_problem(register, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

async fn read_all(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received)).await;
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_body_that_trickles_in_gets_408() {
    let app = spawn_app_with(|s| s.limits.request_timeout = Duration::from_secs(1)).await;
    let mut stream = TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connects");
    stream
        .write_all(
            b"POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\nConnection: close\r\n\r\n{\"email\":",
        )
        .await
        .expect("writes");
    let answer = read_all(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let app = spawn_app_with(|s| s.limits.header_timeout = Duration::from_secs(1)).await;
    let mut stream = TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connects");
    stream
        .write_all(b"GET /api/posts HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .expect("writes");
    let started = std::time::Instant::now();
    let answer = read_all(&mut stream).await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "the connection was not cut"
    );
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let app = spawn_app_with(|s| {
        s.workers = Some(1);
        s.limits.max_connections = 2;
        s.limits.header_timeout = Duration::from_secs(30);
    })
    .await;
    // Two clients hold their connections open mid-request.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(("127.0.0.1", app.port))
            .await
            .expect("connects");
        stream
            .write_all(b"GET /health/live HTTP/1.1\r\nHost: localhost\r\n")
            .await
            .expect("writes");
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("queued by the kernel");
    third
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("writes");
    let mut first_byte = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_secs(1), third.read(&mut first_byte)).await;
    assert!(
        early.is_err(),
        "a third connection was served over a cap of two"
    );
    drop(held.pop());
    let answer = read_all(&mut third).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "served once a slot freed: {answer}"
    );
}

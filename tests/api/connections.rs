//! Attacks on connections rather than requests: heads trickled after a first quick request,
//! idle keep-alive connections, and one address holding every connection slot.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use agora_tests::{TestApp, spawn_app_with};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};

const QUICK: &[u8] = b"GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n";

/// A connection to the app from `source` (any 127.0.0.0/8 address works on loopback).
async fn connect_from(app: &TestApp, source: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    let source: SocketAddr = format!("{source}:0").parse().expect("source address");
    socket.bind(source).expect("binds the source address");
    socket
        .connect(([127, 0, 0, 1], app.port).into())
        .await
        .expect("connects")
}

/// Reads until one whole `/health/live` answer arrived; false if the connection ended first.
async fn quick_answer(stream: &mut TcpStream) -> bool {
    let mut seen = Vec::new();
    let mut chunk = [0u8; 1024];
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(500), stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return false,
            Ok(Ok(n)) => {
                seen.extend_from_slice(&chunk[..n]);
                if String::from_utf8_lossy(&seen).contains("{\"status\":\"ok\"}") {
                    return seen.starts_with(b"HTTP/1.1 200");
                }
            }
            Err(_) => {}
        }
    }
    false
}

/// Whether the server has closed the connection (reads EOF or an error) within `wait`.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut chunk = [0u8; 256];
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) | Err(_) => {}
        }
    }
    false
}

#[tokio::test]
async fn a_second_head_trickled_byte_by_byte_is_cut_off_within_the_header_timeout() {
    let app = spawn_app_with(|s| s.limits.header_timeout = Duration::from_secs(1)).await;
    let mut stream = connect_from(&app, "127.0.0.1").await;
    stream.write_all(QUICK).await.expect("writes");
    assert!(
        quick_answer(&mut stream).await,
        "the first request is served"
    );

    let next_head =
        b"GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa";
    let started = Instant::now();
    let mut cut_after = None;
    for byte in next_head.iter().take(40) {
        if stream.write_all(&[*byte]).await.is_err()
            || closed_within(&mut stream, Duration::from_millis(250)).await
        {
            cut_after = Some(started.elapsed());
            break;
        }
    }
    let cut_after = cut_after.expect("the trickled head kept the connection open for 10 s");
    assert!(
        cut_after < Duration::from_secs(3),
        "cut after {cut_after:?}, the header timeout is 1 s"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_keep_alive_seconds() {
    let app = spawn_app_with(|s| {
        s.limits.keep_alive = Duration::from_secs(1);
        s.limits.header_timeout = Duration::from_secs(30);
    })
    .await;
    let mut stream = connect_from(&app, "127.0.0.1").await;
    stream.write_all(QUICK).await.expect("writes");
    assert!(quick_answer(&mut stream).await);
    let idle = Instant::now();
    assert!(
        closed_within(&mut stream, Duration::from_secs(4)).await,
        "an idle connection stayed open"
    );
    assert!(
        idle.elapsed() >= Duration::from_millis(900),
        "closed too early"
    );
}

#[tokio::test]
async fn one_byte_after_a_quick_request_does_not_hold_the_connection_past_the_deadline() {
    // actix clears its keep-alive timer at the first byte of the next head and times only the
    // first head of a connection: one byte, then silence, held a connection for minutes.
    let app = spawn_app_with(|s| {
        s.limits.keep_alive = Duration::from_secs(1);
        s.limits.header_timeout = Duration::from_secs(1);
    })
    .await;
    let mut stream = connect_from(&app, "127.0.0.1").await;
    stream.write_all(QUICK).await.expect("writes");
    assert!(quick_answer(&mut stream).await);
    stream.write_all(b"G").await.expect("writes");
    assert!(
        closed_within(&mut stream, Duration::from_secs(4)).await,
        "one byte held the connection open"
    );
}

#[tokio::test]
async fn a_client_over_its_connection_share_is_refused_while_others_are_served() {
    let app = spawn_app_with(|s| {
        s.limits.max_connections_per_client = 3;
        s.limits.header_timeout = Duration::from_secs(30);
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = connect_from(&app, "127.0.0.1").await;
        stream
            .write_all(b"GET /health/live HTTP/1.1\r\n")
            .await
            .expect("writes");
        held.push(stream);
    }
    let mut excess = connect_from(&app, "127.0.0.1").await;
    let _ = excess.write_all(QUICK).await;
    assert!(
        closed_within(&mut excess, Duration::from_secs(2)).await,
        "a fourth connection from one address was kept"
    );

    let mut other = connect_from(&app, "127.0.0.2").await;
    other.write_all(QUICK).await.expect("writes");
    assert!(
        quick_answer(&mut other).await,
        "another client is served meanwhile"
    );

    drop(held.pop());
    let mut served_again = false;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut again = connect_from(&app, "127.0.0.1").await;
        if again.write_all(QUICK).await.is_ok() && quick_answer(&mut again).await {
            served_again = true;
            break;
        }
    }
    assert!(served_again, "a closed connection gives its slot back");
}

#[tokio::test]
async fn a_flood_of_slow_connections_from_a_few_addresses_leaves_other_clients_served() {
    let app = spawn_app_with(|s| {
        s.workers = Some(1);
        s.limits.max_connections = 40;
        s.limits.max_connections_per_client = 10;
        s.limits.header_timeout = Duration::from_secs(2);
    })
    .await;
    // Three attackers try 30 connections each, every one trickling a head after a first request.
    let mut flood = Vec::new();
    for attacker in ["127.0.0.3", "127.0.0.4", "127.0.0.5"] {
        for _ in 0..30 {
            let mut stream = connect_from(&app, attacker).await;
            if stream.write_all(QUICK).await.is_ok() {
                let _ = stream.write_all(b"GET /health/live HTTP/1.1\r\nX-").await;
            }
            flood.push(stream);
        }
    }
    let started = Instant::now();
    let mut victim = connect_from(&app, "127.0.0.6").await;
    victim.write_all(QUICK).await.expect("writes");
    assert!(
        quick_answer(&mut victim).await,
        "another client was starved by the flood"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "served only after {:?}",
        started.elapsed()
    );
    // And the flood's connections do not outlive the header timeout.
    let mut still_open = 0;
    for stream in &mut flood {
        if !closed_within(stream, Duration::from_millis(50)).await {
            still_open += 1;
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut after = 0;
    for stream in &mut flood {
        if !closed_within(stream, Duration::from_millis(20)).await {
            after += 1;
        }
    }
    assert_eq!(
        after, 0,
        "{after} flood connections outlived the header timeout ({still_open} were open before)"
    );
}

#[tokio::test]
async fn a_trickled_chunked_body_gets_408_and_the_connection_ends_with_it() {
    let app = spawn_app_with(|s| {
        s.limits.request_timeout = Duration::from_secs(1);
        s.limits.header_timeout = Duration::from_secs(30);
        s.limits.keep_alive = Duration::from_secs(30);
    })
    .await;
    let mut stream = connect_from(&app, "127.0.0.1").await;
    stream
        .write_all(
            b"POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
              Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n",
        )
        .await
        .expect("writes");
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut closed_after = None;
    let mut chunk = [0u8; 1024];
    // Keep trickling one-byte chunks; the server must answer 408 and hang up.
    for _ in 0..40 {
        if stream.write_all(b"1\r\n \r\n").await.is_err() {
            closed_after = Some(started.elapsed());
            break;
        }
        match tokio::time::timeout(Duration::from_millis(250), stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed_after = Some(started.elapsed());
                break;
            }
            Ok(Ok(n)) => answer.extend_from_slice(&chunk[..n]),
            Err(_) => {}
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let closed_after = closed_after.expect("the connection stayed open after its 408 for 10 s");
    assert!(
        closed_after < Duration::from_secs(4),
        "closed after {closed_after:?}"
    );
}

#[tokio::test]
async fn a_trusted_proxy_is_not_held_to_one_clients_connection_share() {
    let app = spawn_app_with(|s| {
        s.limits.max_connections_per_client = 2;
        s.limits.trusted_proxies = vec!["127.0.0.1/32".parse().expect("range")];
    })
    .await;
    let mut open = Vec::new();
    for _ in 0..4 {
        let mut stream = connect_from(&app, "127.0.0.1").await;
        stream.write_all(QUICK).await.expect("writes");
        assert!(
            quick_answer(&mut stream).await,
            "the proxy's connection {} was refused",
            open.len() + 1
        );
        open.push(stream);
    }
}

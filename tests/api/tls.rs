//! HTTPS on the public port (`TLS_CERT_FILE` + `TLS_KEY_FILE`) with a certificate made in the
//! test: the API answers over TLS 1.2 and 1.3 with HSTS, plain HTTP to that port gets no HTTP
//! answer, the connection guards hold under TLS, and `HTTP_REDIRECT_ADDR` only ever redirects.
//! Re-reading the certificate on SIGHUP is tested on the real binary
//! (`crates/server/tests/binary/tls.rs`).

use std::time::{Duration, Instant};

use agora_tests::{
    TestApp,
    https::{SelfSigned, client_config, connect, exchange, peer_certificate},
    spawn_app_with,
};
use infrastructure::config::TlsSettings;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

const HSTS: &str = "max-age=63072000; includeSubDomains";

/// An app serving HTTPS with a fresh self-signed certificate (kept in the returned directory).
async fn spawn_tls(
    customize: impl FnOnce(&mut agora::Settings),
) -> (TestApp, SelfSigned, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = SelfSigned::generate();
    let files = TlsSettings {
        cert_file: dir.path().join("cert.pem"),
        key_file: dir.path().join("key.pem"),
    };
    cert.write(&files.cert_file, &files.key_file);
    let app = spawn_app_with(|s| {
        s.tls = Some(files);
        customize(s);
    })
    .await;
    (app, cert, dir)
}

/// Reads what the server sends until it closes or `wait` passes; `None` if still open.
async fn until_closed(stream: &mut TcpStream, wait: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let deadline = Instant::now() + wait;
    let mut chunk = [0u8; 1024];
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(seen),
            Ok(Ok(n)) => seen.extend_from_slice(&chunk[..n]),
            Err(_) => {}
        }
    }
    None
}

#[tokio::test]
async fn https_answers_with_hsts_over_tls_1_2_and_1_3() {
    let (app, cert, _dir) = spawn_tls(|_| {}).await;
    for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
        let mut stream = connect(app.port, client_config(&[&cert], &[version]))
            .await
            .unwrap_or_else(|e| panic!("{version:?} handshake: {e}"));
        assert_eq!(peer_certificate(&stream), cert.der);
        let (_, session) = stream.get_ref();
        assert_eq!(session.protocol_version(), Some(version.version));
        assert_eq!(
            session.alpn_protocol(),
            Some(&b"http/1.1"[..]),
            "HTTP/1.1 chosen, not h2"
        );
        for path in ["/health/live", "/api/posts"] {
            let answer = exchange(
                &mut stream,
                &format!("GET {path} HTTP/1.1\r\nHost: localhost"),
            )
            .await
            .expect("an answer over TLS");
            assert_eq!(answer.status, 200, "{path}");
            assert_eq!(answer.header("strict-transport-security"), Some(HSTS));
            serde_json::from_slice::<serde_json::Value>(&answer.body).expect("JSON");
        }
    }
    // A client that does not trust the certificate gets no connection.
    let stranger = SelfSigned::generate();
    let refused = connect(
        app.port,
        client_config(&[&stranger], &[&rustls::version::TLS13]),
    )
    .await;
    assert!(refused.is_err(), "an untrusted certificate was accepted");
}

#[tokio::test]
async fn plain_http_to_the_tls_port_gets_no_http_answer() {
    let (app, _cert, _dir) = spawn_tls(|_| {}).await;
    let plain = app
        .client
        .get(format!("{}/health/live", app.address))
        .send();
    assert!(
        plain.await.is_err(),
        "plain HTTP was served on the TLS port"
    );

    let mut stream = TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connects");
    stream
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("writes");
    let seen = until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("the server closes the connection");
    assert!(
        !seen.starts_with(b"HTTP/"),
        "answered in plain HTTP: {:?}",
        String::from_utf8_lossy(&seen)
    );
}

#[tokio::test]
async fn the_connection_guards_hold_under_tls() {
    let (app, cert, _dir) = spawn_tls(|s| {
        s.limits.header_timeout = Duration::from_secs(1);
        s.limits.keep_alive = Duration::from_secs(1);
        s.limits.max_connections_per_client = 2;
    })
    .await;
    let config = client_config(&[&cert], &[&rustls::version::TLS13]);

    // Silent before the handshake: cut at the head deadline.
    let mut silent = TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connects");
    let started = Instant::now();
    until_closed(&mut silent, Duration::from_secs(4))
        .await
        .expect("a silent connection is cut");
    assert!(started.elapsed() < Duration::from_secs(3));
    drop(silent);
    // Give the server a moment to release the slot of the connection it cut.
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Two connections held, the third is refused before any handshake.
    let mut first = connect(app.port, config.clone()).await.expect("first");
    let _second = connect(app.port, config.clone()).await.expect("second");
    let third = connect(app.port, config.clone()).await;
    assert!(third.is_err(), "a third connection from one client");

    // Idle after a request: closed at the keep-alive deadline.
    let answer = exchange(&mut first, "GET /health/live HTTP/1.1\r\nHost: localhost")
        .await
        .expect("served");
    assert_eq!(answer.status, 200);
    let idle = Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(4), first.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "an idle TLS connection stayed open");
    assert!(idle.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn the_redirect_listener_answers_308_to_https_and_nothing_else() {
    let (app, _cert, _dir) = spawn_tls(|s| {
        s.http_redirect_addr = Some("127.0.0.1:0".parse().expect("address"));
    })
    .await;
    let redirect = app.redirect_port.expect("a redirect listener");
    let ask = |request: &'static str| async move {
        let mut stream = TcpStream::connect(("127.0.0.1", redirect))
            .await
            .expect("connects");
        exchange(&mut stream, request).await.expect("an answer")
    };
    let https = app.port;
    for (request, location) in [
        (
            "GET /api/posts?limit=5&q=a%20b HTTP/1.1\r\nHost: example.com",
            format!("https://example.com:{https}/api/posts?limit=5&q=a%20b"),
        ),
        (
            "POST /api/auth/login HTTP/1.1\r\nHost: example.com:80\r\nContent-Length: 0",
            format!("https://example.com:{https}/api/auth/login"),
        ),
        (
            "GET /health/live HTTP/1.1\r\nHost: [::1]:8080",
            format!("https://[::1]:{https}/health/live"),
        ),
        // The path is never taken for a host.
        (
            "GET //evil.example/x HTTP/1.1\r\nHost: example.com",
            format!("https://example.com:{https}//evil.example/x"),
        ),
    ] {
        let answer = ask(request).await;
        assert_eq!(answer.status, 308, "{request}");
        assert_eq!(answer.header("location"), Some(location.as_str()));
        assert!(answer.body.is_empty(), "a redirect carries no body");
        // HSTS means nothing over plain HTTP and must not be sent there (RFC 6797, 7.2).
        assert_eq!(answer.header("strict-transport-security"), None);
    }
    // Even the API's own paths are only redirected, never served.
    let answer = ask("GET /health/ready HTTP/1.1\r\nHost: localhost").await;
    assert_eq!(answer.status, 308);
    let answer = ask("GET / HTTP/1.0").await;
    assert_eq!(answer.status, 400, "no host to redirect to");
    assert_eq!(answer.header("location"), None);
}

//! The binary's TLS: a clear refusal to start on half or broken settings, and SIGHUP re-reading
//! the certificate while open connections keep working.

use std::time::{Duration, Instant};

use super::{agora, https, serve, signal, terminate};
use https::{SelfSigned, client_config, connect, exchange, peer_certificate};

const LIVE: &str = "GET /health/live HTTP/1.1\r\nHost: localhost";

#[test]
fn half_or_broken_tls_settings_stop_the_start_naming_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    SelfSigned::generate().write(&cert, &key);
    let other = SelfSigned::generate();
    let other_key = dir.path().join("other-key.pem");
    std::fs::write(&other_key, &other.key_pem).expect("writes");
    let missing = dir.path().join("missing.pem");
    let cases: [(&[(&str, &std::path::Path)], &str); 5] = [
        (&[("TLS_CERT_FILE", &cert)], "TLS_KEY_FILE"),
        (&[("TLS_KEY_FILE", &key)], "TLS_CERT_FILE"),
        (
            &[("TLS_CERT_FILE", &missing), ("TLS_KEY_FILE", &key)],
            "TLS_CERT_FILE",
        ),
        (
            &[("TLS_CERT_FILE", &cert), ("TLS_KEY_FILE", &other_key)],
            "TLS_KEY_FILE",
        ),
        (
            &[("HTTP_REDIRECT_ADDR", std::path::Path::new("127.0.0.1:0"))],
            "HTTP_REDIRECT_ADDR",
        ),
    ];
    for (vars, name) in cases {
        let mut command = agora(dir.path());
        for (var, value) in vars {
            command.env(var, value);
        }
        let output = command.output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{vars:?}: {stderr}");
        assert!(
            stderr.trim().starts_with(&format!("error: {name}: ")),
            "{vars:?} must be refused naming {name}: {stderr}"
        );
    }
}

#[tokio::test]
async fn sighup_rereads_the_certificate_for_new_connections_and_open_ones_keep_working() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (old, new) = (SelfSigned::generate(), SelfSigned::generate());
    old.write(&cert, &key);
    let (mut child, port) = serve({
        let mut command = agora(dir.path());
        command
            .env("TLS_CERT_FILE", &cert)
            .env("TLS_KEY_FILE", &key)
            .env("KEEP_ALIVE_SECONDS", "60");
        command
    });
    let trusting_both = client_config(&[&old, &new], &[&rustls::version::TLS13]);
    let mut open = connect(port, trusting_both.clone()).await.expect("TLS");
    assert_eq!(peer_certificate(&open), old.der);
    assert_eq!(exchange(&mut open, LIVE).await.expect("served").status, 200);

    new.write(&cert, &key);
    signal(&child, "-HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let fresh = connect(port, trusting_both.clone()).await.expect("TLS");
        if peer_certificate(&fresh) == new.der {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "new connections still get the old certificate"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let answer = exchange(&mut open, LIVE)
        .await
        .expect("the open connection still works");
    assert_eq!(answer.status, 200);

    // A broken rotation (a key that is not the certificate's) keeps the pair in use.
    std::fs::write(&key, SelfSigned::generate().key_pem).expect("writes");
    signal(&child, "-HUP");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut after = connect(port, trusting_both).await.expect("still serving");
    assert_eq!(peer_certificate(&after), new.der);
    assert_eq!(
        exchange(&mut after, LIVE).await.expect("served").status,
        200
    );
    assert_eq!(
        exchange(&mut open, LIVE).await.expect("still open").status,
        200
    );
    assert!(child.try_wait().expect("status").is_none(), "still running");
    terminate(&child);
    let _ = child.wait();
}

#[tokio::test]
async fn without_tls_sighup_is_ignored_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, port) = serve(agora(dir.path()));
    signal(&child, "-HUP");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let live = reqwest::get(format!("http://127.0.0.1:{port}/health/live")).await;
    assert_eq!(live.expect("still serving").status(), 200);
    assert!(child.try_wait().expect("status").is_none(), "still running");
    terminate(&child);
    let _ = child.wait();
}

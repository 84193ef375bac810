//! Error tracking with the `agora` binary (Sentry's client is process-wide, so it runs in a
//! process of its own): a loopback HTTP server poses as the DSN's ingest, a real fault (the
//! users table gone from under the server) makes a login answer 500, and the event that
//! arrives names the request id, route pattern, release and environment, and holds none of the
//! email, password, bearer token or cookies that request carried.

#[path = "common/listening.rs"]
mod listening;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    process::{Child, Command},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use listening::{on_loopback, spawn_listening};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

const EMAIL: &str = "tracked.user@example.com";
const PASSWORD: &str = "a long and private tracking password";

/// Every request body the fake ingest received.
type Received = Arc<Mutex<Vec<String>>>;

fn serve_one(stream: TcpStream, received: &Received) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    received
        .lock()
        .expect("lock")
        .push(String::from_utf8_lossy(&body).into_owned());
    let mut stream = stream;
    stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
}

/// A loopback server answering 200 to everything, as Sentry's ingest does.
fn fake_ingest() -> (u16, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = listener.local_addr().expect("address").port();
    let received = Received::default();
    let store = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let store = store.clone();
            std::thread::spawn(move || serve_one(stream, &store));
        }
    });
    (port, received)
}

struct Instance(Child);

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &std::path::Path, dsn: &str) -> (Instance, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agora"));
    on_loopback(&mut command, dir)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("APP_ENV")
        .env("SENTRY_DSN", dsn)
        .env("JWT_SECRET", "error-tracking-test-secret-of-32-bytes")
        .env("BCRYPT_COST", "4");
    let (child, port) = spawn_listening(&mut command);
    (Instance(child), format!("http://127.0.0.1:{port}"))
}

/// The event items of the envelopes received so far.
fn events(received: &Received) -> Vec<Value> {
    received
        .lock()
        .expect("lock")
        .iter()
        .flat_map(|envelope| {
            let lines: Vec<&str> = envelope.lines().collect();
            lines
                .windows(2)
                .filter(|pair| {
                    serde_json::from_str::<Value>(pair[0]).is_ok_and(|h| h["type"] == "event")
                })
                .filter_map(|pair| serde_json::from_str::<Value>(pair[1]).ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn a_500_is_reported_with_its_request_id_and_route_and_without_any_secret() {
    let (ingest, received) = fake_ingest();
    let dir = tempfile::tempdir().expect("tempdir");
    let (_agora, base) = start(dir.path(), &format!("http://public@127.0.0.1:{ingest}/1"));
    let client = reqwest::Client::new();
    let register = client
        .post(format!("{base}/api/auth/register"))
        .json(&json!({"username": "tracked", "email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .expect("register");
    assert_eq!(register.status(), StatusCode::CREATED);
    let login = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), StatusCode::OK);
    let cookies: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect();
    let body: Value = login.json().await.expect("JSON");
    let token = body["access_token"].as_str().expect("token").to_owned();
    let csrf = body["csrf_token"].as_str().expect("csrf").to_owned();
    let cookie_values: Vec<String> = cookies
        .iter()
        .filter_map(|c| c.split_once('=').map(|(_, v)| v.to_owned()))
        .filter(|v| v.len() >= 16)
        .collect();
    assert!(!cookie_values.is_empty(), "login set its cookies");

    // A real fault: the users table disappears from under the running server.
    let db = Database::connect(format!(
        "sqlite://{}",
        dir.path().join("agora.db").display()
    ))
    .await
    .expect("opens the database");
    db.execute_unprepared("ALTER TABLE users RENAME TO users_gone")
        .await
        .expect("renames");

    let failed = client
        .post(format!("{base}/api/auth/login"))
        .header("x-request-id", "tracked-login-1")
        .bearer_auth(&token)
        .header("cookie", cookies.join("; "))
        .header("x-csrf-token", &csrf)
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .expect("answers");
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let deadline = Instant::now() + Duration::from_secs(10);
    let event = loop {
        if let Some(event) = events(&received)
            .into_iter()
            .find(|e| e["tags"]["request_id"] == "tracked-login-1")
        {
            break event;
        }
        assert!(
            Instant::now() < deadline,
            "no event for the request reached the ingest: {:?}",
            received.lock().expect("lock")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(event["tags"]["route"], "/api/auth/login");
    assert_eq!(event["tags"]["method"], "POST");
    // (Level `error` is the protocol's default, left out of the JSON.)
    assert!(
        event["level"].is_null() || event["level"] == "error",
        "{event}"
    );
    assert_eq!(event["environment"], "development");
    let release = event["release"].as_str().expect("a release");
    assert!(
        release.starts_with(concat!("agora@", env!("CARGO_PKG_VERSION"))),
        "{release}"
    );
    assert!(event["request"].is_null(), "no request data is attached");
    // The cause is there (so the report is useful) ...
    assert!(event.to_string().contains("users"), "{event}");
    // ... and nothing the request carried, in any envelope.
    let everything = received.lock().expect("lock").join("\n");
    for secret in [EMAIL, PASSWORD, &token, &csrf]
        .into_iter()
        .chain(cookie_values.iter().map(String::as_str))
    {
        assert!(!everything.contains(secret), "{secret} reached the ingest");
    }
}

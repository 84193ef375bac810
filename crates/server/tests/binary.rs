//! The `agora` binary itself: start-up errors, `.env`, `create-admin`, file modes, graceful
//! shutdown on SIGTERM. These use the embedded default (a temporary DATA_DIR, also the working
//! directory), whatever the environment says; the one test that needs PostgreSQL is ignored
//! unless `.ci/run`'s PostgreSQL + Redis pass includes it.

#[path = "common/answers.rs"]
mod answers;
#[path = "common/listening.rs"]
mod listening;

use std::{
    process::{Child, Command, Output, Stdio},
    time::Duration,
};

use listening::{assert_succeeded, on_loopback, wait_listening};
use serde_json::{Value, json};

#[path = "binary/commands.rs"]
mod commands;
#[path = "../../../tests/support/https.rs"]
#[allow(dead_code)]
mod https;
#[cfg(target_os = "linux")]
#[path = "binary/priority.rs"]
mod priority;
#[path = "binary/settings.rs"]
mod settings;
#[path = "binary/shutdown.rs"]
mod shutdown;
#[path = "binary/tls.rs"]
mod tls;

const SECRET: &str = "binary-test-secret-of-at-least-32-bytes";

fn agora(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agora"));
    // `dir` is also the working directory: no stray `.env` from a developer's checkout.
    on_loopback(&mut command, data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("APP_ENV")
        .env_remove("DATA_KEY")
        .env_remove("DATA_KEYS_PREVIOUS")
        .env_remove("BLIND_INDEX_KEY")
        .env("JWT_SECRET", SECRET)
        .env("BCRYPT_COST", "4")
        // Stop at once on SIGTERM unless a test is about the drain.
        .env("SHUTDOWN_DRAIN_SECONDS", "0");
    command
}

/// `agora create-admin` with the password every test uses.
fn create_admin(data_dir: &std::path::Path, email: &str, username: &str) -> Output {
    agora(data_dir)
        .args(["create-admin", "--email", email, "--username", username])
        .env("ADMIN_PASSWORD", "admin password 1")
        .output()
        .expect("runs")
}

/// Logs in on the server at `port` with the password `create_admin` sets.
async fn log_in(port: u16, email: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/auth/login"))
        .json(&json!({"email": email, "password": "admin password 1"}))
        .send()
        .await
        .expect("sent")
}

/// Starts the server and reads its port from the `listening` log line.
fn serve(command: Command) -> (Child, u16) {
    let (child, port, _) = serve_logging(command);
    (child, port)
}

/// Starts the server; also returns the log events it wrote before listening.
fn serve_logging(mut command: Command) -> (Child, u16, Vec<Value>) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("agora starts");
    let listening = wait_listening(&mut child);
    let events = listening
        .before
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .collect();
    (child, listening.port, events)
}

/// Sends `signal` (`-TERM`, `-HUP`) to the server.
fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

fn terminate(child: &Child) {
    signal(child, "-TERM");
}

#[test]
fn an_invalid_setting_stops_the_start_naming_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    settings::assert_each_refused(
        dir.path(),
        &[
            ("BCRYPT_COST", "99"),
            ("BIND_ADDR", "not-an-address"),
            ("JWT_SECRET", "short"),
        ],
    );
}

#[test]
fn production_refuses_to_start_without_a_jwt_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = agora(dir.path())
        .env("APP_ENV", "production")
        .env_remove("JWT_SECRET")
        .env("DATA_KEY", OTHER_KEY)
        .env("BLIND_INDEX_KEY", OTHER_KEY)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("JWT_SECRET"));
}

#[test]
fn production_refuses_to_start_without_its_data_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = agora(dir.path())
        .env("APP_ENV", "production")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("DATA_KEY"));
    let output = agora(dir.path())
        .env("APP_ENV", "production")
        .env("DATA_KEY", OTHER_KEY)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("BLIND_INDEX_KEY"));
    assert!(
        !dir.path().join("data-key").exists(),
        "production never generates a key"
    );
}

/// 32 bytes of 0x02, base64.
const OTHER_KEY: &str = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";

#[tokio::test]
async fn rotate_data_key_moves_emails_to_the_new_key_and_a_rerun_does_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let created = create_admin(dir.path(), "rot@example.com", "rot");
    assert!(created.status.success());
    // Development: the generated key was kept in DATA_DIR, readable by its owner only.
    let kept = std::fs::read_to_string(dir.path().join("data-key")).expect("kept key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data-key"))
            .expect("kept key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let rotate = || {
        agora(dir.path())
            .arg("rotate-data-key")
            .env("DATA_KEY", OTHER_KEY)
            .env("DATA_KEYS_PREVIOUS", kept.trim())
            .output()
            .expect("runs")
    };
    let first = rotate();
    assert_succeeded(&first);
    assert!(String::from_utf8_lossy(&first.stdout).contains("re-encrypted 1 email(s)"));
    let second = rotate();
    assert!(String::from_utf8_lossy(&second.stdout).contains("re-encrypted 0 email(s)"));

    let (child, port) = serve({
        let mut command = agora(dir.path());
        command.env("DATA_KEY", OTHER_KEY);
        command
    });
    let response = log_in(port, "rot@example.com").await;
    assert_eq!(response.status(), 200);
    terminate(&child);
}

#[test]
fn openapi_prints_the_committed_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = agora(dir.path()).arg("openapi").output().expect("runs");
    assert!(output.status.success());
    let committed = include_str!("../../../docs/api.yaml");
    assert_eq!(String::from_utf8_lossy(&output.stdout), committed);
}

#[tokio::test]
async fn create_admin_makes_an_administrator_who_can_log_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = create_admin(dir.path(), "root@example.com", "root");
    assert_succeeded(&output);

    let again = create_admin(dir.path(), "root@example.com", "root2");
    assert!(!again.status.success(), "the email is taken");

    let (child, port) = serve(agora(dir.path()));
    let response = log_in(port, "root@example.com").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["user"]["roles"], json!(["user", "admin"]));
    terminate(&child);
}

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A costly hash keeps the login in flight while the signal arrives.
    let (mut child, port) = serve({
        let mut command = agora(dir.path());
        command.env("BCRYPT_COST", "13");
        command
    });
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let register = client
        .post(format!("{base}/api/auth/register"))
        .json(
            &json!({"username": "slow", "email": "slow@example.com", "password": "correct horse"}),
        )
        .send();

    let in_flight = tokio::spawn(register);
    tokio::time::sleep(Duration::from_millis(150)).await;
    terminate(&child);

    let response = in_flight
        .await
        .expect("joined")
        .expect("the response arrives");
    assert_eq!(response.status(), 201);
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("joined")
        .expect("exits");
    assert!(status.success(), "{status:?}");
    assert!(
        client
            .get(format!("{base}/health/live"))
            .send()
            .await
            .is_err(),
        "no longer serving"
    );
}

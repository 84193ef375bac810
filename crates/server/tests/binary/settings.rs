//! Start-up refusals: every bad setting stops the binary with one line on standard error that
//! names the variable (never a panic), and `.env` is read in development only.

use std::process::Output;

use infrastructure::config::Settings;

use super::{OTHER_KEY, agora, serve_logging, terminate};

/// Refused: exit code 1 (a panic is 101), and standard error is one line naming `name`.
fn assert_refused(output: &Output, name: &str, shown: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{shown}: expected a refusal, got {:?}: {stderr}",
        output.status
    );
    let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{shown}: one line expected, got: {stderr}");
    assert!(
        lines[0].starts_with(&format!("error: {name}: ")),
        "{shown}: the line must name {name}: {stderr}"
    );
}

/// Each `(name, value)` alone stops the start, refused as `assert_refused` says.
pub(super) fn assert_each_refused(dir: &std::path::Path, cases: &[(&str, &str)]) {
    for (name, value) in cases {
        let output = agora(dir).env(name, value).output().expect("runs");
        assert_refused(&output, name, &format!("{name}={value}"));
    }
}

#[test]
fn every_numeric_setting_outside_its_range_stops_the_start_in_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = Settings::numeric_settings();
    assert!(settings.len() >= 15, "the settings must be listed");
    for setting in settings {
        let min: i128 = setting.min.parse().expect("a number");
        let max: i128 = setting.max.parse().expect("a number");
        for bad in [min - 1, max + 1] {
            let shown = format!("{}={bad}", setting.name);
            let output = agora(dir.path())
                .env(&setting.name, bad.to_string())
                .output()
                .expect("runs");
            assert_refused(&output, &setting.name, &shown);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains(&setting.range()), "{shown}: {stderr}");
        }
    }
}

#[test]
fn the_values_that_panicked_or_broke_every_request_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_each_refused(
        dir.path(),
        &[
            ("WORKERS", "0"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("REFRESH_TOKEN_TTL_SECONDS", "0"),
            ("JSON_BODY_LIMIT_BYTES", "0"),
            ("RUST_LOG", "info,agora=loud"),
            ("LOG_FORMAT", "xml"),
            ("BIND_ADDR", "localhost"),
        ],
    );
    assert!(
        !dir.path().join("agora.db").exists(),
        "refused before touching the database"
    );
}

#[test]
fn dot_env_is_read_in_development_without_overriding_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".env"), "# a comment\nWORKERS=0\n").expect("written");

    // Read: its bad value stops the start, named.
    let output = agora(dir.path()).output().expect("runs");
    assert_refused(&output, "WORKERS", ".env WORKERS=0");

    // The environment wins over the file.
    let (child, _, events) = serve_logging({
        let mut command = agora(dir.path());
        command.env("WORKERS", "1");
        command
    });
    terminate(&child);
    assert!(
        events
            .iter()
            .any(|e| e["message"].as_str().is_some_and(|m| m.contains(".env"))),
        "the server says it read .env: {events:?}"
    );
}

#[test]
fn dot_env_is_never_read_in_production() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".env"), "WORKERS=0\n").expect("written");
    let (child, _, _) = serve_logging({
        let mut command = agora(dir.path());
        command
            .env("APP_ENV", "production")
            .env("DATA_KEY", OTHER_KEY)
            .env("BLIND_INDEX_KEY", OTHER_KEY);
        command
    });
    terminate(&child);

    // Nor when the file itself says production.
    std::fs::write(dir.path().join(".env"), "APP_ENV=production\nWORKERS=0\n").expect("written");
    let (child, _, _) = serve_logging(agora(dir.path()));
    terminate(&child);
}

#[test]
fn an_unreachable_redis_is_a_warning_and_the_server_still_starts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let (child, _, events) = serve_logging({
        let mut command = agora(dir.path());
        command.env("REDIS_URL", format!("redis://127.0.0.1:{closed}"));
        command
    });
    terminate(&child);
    assert!(
        events.iter().any(|e| e["level"] == "WARN"
            && e["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("REDIS_URL"))),
        "no warning naming REDIS_URL in {events:?}"
    );
}

#[test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
fn a_missing_database_schema_is_named_and_never_half_migrated() {
    let url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .expect("DATABASE_URL must name a PostgreSQL database for this test");
    let dir = tempfile::tempdir().expect("tempdir");
    let schema = format!("missing_{}", uuid::Uuid::now_v7().simple());
    let output = agora(dir.path())
        .env("DATABASE_URL", url)
        .env("DATABASE_SCHEMA", &schema)
        .output()
        .expect("runs");
    assert_refused(&output, "DATABASE_SCHEMA", &schema);
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not exist"));
}

#[cfg(unix)]
#[test]
fn the_data_directory_and_database_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let output = agora(&data)
        .current_dir(root.path())
        .args([
            "create-admin",
            "--email",
            "m@example.com",
            "--username",
            "modes",
        ])
        .env("ADMIN_PASSWORD", "admin password 1")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&data), 0o700, "DATA_DIR");
    for file in ["agora.db", "data-key", "blind-index-key"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    for file in ["agora.db-wal", "agora.db-shm"] {
        let path = data.join(file);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{file}");
        }
    }
}

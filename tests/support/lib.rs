//! Test support: `spawn_app()` starts the real `Application` on 127.0.0.1:0 with a database of
//! its own (a new SQLite file, or a new PostgreSQL schema when `DATABASE_URL` is set) and a
//! session store of its own (memory, or a Redis key prefix when `REDIS_URL` is set).

mod cookies;
mod helpers;
pub mod https;
mod mail;
mod raw_storage;
mod remote;

use std::time::Duration;

use agora::{Application, Settings, telemetry};
use infrastructure::config::{DatabaseSettings, LimitSettings, LogFormat, SessionStoreSettings};
use sea_orm::{ConnectionTrait, Database};
use secrecy::SecretString;
use uuid::Uuid;

pub use cookies::{CookieJar, SetCookie};
pub use helpers::{Actor, Login, TestUser, assert_problem, login_from};
pub use mail::{SentMail, SmtpSink};
pub use raw_storage::contains;
pub use remote::app_under_test;

pub struct TestApp {
    pub address: String,
    /// What the app was started with, for arranging state through the CLI's own use cases.
    pub settings: Settings,
    pub port: u16,
    /// The metrics listener's port, when the test set `metrics_addr`.
    pub metrics_port: Option<u16>,
    /// The plain-HTTP redirect listener's port, when the test set `http_redirect_addr`.
    pub redirect_port: Option<u16>,
    pub client: reqwest::Client,
    pub backend: Backend,
    _data_dir: Option<tempfile::TempDir>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    PostgresRedis,
    /// A server this process did not start (`AGORA_BASE_URL`): HTTP only.
    Remote,
}

fn silent() -> Box<dyn std::io::Write> {
    Box::new(std::io::sink())
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app after `customize` has adjusted the test settings.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        telemetry::init_subscriber(LogFormat::Pretty, "info", telemetry::stdout);
    } else {
        telemetry::init_subscriber(LogFormat::Pretty, "off", silent);
    }
    let mut settings = Settings {
        bind_addr: "127.0.0.1:0".parse().expect("loopback address"),
        jwt_secret: Some(SecretString::from(format!(
            "test-secret-{}",
            Uuid::now_v7()
        ))),
        data_key: Some(infrastructure::crypto::generate_key()),
        blind_index_key: Some(infrastructure::crypto::generate_key()),
        bcrypt_cost: 4,
        workers: Some(1),
        shutdown_timeout: Duration::from_secs(1),
        // Most tests make many requests from one address; the budget tests set their own.
        limits: LimitSettings {
            general_per_min: 1_000_000,
            auth_per_min: 1_000_000,
            ..LimitSettings::default()
        },
        ..Settings::default()
    };
    let data_dir;
    let backend = match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => {
            settings.database = DatabaseSettings::Postgres {
                url: SecretString::from(url.clone()),
                schema: Some(create_schema(&url).await),
                max_connections: 4,
            };
            // Files the server writes (the mail outbox) stay apart per test too.
            let dir = tempfile::tempdir().expect("temporary directory");
            settings.data_dir = dir.path().to_path_buf();
            data_dir = Some(dir);
            Backend::PostgresRedis
        }
        None => {
            let dir = tempfile::tempdir().expect("temporary directory");
            settings.database = DatabaseSettings::Sqlite {
                path: dir.path().join("agora.db"),
            };
            settings.data_dir = dir.path().to_path_buf();
            data_dir = Some(dir);
            Backend::Embedded
        }
    };
    if let Some(url) = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()) {
        settings.sessions = SessionStoreSettings::Redis {
            url: SecretString::from(url),
            key_prefix: format!("test-{}", Uuid::now_v7()),
        };
    }
    customize(&mut settings);
    start(settings, backend, data_dir).await
}

async fn start(
    settings: Settings,
    backend: Backend,
    data_dir: Option<tempfile::TempDir>,
) -> TestApp {
    let app = Application::build(settings.clone())
        .await
        .expect("the application starts");
    let port = app.port();
    let metrics_port = app.metrics_port();
    let redirect_port = app.redirect_port();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        settings,
        port,
        metrics_port,
        redirect_port,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client"),
        backend,
        _data_dir: data_dir,
    }
}

impl TestApp {
    /// A second instance on the same database and session store, started with `customize`d
    /// settings (e.g. a rotated data key). The first keeps running and keeps the data directory.
    pub async fn another_instance(&self, customize: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = self.settings.clone();
        customize(&mut settings);
        start(settings, self.backend, None).await
    }
}

/// A fresh schema per test, so tests never see each other's rows and can run in parallel.
async fn create_schema(url: &str) -> String {
    let schema = format!("test_{}", Uuid::now_v7().simple());
    let db = Database::connect(url).await.expect("connect to PostgreSQL");
    db.execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .expect("create a test schema");
    db.close().await.ok();
    schema
}

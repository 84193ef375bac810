//! Typed configuration, read from environment variables. An invalid value fails at start-up
//! with the variable's name (numbers: with their range, read through `vars::Vars`);
//! secrets are wrapped so they never reach Debug output or logs. Each group of settings is a
//! table (`table.rs`): a row per setting with its default and how it is read.

mod limits;
mod listeners;
mod mail;
mod secrets;
mod sessions;
mod stores;
mod table;
mod vars;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::bail;
use secrecy::SecretString;

pub use self::limits::LimitSettings;
pub use self::listeners::TlsSettings;
pub use self::mail::MailConfig;
pub use self::sessions::LifetimeSettings;
pub use self::stores::{DatabaseSettings, SessionStoreSettings};
pub use self::vars::{NumericSetting, Vars};
use self::{listeners::*, secrets::*, stores::*, table::settings};

/// Shortest accepted `JWT_SECRET`, in bytes (HS256 wants at least its output size).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

const DAY: u64 = 24 * 3600;
const MIB: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

settings! {
    #[derive(Debug, Clone)]
    pub struct Settings {
        /// `APP_ENV`: `development` (the default) or `production` (secrets required).
        app_env: AppEnv = AppEnv::Development, with(app_env);
        /// `BIND_ADDR`: the public listener.
        bind_addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8080)),
            parsed("BIND_ADDR", "an address like 127.0.0.1:8080");
        /// `METRICS_ADDR`: where `GET /metrics` (Prometheus text format) is served; `None`:
        /// nowhere. Never the public listener.
        metrics_addr: Option<SocketAddr> = None, with(metrics_addr);
        /// HTTPS on `bind_addr` when set; plain HTTP otherwise.
        tls: Option<TlsSettings> = None, with(tls);
        /// `HTTP_REDIRECT_ADDR`, with TLS only: a plain-HTTP listener answering every request
        /// with 308 to HTTPS.
        http_redirect_addr: Option<SocketAddr> = None, with(http_redirect_addr);
        /// `DATA_DIR`: holds the embedded database and, outside production, the generated keys.
        data_dir: PathBuf = PathBuf::from("./data"), with(data_dir);
        database: DatabaseSettings = DatabaseSettings::Sqlite {
            path: PathBuf::from("./data/agora.db"),
        }, with(database);
        /// `DATABASE_PROBE_INTERVAL_MS`: while the database is unreachable, how often a probe
        /// checks whether it is back.
        database_probe_interval: Duration = Duration::from_millis(250),
            millis("DATABASE_PROBE_INTERVAL_MS", 10..=60_000);
        /// `DATABASE_READ_URL`: a streaming replica (PostgreSQL only) for public reads that may
        /// lag; `None` sends every query to `database`.
        database_read_url: Option<SecretString> = None, with(database_read_url);
        sessions: SessionStoreSettings = SessionStoreSettings::Memory, with(sessions);
        /// `None` outside production means: generate one at start (and warn).
        jwt_secret: Option<SecretString> = None, with(jwt_secret);
        /// Encrypts personal data (emails). `None` outside production: generated once and kept
        /// in `data_dir`.
        data_key: Option<SecretString> = None, with(data_key);
        /// Keys that encrypted data before `data_key`: still accepted for decryption.
        data_keys_previous: Vec<SecretString> = Vec::new(), with(data_keys_previous);
        /// Keys the blind indexes (look-ups by email). Independent of the data keys: it never
        /// rotates with them. `None` outside production: generated once and kept in `data_dir`.
        blind_index_key: Option<SecretString> = None, with(blind_index_key);
        /// `BCRYPT_COST`: the bcrypt work factor of new password hashes.
        bcrypt_cost: u32 = 12, number("BCRYPT_COST", 4..=31);
        /// `ACCESS_TOKEN_TTL_SECONDS`: how long an access token is accepted.
        access_token_ttl: Duration = Duration::from_secs(900),
            seconds("ACCESS_TOKEN_TTL_SECONDS", 1..=DAY);
        /// `REFRESH_TOKEN_TTL_SECONDS`: how long a refresh token may be used.
        refresh_token_ttl: Duration = Duration::from_secs(7 * DAY),
            seconds("REFRESH_TOKEN_TTL_SECONDS", 60..=365 * DAY);
        /// `REFRESH_REUSE_GRACE_SECONDS`: a rotated refresh token replayed within it is a
        /// retry, not theft.
        refresh_reuse_grace: Duration = Duration::from_secs(10),
            seconds("REFRESH_REUSE_GRACE_SECONDS", 0..=300);
        /// `JSON_BODY_LIMIT_BYTES`: the body cap on JSON routes other than posts.
        json_body_limit: usize = 64 * 1024, number("JSON_BODY_LIMIT_BYTES", 1024..=16 * MIB);
        /// `COMPRESS_MIN_BYTES`: answers at least this long are compressed when the client
        /// allows (0: every answer).
        compress_min_bytes: u64 = 1024, number("COMPRESS_MIN_BYTES", 0..=1024 * 1024);
        /// `SHUTDOWN_DRAIN_SECONDS`: after SIGTERM, how long the listener keeps accepting while
        /// readiness says 503.
        shutdown_drain: Duration = Duration::from_secs(5),
            seconds("SHUTDOWN_DRAIN_SECONDS", 0..=300);
        /// `SHUTDOWN_TIMEOUT_SECONDS`: after the drain, how long in-flight requests get to
        /// finish.
        shutdown_timeout: Duration = Duration::from_secs(30),
            seconds("SHUTDOWN_TIMEOUT_SECONDS", 0..=3600);
        /// `WORKERS`: actix worker threads; `None`: one per core.
        workers: Option<usize> = None, with(workers);
        /// `WORKER_NICE`: how much lower than the password-hashing threads every other thread
        /// is scheduled (a nice increment; 0: the same), so a login flood gets the cores
        /// `PASSWORD_HASH_CONCURRENCY` reserves for it.
        worker_nice: i32 = 10, number("WORKER_NICE", 0..=19);
        log_format: LogFormat = LogFormat::Pretty, with(log_format);
        /// Where 5xx errors and panics are reported (Sentry); `None`: nowhere.
        sentry_dsn: Option<SecretString> = None, with(sentry_dsn);
        limits: LimitSettings = LimitSettings::default(), with(LimitSettings::from_vars);
        lifetimes: LifetimeSettings = LifetimeSettings::default(),
            with(LifetimeSettings::from_vars);
        mail: MailConfig = MailConfig::default(), with(MailConfig::from_vars);
    }
}

impl Settings {
    /// Reads every variable listed in `.env.example`; unset ones take their defaults.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        Self::from_vars(&Vars::new(&get))
    }

    /// Every numeric setting with its valid range (what the README documents).
    pub fn numeric_settings() -> Vec<NumericSetting> {
        let vars = Vars::new(&|_| None);
        // The defaults always load; the ranges are recorded on the way.
        let _ = Self::from_vars(&vars);
        vars.numeric_settings()
    }
}

/// `APP_ENV`: `development` (also `dev`, `test`) or `production` (also `prod`).
fn app_env(vars: &Vars) -> anyhow::Result<AppEnv> {
    Ok(match vars.text("APP_ENV").as_deref() {
        None | Some("development") | Some("dev") | Some("test") => AppEnv::Development,
        Some("production") | Some("prod") => AppEnv::Production,
        Some(other) => bail!("APP_ENV: expected 'development' or 'production', got '{other}'"),
    })
}

fn metrics_addr(vars: &Vars) -> anyhow::Result<Option<SocketAddr>> {
    vars.parsed("METRICS_ADDR", "an address like 127.0.0.1:9090")
}

fn workers(vars: &Vars) -> anyhow::Result<Option<usize>> {
    vars.optional_number("WORKERS", 1..=1024)
}

/// `LOG_FORMAT`: `pretty` (the default) or `json`.
fn log_format(vars: &Vars) -> anyhow::Result<LogFormat> {
    Ok(match vars.text("LOG_FORMAT").as_deref() {
        None | Some("pretty") => LogFormat::Pretty,
        Some("json") => LogFormat::Json,
        Some(other) => bail!("LOG_FORMAT: expected 'pretty' or 'json', got '{other}'"),
    })
}

#[cfg(test)]
mod tests;

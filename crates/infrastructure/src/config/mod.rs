//! Typed configuration, read from environment variables. An invalid value fails at start-up
//! with the variable's name (numbers: with their range, read through `vars::Vars`);
//! secrets are wrapped so they never reach Debug output or logs.

mod limits;
mod mail;
mod sessions;
mod vars;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::bail;
use secrecy::{ExposeSecret, SecretString};

pub use self::limits::LimitSettings;
pub use self::mail::MailConfig;
pub use self::sessions::LifetimeSettings;
pub use self::vars::{NumericSetting, Vars};
use crate::crypto::decode_key;

/// Shortest accepted `JWT_SECRET`, in bytes (HS256 wants at least its output size).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

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

#[derive(Debug, Clone)]
pub enum DatabaseSettings {
    /// The embedded default: one SQLite file.
    Sqlite { path: PathBuf },
    Postgres {
        url: SecretString,
        /// Schema to use instead of `public` (tests use one per test).
        schema: Option<String>,
        max_connections: u32,
    },
}

#[derive(Debug, Clone)]
pub enum SessionStoreSettings {
    Memory,
    Redis {
        url: SecretString,
        key_prefix: String,
    },
}

/// `TLS_CERT_FILE` + `TLS_KEY_FILE`: PEM files, re-read on SIGHUP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The certificate chain, leaf first.
    pub cert_file: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub app_env: AppEnv,
    pub bind_addr: SocketAddr,
    /// Where `GET /metrics` (Prometheus text format) is served; `None`: nowhere. Never the
    /// public listener.
    pub metrics_addr: Option<SocketAddr>,
    /// HTTPS on `bind_addr` when set; plain HTTP otherwise.
    pub tls: Option<TlsSettings>,
    /// With TLS only: a plain-HTTP listener answering every request with 308 to HTTPS.
    pub http_redirect_addr: Option<SocketAddr>,
    /// Holds the embedded database and, outside production, the generated keys.
    pub data_dir: PathBuf,
    pub database: DatabaseSettings,
    /// While the database is unreachable, how often a probe checks whether it is back.
    pub database_probe_interval: Duration,
    /// `DATABASE_READ_URL`: a streaming replica (PostgreSQL only) for public reads that may
    /// lag; `None` sends every query to `database`.
    pub database_read_url: Option<SecretString>,
    pub sessions: SessionStoreSettings,
    /// `None` outside production means: generate one at start (and warn).
    pub jwt_secret: Option<SecretString>,
    /// Encrypts personal data (emails). `None` outside production: generated once and kept
    /// in `data_dir`.
    pub data_key: Option<SecretString>,
    /// Keys that encrypted data before `data_key`: still accepted for decryption.
    pub data_keys_previous: Vec<SecretString>,
    /// Keys the blind indexes (look-ups by email). Independent of the data keys: it never
    /// rotates with them. `None` outside production: generated once and kept in `data_dir`.
    pub blind_index_key: Option<SecretString>,
    pub bcrypt_cost: u32,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub refresh_reuse_grace: Duration,
    pub json_body_limit: usize,
    /// Answers at least this long are compressed when the client allows (0: every answer).
    pub compress_min_bytes: u64,
    /// After SIGTERM: how long the listener keeps accepting while readiness says 503.
    pub shutdown_drain: Duration,
    /// After the drain: how long in-flight requests get to finish.
    pub shutdown_timeout: Duration,
    pub workers: Option<usize>,
    pub log_format: LogFormat,
    /// Where 5xx errors and panics are reported (Sentry); `None`: nowhere.
    pub sentry_dsn: Option<SecretString>,
    pub limits: LimitSettings,
    pub lifetimes: LifetimeSettings,
    pub mail: MailConfig,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            app_env: AppEnv::Development,
            bind_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_addr: None,
            tls: None,
            http_redirect_addr: None,
            data_dir: PathBuf::from("./data"),
            database: DatabaseSettings::Sqlite {
                path: PathBuf::from("./data/agora.db"),
            },
            database_probe_interval: Duration::from_millis(250),
            database_read_url: None,
            sessions: SessionStoreSettings::Memory,
            jwt_secret: None,
            data_key: None,
            data_keys_previous: Vec::new(),
            blind_index_key: None,
            bcrypt_cost: 12,
            access_token_ttl: Duration::from_secs(900),
            refresh_token_ttl: Duration::from_secs(7 * 24 * 3600),
            refresh_reuse_grace: Duration::from_secs(10),
            json_body_limit: 64 * 1024,
            compress_min_bytes: 1024,
            shutdown_drain: Duration::from_secs(5),
            shutdown_timeout: Duration::from_secs(30),
            workers: None,
            log_format: LogFormat::Pretty,
            sentry_dsn: None,
            limits: LimitSettings::default(),
            lifetimes: LifetimeSettings::default(),
            mail: MailConfig::default(),
        }
    }
}

impl Settings {
    /// Reads every variable listed in `.env.example`; unset ones take their defaults.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        Self::load(&Vars::new(&get))
    }

    /// Every numeric setting with its valid range (what the README documents).
    pub fn numeric_settings() -> Vec<NumericSetting> {
        let vars = Vars::new(&|_| None);
        // The defaults always load; the ranges are recorded on the way.
        let _ = Self::load(&vars);
        vars.numeric_settings()
    }

    fn load(vars: &Vars) -> anyhow::Result<Self> {
        let defaults = Settings::default();
        let var = |name: &str| vars.text(name);

        let app_env = match var("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") | Some("test") => AppEnv::Development,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => bail!("APP_ENV: expected 'development' or 'production', got '{other}'"),
        };
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "./data".into()));
        // Read whatever the database: a bad value is refused even where it would be unused.
        let max_connections = vars.number("DATABASE_MAX_CONNECTIONS", 10, 1..=1000)?;
        let database = match var("DATABASE_URL") {
            None => DatabaseSettings::Sqlite {
                path: data_dir.join("agora.db"),
            },
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                DatabaseSettings::Postgres {
                    url: SecretString::from(url),
                    schema: var("DATABASE_SCHEMA").map(schema_name).transpose()?,
                    max_connections,
                }
            }
            Some(url) if url.starts_with("sqlite://") => DatabaseSettings::Sqlite {
                path: PathBuf::from(url.trim_start_matches("sqlite://")),
            },
            Some(_) => bail!("DATABASE_URL: expected a postgres:// or sqlite:// URL"),
        };
        let database_read_url = match var("DATABASE_READ_URL") {
            None => None,
            Some(url)
                if matches!(database, DatabaseSettings::Postgres { .. })
                    && (url.starts_with("postgres://") || url.starts_with("postgresql://")) =>
            {
                Some(SecretString::from(url))
            }
            Some(_) => bail!(
                "DATABASE_READ_URL: expected a postgres:// URL, with DATABASE_URL on PostgreSQL"
            ),
        };
        let sessions = match var("REDIS_URL") {
            None => SessionStoreSettings::Memory,
            Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => {
                SessionStoreSettings::Redis {
                    url: SecretString::from(url),
                    key_prefix: var("REDIS_KEY_PREFIX").unwrap_or_else(|| "agora".into()),
                }
            }
            Some(_) => bail!("REDIS_URL: expected a redis:// or rediss:// URL"),
        };
        let jwt_secret = var("JWT_SECRET").map(SecretString::from);
        if let Some(secret) = &jwt_secret
            && secret.expose_secret().len() < MIN_JWT_SECRET_BYTES
        {
            bail!("JWT_SECRET: must be at least {MIN_JWT_SECRET_BYTES} bytes");
        }
        if app_env == AppEnv::Production && jwt_secret.is_none() {
            bail!("JWT_SECRET: required when APP_ENV=production");
        }
        let key = |name: &str| -> anyhow::Result<Option<SecretString>> {
            let value = var(name).map(SecretString::from);
            if let Some(value) = &value {
                decode_key(name, value.expose_secret())?;
            }
            if app_env == AppEnv::Production && value.is_none() {
                bail!("{name}: required when APP_ENV=production");
            }
            Ok(value)
        };
        let data_key = key("DATA_KEY")?;
        let blind_index_key = key("BLIND_INDEX_KEY")?;
        let data_keys_previous = var("DATA_KEYS_PREVIOUS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| {
                decode_key("DATA_KEYS_PREVIOUS", k)?;
                Ok(SecretString::from(k.to_owned()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let log_format = match var("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("LOG_FORMAT: expected 'pretty' or 'json', got '{other}'"),
        };
        let bind_addr = vars
            .parsed("BIND_ADDR", "an address like 127.0.0.1:8080")?
            .unwrap_or(defaults.bind_addr);
        let metrics_addr = vars.parsed("METRICS_ADDR", "an address like 127.0.0.1:9090")?;
        let tls = match (var("TLS_CERT_FILE"), var("TLS_KEY_FILE")) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(TlsSettings {
                cert_file: PathBuf::from(cert.trim()),
                key_file: PathBuf::from(key.trim()),
            }),
            (cert, _) => bail!(
                "{}: TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither",
                if cert.is_some() {
                    "TLS_KEY_FILE"
                } else {
                    "TLS_CERT_FILE"
                }
            ),
        };
        let http_redirect_addr = match var("HTTP_REDIRECT_ADDR") {
            None => None,
            Some(_) if tls.is_none() => bail!(
                "HTTP_REDIRECT_ADDR: redirects to HTTPS, so it needs TLS_CERT_FILE and TLS_KEY_FILE"
            ),
            Some(_) => vars.parsed("HTTP_REDIRECT_ADDR", "an address like 0.0.0.0:80")?,
        };
        const DAY: u64 = 24 * 3600;
        let mut s = Self {
            app_env,
            bind_addr,
            metrics_addr,
            tls,
            http_redirect_addr,
            data_dir,
            database,
            database_read_url,
            sessions,
            jwt_secret,
            data_key,
            data_keys_previous,
            blind_index_key,
            log_format,
            ..defaults
        };
        let probe = &mut s.database_probe_interval;
        vars.read_as(
            probe,
            "DATABASE_PROBE_INTERVAL_MS",
            10..=60_000,
            Duration::from_millis,
        )?;
        vars.read(&mut s.bcrypt_cost, "BCRYPT_COST", 4..=31)?;
        vars.read_seconds(&mut s.access_token_ttl, "ACCESS_TOKEN_TTL_SECONDS", 1..=DAY)?;
        let refresh = &mut s.refresh_token_ttl;
        vars.read_seconds(refresh, "REFRESH_TOKEN_TTL_SECONDS", 60..=365 * DAY)?;
        let grace = &mut s.refresh_reuse_grace;
        vars.read_seconds(grace, "REFRESH_REUSE_GRACE_SECONDS", 0..=300)?;
        let json = &mut s.json_body_limit;
        vars.read(json, "JSON_BODY_LIMIT_BYTES", 1024..=16 * 1024 * 1024)?;
        let compress = &mut s.compress_min_bytes;
        vars.read(compress, "COMPRESS_MIN_BYTES", 0..=1024 * 1024)?;
        vars.read_seconds(&mut s.shutdown_drain, "SHUTDOWN_DRAIN_SECONDS", 0..=300)?;
        vars.read_seconds(
            &mut s.shutdown_timeout,
            "SHUTDOWN_TIMEOUT_SECONDS",
            0..=3600,
        )?;
        s.workers = vars.optional_number("WORKERS", 1..=1024)?;
        s.sentry_dsn = var("SENTRY_DSN").map(SecretString::from);
        s.limits = LimitSettings::from_vars(vars)?;
        s.lifetimes = LifetimeSettings::from_vars(vars)?;
        s.mail = MailConfig::from_vars(vars)?;
        Ok(s)
    }
}

/// `DATABASE_SCHEMA`: a plain lower-case identifier, so it means the same quoted or not.
fn schema_name(raw: String) -> anyhow::Result<String> {
    let name = raw.trim();
    let plain = name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !plain {
        bail!(
            "DATABASE_SCHEMA: expected a schema name of lower-case letters, digits and '_' \
             (at most 63), got '{raw}'"
        );
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests;

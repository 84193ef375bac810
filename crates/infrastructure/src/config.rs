//! Typed configuration, read from environment variables. An invalid value fails at start-up
//! with the variable's name; secrets are wrapped so they never reach Debug output or logs.

use std::{net::SocketAddr, path::PathBuf, str::FromStr, time::Duration};

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};

pub use crate::config_limits::LimitSettings;
pub use crate::config_sessions::LifetimeSettings;
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

#[derive(Debug, Clone)]
pub struct Settings {
    pub app_env: AppEnv,
    pub bind_addr: SocketAddr,
    /// Holds the embedded database and, outside production, the generated keys.
    pub data_dir: PathBuf,
    pub database: DatabaseSettings,
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
    pub shutdown_timeout: Duration,
    pub workers: Option<usize>,
    pub log_format: LogFormat,
    pub limits: LimitSettings,
    pub lifetimes: LifetimeSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            app_env: AppEnv::Development,
            bind_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database: DatabaseSettings::Sqlite {
                path: PathBuf::from("./data/agora.db"),
            },
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
            shutdown_timeout: Duration::from_secs(30),
            workers: None,
            log_format: LogFormat::Pretty,
            limits: LimitSettings::default(),
            lifetimes: LifetimeSettings::default(),
        }
    }
}

impl Settings {
    /// Reads every variable listed in `.env.example`; unset ones take their defaults.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let defaults = Settings::default();
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let parsed = |name: &str| -> anyhow::Result<Option<u64>> { parse(name, var(name)) };
        let seconds = |name: &str, default: Duration| -> anyhow::Result<Duration> {
            Ok(parsed(name)?.map_or(default, Duration::from_secs))
        };

        let app_env = match var("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") | Some("test") => AppEnv::Development,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => bail!("APP_ENV: expected 'development' or 'production', got '{other}'"),
        };
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database = match var("DATABASE_URL") {
            None => DatabaseSettings::Sqlite {
                path: data_dir.join("agora.db"),
            },
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                DatabaseSettings::Postgres {
                    url: SecretString::from(url),
                    schema: var("DATABASE_SCHEMA"),
                    max_connections: parse(
                        "DATABASE_MAX_CONNECTIONS",
                        var("DATABASE_MAX_CONNECTIONS"),
                    )?
                    .unwrap_or(10),
                }
            }
            Some(url) if url.starts_with("sqlite://") => DatabaseSettings::Sqlite {
                path: PathBuf::from(url.trim_start_matches("sqlite://")),
            },
            Some(_) => bail!("DATABASE_URL: expected a postgres:// or sqlite:// URL"),
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
        let bcrypt_cost = parse("BCRYPT_COST", var("BCRYPT_COST"))?.unwrap_or(defaults.bcrypt_cost);
        if !(4..=31).contains(&bcrypt_cost) {
            bail!("BCRYPT_COST: must be between 4 and 31, got {bcrypt_cost}");
        }
        let log_format = match var("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("LOG_FORMAT: expected 'pretty' or 'json', got '{other}'"),
        };
        let access_token_ttl = seconds("ACCESS_TOKEN_TTL_SECONDS", defaults.access_token_ttl)?;
        if access_token_ttl.is_zero() {
            bail!("ACCESS_TOKEN_TTL_SECONDS: must be positive");
        }
        Ok(Self {
            app_env,
            bind_addr: parse("BIND_ADDR", var("BIND_ADDR"))?.unwrap_or(defaults.bind_addr),
            data_dir,
            database,
            sessions,
            jwt_secret,
            data_key,
            data_keys_previous,
            blind_index_key,
            bcrypt_cost,
            access_token_ttl,
            refresh_token_ttl: seconds("REFRESH_TOKEN_TTL_SECONDS", defaults.refresh_token_ttl)?,
            refresh_reuse_grace: seconds(
                "REFRESH_REUSE_GRACE_SECONDS",
                defaults.refresh_reuse_grace,
            )?,
            json_body_limit: parse("JSON_BODY_LIMIT_BYTES", var("JSON_BODY_LIMIT_BYTES"))?
                .unwrap_or(defaults.json_body_limit),
            shutdown_timeout: seconds("SHUTDOWN_TIMEOUT_SECONDS", defaults.shutdown_timeout)?,
            workers: parse("WORKERS", var("WORKERS"))?,
            log_format,
            limits: LimitSettings::from_lookup(var)?,
            lifetimes: LifetimeSettings::from_lookup(var)?,
        })
    }
}

fn parse<T>(name: &str, raw: Option<String>) -> anyhow::Result<Option<T>>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    raw.map(|raw| {
        raw.trim()
            .parse::<T>()
            .with_context(|| format!("{name}: cannot read '{raw}'"))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// 32 bytes of 0x01, base64.
    const KEY: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

    fn load(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_to_the_embedded_setup() {
        let settings = load(&[]).expect("defaults load");
        assert!(matches!(settings.database, DatabaseSettings::Sqlite { .. }));
        assert!(matches!(settings.sessions, SessionStoreSettings::Memory));
        assert_eq!(settings.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.bcrypt_cost, 12);
        assert_eq!(settings.refresh_reuse_grace, Duration::from_secs(10));
    }

    #[test]
    fn invalid_values_name_their_variable() {
        for (vars, name) in [
            (vec![("BIND_ADDR", "nope")], "BIND_ADDR"),
            (vec![("BCRYPT_COST", "99")], "BCRYPT_COST"),
            (vec![("BCRYPT_COST", "x")], "BCRYPT_COST"),
            (vec![("JWT_SECRET", "short")], "JWT_SECRET"),
            (vec![("APP_ENV", "production")], "JWT_SECRET"),
            (
                vec![("APP_ENV", "production"), ("JWT_SECRET", &"s".repeat(40))],
                "DATA_KEY",
            ),
            (
                vec![
                    ("APP_ENV", "production"),
                    ("JWT_SECRET", &"s".repeat(40)),
                    ("DATA_KEY", KEY),
                ],
                "BLIND_INDEX_KEY",
            ),
            (vec![("DATA_KEY", "not-a-key")], "DATA_KEY"),
            (
                vec![("DATA_KEYS_PREVIOUS", &format!("{KEY},nope"))],
                "DATA_KEYS_PREVIOUS",
            ),
            (vec![("BLIND_INDEX_KEY", "short")], "BLIND_INDEX_KEY"),
            (vec![("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (vec![("REDIS_URL", "http://x")], "REDIS_URL"),
            (vec![("LOG_FORMAT", "xml")], "LOG_FORMAT"),
            (
                vec![("REFRESH_REUSE_GRACE_SECONDS", "-1")],
                "REFRESH_REUSE_GRACE_SECONDS",
            ),
        ] {
            let err = load(&vars).expect_err("must fail");
            assert!(
                format!("{err:#}").contains(name),
                "{err:#} should name {name}"
            );
        }
    }

    #[test]
    fn reads_a_keyring() {
        let other = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
        let settings = load(&[
            ("DATA_KEY", KEY),
            ("DATA_KEYS_PREVIOUS", &format!(" {other} , {KEY} ")),
            ("BLIND_INDEX_KEY", other),
        ])
        .expect("loads");
        assert!(settings.data_key.is_some() && settings.blind_index_key.is_some());
        assert_eq!(settings.data_keys_previous.len(), 2);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let settings = load(&[
            ("DATA_KEY", KEY),
            ("JWT_SECRET", "a-very-secret-value-that-is-long-enough"),
            ("DATABASE_URL", "postgres://agora:hunter2@localhost/agora"),
        ])
        .expect("loads");
        let shown = format!("{settings:?}");
        assert!(!shown.contains("a-very-secret-value"));
        assert!(!shown.contains("hunter2"));
        assert!(!shown.contains(KEY));
    }
}

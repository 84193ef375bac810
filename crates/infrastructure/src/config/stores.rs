//! Where the data lives: the database (SQLite file or PostgreSQL, an optional read replica)
//! and the session store (memory or Redis).

use std::path::PathBuf;

use anyhow::bail;
use secrecy::SecretString;

use super::vars::Vars;

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

/// `DATA_DIR`: holds the embedded database and, outside production, the generated keys.
pub(super) fn data_dir(vars: &Vars) -> anyhow::Result<PathBuf> {
    Ok(PathBuf::from(
        vars.text("DATA_DIR").unwrap_or_else(|| "./data".into()),
    ))
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `DATABASE_URL` (unset: the SQLite file in `DATA_DIR`), `DATABASE_SCHEMA`,
/// `DATABASE_MAX_CONNECTIONS`.
pub(super) fn database(vars: &Vars) -> anyhow::Result<DatabaseSettings> {
    // Read whatever the database: a bad value is refused even where it would be unused.
    let max_connections = vars.number("DATABASE_MAX_CONNECTIONS", 10, 1..=1000)?;
    Ok(match vars.text("DATABASE_URL") {
        None => DatabaseSettings::Sqlite {
            path: data_dir(vars)?.join("agora.db"),
        },
        Some(url) if is_postgres(&url) => DatabaseSettings::Postgres {
            url: SecretString::from(url),
            schema: vars.text("DATABASE_SCHEMA").map(schema_name).transpose()?,
            max_connections,
        },
        Some(url) if url.starts_with("sqlite://") => DatabaseSettings::Sqlite {
            path: PathBuf::from(url.trim_start_matches("sqlite://")),
        },
        Some(_) => bail!("DATABASE_URL: expected a postgres:// or sqlite:// URL"),
    })
}

/// `DATABASE_READ_URL`: a PostgreSQL replica, only beside a PostgreSQL `DATABASE_URL`.
pub(super) fn database_read_url(vars: &Vars) -> anyhow::Result<Option<SecretString>> {
    let primary_is_postgres = vars
        .text("DATABASE_URL")
        .is_some_and(|url| is_postgres(&url));
    match vars.text("DATABASE_READ_URL") {
        None => Ok(None),
        Some(url) if primary_is_postgres && is_postgres(&url) => Ok(Some(SecretString::from(url))),
        Some(_) => {
            bail!("DATABASE_READ_URL: expected a postgres:// URL, with DATABASE_URL on PostgreSQL")
        }
    }
}

/// `REDIS_URL` (unset: memory) and `REDIS_KEY_PREFIX`.
pub(super) fn sessions(vars: &Vars) -> anyhow::Result<SessionStoreSettings> {
    Ok(match vars.text("REDIS_URL") {
        None => SessionStoreSettings::Memory,
        Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => {
            SessionStoreSettings::Redis {
                url: SecretString::from(url),
                key_prefix: vars
                    .text("REDIS_KEY_PREFIX")
                    .unwrap_or_else(|| "agora".into()),
            }
        }
        Some(_) => bail!("REDIS_URL: expected a redis:// or rediss:// URL"),
    })
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

//! `.env` in the working directory, read at start in development: each variable it sets is used
//! unless the environment already sets it. Never read when `APP_ENV` is `production` (from the
//! environment or from the file itself): production takes its settings from the environment.

use std::path::Path;

use anyhow::Context;

/// What became of `.env`, logged once the subscriber is up.
#[derive(Debug, PartialEq, Eq)]
pub enum EnvFile {
    Absent,
    Read { set: usize, already_set: usize },
    IgnoredInProduction,
}

impl EnvFile {
    pub fn log(&self) {
        match self {
            EnvFile::Absent => {}
            EnvFile::Read { set, already_set } => tracing::info!(
                set,
                already_set,
                "read .env (development): variables already in the environment win"
            ),
            EnvFile::IgnoredInProduction => {
                tracing::info!("APP_ENV=production: .env is not read")
            }
        }
    }
}

/// Reads `path` into the process environment, never overriding a variable already set.
/// Call before any other thread starts (it sets environment variables).
pub fn load(path: &Path) -> anyhow::Result<EnvFile> {
    if !path.is_file() {
        return Ok(EnvFile::Absent);
    }
    let entries = dotenvy::from_path_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let app_env = std::env::var("APP_ENV").ok().or_else(|| {
        entries
            .iter()
            .find(|(name, _)| name == "APP_ENV")
            .map(|(_, value)| value.clone())
    });
    if matches!(
        app_env.as_deref().map(str::trim),
        Some("production" | "prod")
    ) {
        return Ok(EnvFile::IgnoredInProduction);
    }
    let already_set = entries
        .iter()
        .filter(|(name, _)| std::env::var_os(name).is_some())
        .count();
    dotenvy::from_path(path).with_context(|| format!("{}: cannot read", path.display()))?;
    Ok(EnvFile::Read {
        set: entries.len() - already_set,
        already_set,
    })
}

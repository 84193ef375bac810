//! The secrets: the JWT secret and the data and blind-index keys, each required in
//! production and checked for its length or encoding at start.

use anyhow::bail;
use secrecy::{ExposeSecret, SecretString};

use super::vars::Vars;
use super::{AppEnv, MIN_JWT_SECRET_BYTES, app_env};
use crate::crypto::decode_key;

fn required_in_production(vars: &Vars, name: &str) -> anyhow::Result<Option<SecretString>> {
    let value = vars.text(name).map(SecretString::from);
    if value.is_none() && app_env(vars)? == AppEnv::Production {
        bail!("{name}: required when APP_ENV=production");
    }
    Ok(value)
}

/// `JWT_SECRET`: at least [`MIN_JWT_SECRET_BYTES`].
pub(super) fn jwt_secret(vars: &Vars) -> anyhow::Result<Option<SecretString>> {
    let secret = required_in_production(vars, "JWT_SECRET")?;
    if let Some(secret) = &secret
        && secret.expose_secret().len() < MIN_JWT_SECRET_BYTES
    {
        bail!("JWT_SECRET: must be at least {MIN_JWT_SECRET_BYTES} bytes");
    }
    Ok(secret)
}

/// A 32-byte key in base64 (`DATA_KEY`, `BLIND_INDEX_KEY`).
fn key(vars: &Vars, name: &str) -> anyhow::Result<Option<SecretString>> {
    let value = required_in_production(vars, name)?;
    if let Some(value) = &value {
        decode_key(name, value.expose_secret())?;
    }
    Ok(value)
}

pub(super) fn data_key(vars: &Vars) -> anyhow::Result<Option<SecretString>> {
    key(vars, "DATA_KEY")
}

pub(super) fn blind_index_key(vars: &Vars) -> anyhow::Result<Option<SecretString>> {
    key(vars, "BLIND_INDEX_KEY")
}

/// `DATA_KEYS_PREVIOUS`: comma-separated keys, each checked like `DATA_KEY`.
pub(super) fn data_keys_previous(vars: &Vars) -> anyhow::Result<Vec<SecretString>> {
    vars.text("DATA_KEYS_PREVIOUS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            decode_key("DATA_KEYS_PREVIOUS", k)?;
            Ok(SecretString::from(k.to_owned()))
        })
        .collect()
}

/// `SENTRY_DSN`.
pub(super) fn sentry_dsn(vars: &Vars) -> anyhow::Result<Option<SecretString>> {
    Ok(vars.text("SENTRY_DSN").map(SecretString::from))
}

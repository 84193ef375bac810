//! Where the data and blind-index keys come from: the configuration, or, outside production
//! when a key is not configured, a key generated once and kept in `DATA_DIR` (file mode 0600),
//! so restarting `cargo run` on the same SQLite file still reads it.

use std::{fs, io::Write, path::Path};

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};

use super::{BlindIndex, DataKeyring, EmailProtection, decode_key, generate_key};
use crate::{
    config::{AppEnv, Settings},
    private_files::create_private_dir,
};

pub const DATA_KEY_FILE: &str = "data-key";
pub const BLIND_INDEX_KEY_FILE: &str = "blind-index-key";

/// The email protection the configuration asks for, generating development keys if needed.
pub fn email_protection(settings: &Settings) -> anyhow::Result<EmailProtection> {
    let data_key = configured_or_kept(settings, "DATA_KEY", &settings.data_key, DATA_KEY_FILE)?;
    let index_key = configured_or_kept(
        settings,
        "BLIND_INDEX_KEY",
        &settings.blind_index_key,
        BLIND_INDEX_KEY_FILE,
    )?;
    let previous = settings
        .data_keys_previous
        .iter()
        .map(|k| decode_key("DATA_KEYS_PREVIOUS", k.expose_secret()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(EmailProtection::new(
        DataKeyring::new(&data_key, &previous),
        BlindIndex::new(&index_key),
    ))
}

fn configured_or_kept(
    settings: &Settings,
    variable: &str,
    configured: &Option<SecretString>,
    file: &str,
) -> anyhow::Result<[u8; 32]> {
    if let Some(key) = configured {
        return decode_key(variable, key.expose_secret());
    }
    if settings.app_env == AppEnv::Production {
        bail!("{variable}: required when APP_ENV=production");
    }
    let path = settings.data_dir.join(file);
    if path.exists() {
        let kept = fs::read_to_string(&path)
            .with_context(|| format!("{variable}: cannot read {}", path.display()))?;
        return decode_key(&format!("{variable} (kept in {})", path.display()), &kept);
    }
    let key = generate_key();
    keep(&path, &key).with_context(|| format!("{variable}: cannot write {}", path.display()))?;
    tracing::warn!(
        path = %path.display(),
        "{variable} is not set: generated one and kept it in DATA_DIR (development only). \
         Back it up with the data, and set {variable} in production."
    );
    decode_key(variable, key.expose_secret())
}

/// Writes a new key file readable by its owner only; never overwrites one.
fn keep(path: &Path, key: &SecretString) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    writeln!(file, "{}", key.expose_secret())?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Email;
    use uuid::Uuid;

    #[test]
    fn a_generated_key_is_kept_private_and_reused() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let settings = Settings {
            data_dir: dir.path().to_path_buf(),
            ..Settings::default()
        };
        let email = Email::parse("ada@example.com").expect("valid");
        let user = Uuid::now_v7();
        let first = email_protection(&settings).expect("generates");
        let sealed = first.seal(user, &email).expect("seals");
        let second = email_protection(&settings).expect("reuses");
        assert_eq!(second.open(user, &sealed).expect("opens"), email);
        assert_eq!(second.index(&email), first.index(&email));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = dir.path().join(DATA_KEY_FILE);
            let mode = fs::metadata(path).expect("kept").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn production_never_generates() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let settings = Settings {
            app_env: AppEnv::Production,
            data_dir: dir.path().to_path_buf(),
            ..Settings::default()
        };
        let err = email_protection(&settings).err().expect("refused");
        assert!(err.to_string().contains("DATA_KEY"));
        assert!(!dir.path().join(DATA_KEY_FILE).exists());
    }
}

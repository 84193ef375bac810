//! Files and directories that hold secrets (the SQLite database, the development keys) are
//! created readable by their owner only: `DATA_DIR` 0700, files in it 0600.

use std::{fs, io, path::Path};

/// Creates `dir` (and missing parents) with mode 0700. An existing directory is left as it is,
/// with a warning when other users can enter it.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() {
        return Ok(());
    }
    if dir.is_dir() {
        warn_if_shared(dir);
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates `path` empty with mode 0600 unless it exists; an existing file is narrowed to 0600.
pub(crate) fn ensure_private_file(path: &Path) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => narrow(path),
        Err(e) => Err(e),
    }
}

/// Narrows an existing file to 0600 (files written by older versions were 0644).
pub(crate) fn narrow(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
            tracing::info!(path = %path.display(), "narrowed to mode 0600 (owner only)");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn warn_if_shared(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(dir)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %dir.display(),
                mode = format!("{:o}", meta.permissions().mode() & 0o777),
                "DATA_DIR is open to other users: `chmod 700` it (its files are owner-only)"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).expect("exists").permissions().mode() & 0o777
    }

    #[test]
    fn new_directories_and_files_are_owner_only_and_old_files_are_narrowed() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("a/b");
        create_private_dir(&dir).expect("created");
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&root.path().join("a")), 0o700);
        let file = dir.join("new.db");
        ensure_private_file(&file).expect("created");
        assert_eq!(mode(&file), 0o600);
        let old = dir.join("old.db");
        fs::write(&old, b"data").expect("written");
        fs::set_permissions(&old, fs::Permissions::from_mode(0o644)).expect("chmod");
        ensure_private_file(&old).expect("narrowed");
        assert_eq!(mode(&old), 0o600);
        assert_eq!(fs::read(&old).expect("kept"), b"data");
    }
}

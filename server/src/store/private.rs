//! The data directory and every file in it are the console's OS user's alone, whatever the
//! umask: they hold sessions, sealed tokens, the audit record and (on the embedded default) the
//! sealing key.

use std::io::Write as _;
use std::path::Path;

/// Why the data directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DirError {
    #[error("cannot create {path}: {source}")]
    Create {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read the permissions of {path}: {source}")]
    Inspect {
        path: String,
        source: std::io::Error,
    },
    /// Group or other users have access to it.
    #[error(
        "{path} can be read by other users (mode {mode:o}); it holds the console's sessions and \
         tokens: make it the console user's alone (chmod 700 {path})"
    )]
    Shared { path: String, mode: u32 },
}

/// Creates `dir` owner-only if it is missing; refuses an existing one that others can open.
pub fn prepare_dir(dir: &Path) -> Result<(), DirError> {
    let path = dir.display().to_string();
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| DirError::Create {
        path: path.clone(),
        source,
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)
            .map_err(|source| DirError::Inspect {
                path: path.clone(),
                source,
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(DirError::Shared {
                path,
                mode: mode & 0o777,
            });
        }
    }
    Ok(())
}

/// Creates `path` (owner-only) with `contents`; fails if it exists.
pub fn create_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Makes `path` owner-only if it exists (a file created by an older version, or by SQLite
/// before the console could say otherwise).
pub fn restrict_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(path) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Creates an empty owner-only file at `path` unless it exists, so that SQLite (which copies
/// the database file's mode to its `-wal` and `-shm` files) never creates it with the umask's.
pub fn ensure_private_file(path: &Path) -> std::io::Result<()> {
    match create_file(path, b"") {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => restrict_file(path),
        Err(e) => Err(e),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_default()
    }

    #[test]
    fn a_new_directory_is_owner_only_and_a_shared_one_is_refused() {
        let Ok(root) = tempfile::tempdir() else {
            return;
        };
        let dir = root.path().join("data");
        prepare_dir(&dir).expect("created");
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let error = prepare_dir(&dir).expect_err("refused").to_string();
        assert!(error.contains("can be read by other users"), "{error}");
        assert!(error.contains("chmod 700"), "{error}");
    }

    #[test]
    fn files_are_created_and_made_owner_only() {
        let Ok(root) = tempfile::tempdir() else {
            return;
        };
        let file = root.path().join("db");
        ensure_private_file(&file).expect("created");
        assert_eq!(mode(&file), 0o600);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        ensure_private_file(&file).expect("restricted");
        assert_eq!(mode(&file), 0o600);
    }
}

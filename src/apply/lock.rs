//! The per-environment lock: a file lock beside the config, so two applies never race on one env.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Held for the life of an apply or destroy; the OS releases it if the process dies.
#[derive(Debug)]
pub struct EnvLock {
    _file: File,
    pub path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another stagecraft apply or destroy is running on environment `{env}` (lock {}{holder}); wait for it to finish, then run again", path.display())]
    Held {
        env: String,
        path: PathBuf,
        holder: String,
    },
    #[error("cannot create the lock file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl EnvLock {
    /// Takes the lock of `env` in `.stagecraft/` beside the config, or fails at once if it is held.
    pub fn acquire(config_dir: &Path, env: &str) -> Result<EnvLock, LockError> {
        let dir = config_dir.join(".stagecraft");
        let path = dir.join(format!("{env}.lock"));
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = if holder.is_empty() {
                    String::new()
                } else {
                    format!(", held by pid {holder}")
                };
                return Err(LockError::Held {
                    env: env.to_string(),
                    path,
                    holder,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "{}", std::process::id());
        Ok(EnvLock { _file: file, path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_env_fails_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let first = EnvLock::acquire(dir.path(), "staging").unwrap();
        let err = EnvLock::acquire(dir.path(), "staging").unwrap_err();
        assert!(
            err.to_string().contains("another stagecraft apply"),
            "{err}"
        );
        assert!(
            err.to_string().contains(&std::process::id().to_string()),
            "{err}"
        );
        EnvLock::acquire(dir.path(), "production").unwrap();
        drop(first);
        EnvLock::acquire(dir.path(), "staging").unwrap();
    }
}

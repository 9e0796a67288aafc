//! Shared SSH connections (OpenSSH's ControlMaster): the first command to a host leaves its connection open
//! for `control_persist`, and later runs send their commands over it, skipping the TCP and key exchange.

use std::ffi::OsString;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::target::Destination;

/// Default `exec.control_persist`, as Ansible uses.
pub const DEFAULT_PERSIST: Duration = Duration::from_secs(60);
/// The kernel's limit for a socket path is 108 bytes; ssh first binds `PATH.` plus 16 random characters
/// and renames, so a path longer than this cannot work.
const MAX_SOCKET_PATH: usize = 108 - 18;

/// Where the sockets live and how long an idle shared connection stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mux {
    /// A directory only we can enter: whoever can reach a socket can run commands as us on the host.
    pub dir: PathBuf,
    /// Zero: no sharing at all.
    pub persist: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum MuxError {
    #[error("cannot create the runtime directory {} for shared SSH connections", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "refusing to keep shared SSH connections in {}: {reason}; remove it or set STAGECRAFT_RUNTIME_DIR to a private directory",
        path.display()
    )]
    Unsafe { path: PathBuf, reason: String },
}

/// The runtime directory: `STAGECRAFT_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/stagecraft` (a per-user tmpfs on
/// most Linux desktops and servers), else `/tmp/stagecraft-UID`.
pub fn runtime_dir(explicit: Option<&str>, xdg_runtime: Option<&str>) -> PathBuf {
    if let Some(dir) = explicit.filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(xdg) = xdg_runtime.filter(|d| Path::new(d).is_dir()) {
        return Path::new(xdg).join("stagecraft");
    }
    std::env::temp_dir().join(format!("stagecraft-{}", own_uid()))
}

/// Our user id: `/proc/self` belongs to the effective user of the process reading it.
fn own_uid() -> u32 {
    std::fs::metadata("/proc/self").map_or(0, |m| m.uid())
}

impl Mux {
    pub fn enabled(&self) -> bool {
        !self.persist.is_zero()
    }

    /// Creates the directory (mode 0700) or checks that an existing one is ours and private, so no other
    /// user can plant or reach a socket in it.
    pub fn prepare(&self) -> Result<(), MuxError> {
        if !self.enabled() {
            return Ok(());
        }
        let path = &self.dir;
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(path)
                .map_err(|source| MuxError::Create {
                    path: path.clone(),
                    source,
                }),
            Err(source) => Err(MuxError::Create {
                path: path.clone(),
                source,
            }),
            Ok(meta) => {
                let unsafe_because = |reason: String| MuxError::Unsafe {
                    path: path.clone(),
                    reason,
                };
                if !meta.is_dir() {
                    return Err(unsafe_because("it is not a directory".into()));
                }
                if meta.uid() != own_uid() {
                    return Err(unsafe_because(format!("it belongs to user {}", meta.uid())));
                }
                if meta.permissions().mode() & 0o077 != 0 {
                    return Err(unsafe_because(format!(
                        "others may enter it (mode {:o})",
                        meta.permissions().mode() & 0o777
                    )));
                }
                Ok(())
            }
        }
    }

    /// The socket of `dest`'s shared connection, or None when sharing is off or the path would be too
    /// long. Named by droplet id plus a hash of everything that shapes the connection (address, port, user,
    /// key, extra options), so a changed setting never reuses a connection made with the old one.
    pub fn socket(&self, dest: &Destination, extra_options: &[String]) -> Option<PathBuf> {
        if !self.enabled() {
            return None;
        }
        let mut hash = Sha256::new();
        for part in [
            dest.address.as_str(),
            &dest.ssh.port.to_string(),
            &dest.ssh.user,
            &dest
                .ssh
                .identity_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        ]
        .into_iter()
        .chain(extra_options.iter().map(String::as_str))
        {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        let digest = hash.finalize();
        let short: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let path = self.dir.join(format!("{}-{short}", dest.droplet_id));
        (path.as_os_str().len() <= MAX_SOCKET_PATH).then_some(path)
    }

    /// The `-o` options for one ssh run. Without a socket, sharing is switched off outright, so a
    /// `ControlMaster` in the user's own ssh config cannot put our connection under its own settings.
    pub fn options(&self, socket: Option<&Path>) -> Vec<OsString> {
        let Some(socket) = socket else {
            return ["-o", "ControlMaster=no", "-o", "ControlPath=none"]
                .map(OsString::from)
                .into();
        };
        // ssh expands `%` tokens in ControlPath; a literal one is written twice.
        let mut path = OsString::from("ControlPath=");
        path.push(socket.display().to_string().replace('%', "%%"));
        let seconds = self.persist.as_secs() + u64::from(self.persist.subsec_nanos() > 0);
        vec![
            "-o".into(),
            "ControlMaster=auto".into(),
            "-o".into(),
            path,
            "-o".into(),
            format!("ControlPersist={seconds}s").into(),
        ]
    }
}

/// Removes the socket of a shared connection whose process is gone (killed, or the machine slept), so
/// this run starts a new one instead of failing on it. A live or absent socket is left alone.
pub fn clear_stale(socket: &Path) -> bool {
    let is_socket = std::fs::symlink_metadata(socket).is_ok_and(|m| m.file_type().is_socket());
    if !is_socket {
        return false;
    }
    match std::os::unix::net::UnixStream::connect(socket) {
        Ok(_) => false,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            std::fs::remove_file(socket).is_ok()
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SshTarget;

    fn dest(port: u16) -> Destination {
        Destination {
            name: "app-1".into(),
            droplet_name: "staging-app-1".into(),
            droplet_id: 4001,
            address: "203.0.113.7".into(),
            ssh: SshTarget {
                user: "root".into(),
                port,
                identity_file: None,
            },
        }
    }

    fn mux(dir: &str, secs: u64) -> Mux {
        Mux {
            dir: dir.into(),
            persist: Duration::from_secs(secs),
        }
    }

    #[test]
    fn one_socket_per_droplet_and_connection_settings() {
        let m = mux("/run/user/1000/stagecraft", 60);
        let a = m.socket(&dest(22), &[]).unwrap();
        assert!(
            a.display()
                .to_string()
                .starts_with("/run/user/1000/stagecraft/4001-")
        );
        assert_eq!(a, m.socket(&dest(22), &[]).unwrap(), "stable");
        assert_ne!(a, m.socket(&dest(2222), &[]).unwrap(), "another port");
        assert_ne!(
            a,
            m.socket(&dest(22), &["ProxyJump=bastion".into()]).unwrap()
        );
        assert_eq!(mux("/x", 0).socket(&dest(22), &[]), None, "sharing off");
        assert_eq!(mux(&"d".repeat(100), 60).socket(&dest(22), &[]), None);
    }

    #[test]
    fn options_turn_sharing_on_or_firmly_off() {
        let m = mux("/r/100%", 60);
        let socket = m.socket(&dest(22), &[]).unwrap();
        let on: Vec<String> = m
            .options(Some(&socket))
            .into_iter()
            .map(|o| o.into_string().unwrap())
            .collect();
        assert_eq!(on[1], "ControlMaster=auto");
        assert!(on[3].starts_with("ControlPath=/r/100%%/4001-"), "{on:?}");
        assert_eq!(on[5], "ControlPersist=60s");
        let off: Vec<String> = m
            .options(None)
            .into_iter()
            .map(|o| o.into_string().unwrap())
            .collect();
        assert_eq!(off.join(" "), "-o ControlMaster=no -o ControlPath=none");
    }

    #[test]
    fn runtime_dir_prefers_the_explicit_then_xdg() {
        assert_eq!(runtime_dir(Some("/x"), Some("/tmp")), PathBuf::from("/x"));
        assert_eq!(
            runtime_dir(None, Some("/tmp")),
            PathBuf::from("/tmp/stagecraft")
        );
        assert!(
            runtime_dir(None, Some("/no/such/dir"))
                .display()
                .to_string()
                .contains("stagecraft-")
        );
    }

    #[test]
    fn prepare_makes_a_private_directory_and_refuses_an_open_one() {
        let tmp = tempfile::tempdir().unwrap();
        let m = Mux {
            dir: tmp.path().join("a/b"),
            persist: DEFAULT_PERSIST,
        };
        m.prepare().unwrap();
        let mode = std::fs::metadata(&m.dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        m.prepare().unwrap();
        std::fs::set_permissions(&m.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = m.prepare().unwrap_err().to_string();
        assert!(err.contains("others may enter it (mode 755)"), "{err}");
    }

    #[test]
    fn a_stale_socket_is_removed_and_a_live_one_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        assert!(!clear_stale(&path), "a listening socket is alive");
        drop(listener);
        assert!(clear_stale(&path), "nobody listens any more");
        assert!(!path.exists());
        assert!(!clear_stale(&path), "absent");
    }
}

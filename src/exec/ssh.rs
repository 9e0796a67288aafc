//! One run of the system OpenSSH client against one destination, and what its exit and stderr mean.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::target::Destination;
use crate::output::exec::{ExecOut, Stream};

/// ssh's own exit status for its errors (connection, authentication, host key).
pub const SSH_ERROR: i32 = 255;

/// What ssh prints when the host key no longer matches the one on file.
const KEY_CHANGED: &str = "REMOTE HOST IDENTIFICATION HAS CHANGED";

/// How the ssh client is invoked; the same for every host of a run.
#[derive(Debug, Clone)]
pub struct Ssh {
    pub program: PathBuf,
    /// stagecraft's own known_hosts, so trust decisions never touch `~/.ssh/known_hosts`.
    pub known_hosts: PathBuf,
    /// `--ssh-option` values, passed as `-o` after stagecraft's own: ssh keeps the first value it sees for
    /// an option, so these add settings (ProxyJump, KexAlgorithms...) but cannot weaken host key checking.
    pub extra_options: Vec<String>,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// ssh exited with this status (the remote command's, or 255 for ssh's own errors); a signal `n` is 128+n.
    Exited(i32),
    /// The port refused the connection; ssh's message is held back in case a retry makes it moot.
    Refused { message: Vec<u8> },
    /// ssh refused to connect because the host key changed.
    HostKeyChanged,
}

/// Whether the remote command reads our stdin and how its output reaches us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One host: stdin and stdout pass straight through, stderr is relayed as it comes.
    Single,
    /// Fan-out: no stdin, and every line is prefixed with the host.
    Prefixed,
}

/// Looks `ssh` up on `path` (a `PATH` value), as the shell would.
pub fn find_ssh(path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|dir| dir.join("ssh"))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

impl Ssh {
    /// The arguments for one attempt. Our `-o` options come before the user's `~/.ssh/config` is read, and
    /// for ssh the first value obtained wins, so these cannot be overridden by accident.
    pub fn args(
        &self,
        dest: &Destination,
        remote_command: &str,
        connect_timeout: Duration,
        mode: Mode,
    ) -> Vec<OsString> {
        let mut known_hosts = OsString::from("UserKnownHostsFile=");
        known_hosts.push(&self.known_hosts);
        let timeout = connect_timeout.as_secs_f64().ceil().max(1.0) as u64;
        let mut args: Vec<OsString> = vec![
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            known_hosts,
            "-o".into(),
            "StrictHostKeyChecking=accept-new".into(),
            "-o".into(),
            format!("HostKeyAlias={}", dest.host_key_alias()).into(),
            // Without this, ssh would also file the key under the address, which droplets share over time.
            "-o".into(),
            "CheckHostIP=no".into(),
            "-o".into(),
            "GlobalKnownHostsFile=/dev/null".into(),
            "-o".into(),
            format!("ConnectTimeout={timeout}").into(),
            // Hides "Permanently added ... to the list of known hosts" on every first contact.
            "-o".into(),
            "LogLevel=ERROR".into(),
        ];
        for option in &self.extra_options {
            args.extend(["-o".into(), option.into()]);
        }
        args.extend([
            "-p".into(),
            dest.ssh.port.to_string().into(),
            "-l".into(),
            dest.ssh.user.clone().into(),
        ]);
        if let Some(identity) = &dest.ssh.identity_file {
            args.extend(["-i".into(), identity.into()]);
            args.extend(["-o".into(), "IdentitiesOnly=yes".into()]);
        }
        if mode == Mode::Prefixed {
            args.push("-n".into());
        }
        args.extend([
            "--".into(),
            dest.address.clone().into(),
            remote_command.into(),
        ]);
        args
    }

    /// Runs ssh once and waits for it.
    pub fn attempt(
        &self,
        dest: &Destination,
        remote_command: &str,
        connect_timeout: Duration,
        mode: Mode,
        out: &ExecOut,
    ) -> std::io::Result<Ended> {
        let mut child = Command::new(&self.program)
            .args(self.args(dest, remote_command, connect_timeout, mode))
            .stdin(match mode {
                Mode::Single => Stdio::inherit(),
                Mode::Prefixed => Stdio::null(),
            })
            .stdout(match mode {
                Mode::Single => Stdio::inherit(),
                Mode::Prefixed => Stdio::piped(),
            })
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let stdout = child.stdout.take();
        let relayed = std::thread::scope(|scope| {
            let errors = scope.spawn(|| relay_stderr(stderr, &dest.name, mode, out));
            if let Some(stdout) = stdout {
                relay_lines(stdout, |line| out.line(&dest.name, Stream::Stdout, line));
            }
            errors.join().unwrap_or_default()
        });
        let status = child.wait()?;
        let code = status.code().unwrap_or_else(|| {
            use std::os::unix::process::ExitStatusExt;
            128 + status.signal().unwrap_or(0)
        });
        Ok(match (code, relayed) {
            (
                SSH_ERROR,
                Relayed {
                    key_changed: true, ..
                },
            ) => Ended::HostKeyChanged,
            (SSH_ERROR, Relayed { refused, .. }) if !refused.is_empty() => {
                Ended::Refused { message: refused }
            }
            (code, Relayed { refused, .. }) => {
                // A held line that turned out not to be a refusal of this run: show it after all.
                show_stderr(&refused, &dest.name, mode, out);
                Ended::Exited(code)
            }
        })
    }
}

/// What the stderr relay noticed.
#[derive(Debug, Default)]
struct Relayed {
    /// ssh's "Connection refused" lines, held back rather than shown.
    refused: Vec<u8>,
    key_changed: bool,
}

fn is_refusal(line: &[u8]) -> bool {
    let line = line.trim_ascii_end();
    line.starts_with(b"ssh: connect to host ") && line.ends_with(b": Connection refused")
}

/// Relays stderr, holding back ssh's connection-refused line and watching for a changed host key.
/// In single mode partial lines are relayed at once (a remote prompt may not end in a newline); only a
/// partial line that could still become the refusal line waits for the rest.
fn relay_stderr(stderr: impl Read, host: &str, mode: Mode, out: &ExecOut) -> Relayed {
    let mut seen = Relayed::default();
    let mut on_line = |line: &[u8]| {
        if is_refusal(line) {
            seen.refused.extend_from_slice(line);
            return;
        }
        if line
            .windows(KEY_CHANGED.len())
            .any(|w| w == KEY_CHANGED.as_bytes())
        {
            seen.key_changed = true;
        }
        show_stderr(line, host, mode, out);
    };
    match mode {
        Mode::Prefixed => relay_lines(stderr, |line| {
            let mut whole = line.to_vec();
            whole.push(b'\n');
            on_line(&whole);
        }),
        Mode::Single => {
            let mut reader = stderr;
            let mut pending: Vec<u8> = Vec::new();
            // Set once part of the current line has been shown: the rest of it goes straight through.
            let mut mid_line = false;
            let mut chunk = [0u8; 8192];
            loop {
                let n = match reader.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                pending.extend_from_slice(&chunk[..n]);
                while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    if mid_line {
                        out.stderr_raw(&line);
                        mid_line = false;
                    } else {
                        on_line(&line);
                    }
                }
                const PREFIX: &[u8] = b"ssh: connect to host ";
                let could_be_refusal =
                    !mid_line && (PREFIX.starts_with(&pending) || pending.starts_with(PREFIX));
                if !pending.is_empty() && !could_be_refusal {
                    out.stderr_raw(&pending);
                    pending.clear();
                    mid_line = true;
                }
            }
            if !pending.is_empty() {
                on_line(&pending);
            }
        }
    }
    seen
}

fn show_stderr(bytes: &[u8], host: &str, mode: Mode, out: &ExecOut) {
    if bytes.is_empty() {
        return;
    }
    match mode {
        Mode::Single => out.stderr_raw(bytes),
        Mode::Prefixed => {
            for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                out.line(
                    host,
                    Stream::Stderr,
                    line.strip_suffix(b"\r").unwrap_or(line),
                );
            }
        }
    }
}

/// Calls `on_line` with each line of `input` (without its newline); a last line without one counts too.
fn relay_lines(input: impl Read, mut on_line: impl FnMut(&[u8])) {
    let mut reader = BufReader::new(input);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = line.strip_suffix(b"\n").unwrap_or(&line);
                on_line(text.strip_suffix(b"\r").unwrap_or(text));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SshTarget;

    fn dest(identity: Option<&str>) -> Destination {
        Destination {
            name: "app-1".into(),
            droplet_name: "staging-app-1".into(),
            droplet_id: 42,
            address: "203.0.113.7".into(),
            ssh: SshTarget {
                user: "deploy".into(),
                port: 2222,
                identity_file: identity.map(PathBuf::from),
            },
        }
    }

    #[test]
    fn builds_a_batch_mode_command_with_our_known_hosts() {
        let ssh = Ssh {
            program: "ssh".into(),
            known_hosts: "/data/known_hosts".into(),
            extra_options: vec!["ProxyJump=bastion".into()],
        };
        let args: Vec<String> = ssh
            .args(
                &dest(Some("/keys/id")),
                "echo 'a b'",
                Duration::from_millis(2500),
                Mode::Prefixed,
            )
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect();
        assert_eq!(
            args.join(" "),
            "-o BatchMode=yes -o UserKnownHostsFile=/data/known_hosts -o StrictHostKeyChecking=accept-new \
             -o HostKeyAlias=stagecraft-droplet-42 -o CheckHostIP=no -o GlobalKnownHostsFile=/dev/null \
             -o ConnectTimeout=3 -o LogLevel=ERROR -o ProxyJump=bastion -p 2222 -l deploy -i /keys/id -o IdentitiesOnly=yes -n \
             -- 203.0.113.7 echo 'a b'"
        );
        // The remote command is one argument: ssh must not split or re-join it.
        assert_eq!(args.last().unwrap(), "echo 'a b'");
    }

    #[test]
    fn single_mode_keeps_stdin_and_has_no_identity_by_default() {
        let ssh = Ssh {
            program: "ssh".into(),
            known_hosts: "/k".into(),
            extra_options: vec![],
        };
        let args: Vec<String> = ssh
            .args(&dest(None), "true", Duration::ZERO, Mode::Single)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect();
        assert!(!args.contains(&"-n".to_string()));
        assert!(!args.contains(&"-i".to_string()));
        assert!(args.contains(&"ConnectTimeout=1".to_string()));
    }

    #[test]
    fn recognises_ssh_refusal_lines_only() {
        assert!(is_refusal(
            b"ssh: connect to host 127.0.0.1 port 2222: Connection refused\r\n"
        ));
        assert!(!is_refusal(
            b"ssh: connect to host 10.0.0.1 port 22: Connection timed out\n"
        ));
        assert!(!is_refusal(b"curl: (7) Connection refused\n"));
    }

    #[test]
    fn finds_ssh_on_path_only() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(find_ssh(Some(dir.path().as_os_str())), None);
        assert_eq!(find_ssh(None), None);
        let fake = dir.path().join("ssh");
        std::fs::write(&fake, "#!/bin/sh\n").unwrap();
        assert_eq!(
            find_ssh(Some(dir.path().as_os_str())),
            None,
            "not executable"
        );
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(find_ssh(Some(dir.path().as_os_str())), Some(fake));
    }
}

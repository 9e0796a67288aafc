//! One run of the system OpenSSH client against one destination, and what its exit and stderr mean.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::mux::{self, Mux};
use super::relay::{Relayed, relay_lines, relay_stderr, show_stderr};
use super::target::Destination;
use crate::output::exec::{ExecOut, Stream};

/// ssh's own exit status for its errors (connection, authentication, host key).
pub const SSH_ERROR: i32 = 255;

/// How the ssh client is invoked; the same for every host of a run.
#[derive(Debug, Clone)]
pub struct Ssh {
    pub program: PathBuf,
    /// stagecraft's own known_hosts, so trust decisions never touch `~/.ssh/known_hosts`.
    pub known_hosts: PathBuf,
    /// `--ssh-option` values, passed as `-o` after stagecraft's own: ssh keeps the first value it sees for
    /// an option, so these add settings (ProxyJump, KexAlgorithms...) but cannot weaken host key checking.
    pub extra_options: Vec<String>,
    /// Connection sharing between runs.
    pub mux: Mux,
    /// Variables kept out of ssh's environment: the API token's (`token_env`). ssh could forward it
    /// (`SendEnv`), and a shared connection's master outlives stagecraft by `control_persist`.
    pub hidden_env: Vec<String>,
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
    /// `--container`: docker or the container is missing; the wrapper's complaint, without its marker.
    Container(String),
}

/// Whether the remote command reads our stdin and how its output reaches us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One host: stdin and stdout pass straight through, stderr is relayed as it comes.
    Single,
    /// Fan-out: no stdin, and every line is prefixed with the host.
    Prefixed,
    /// `stagecraft ssh`: a login with a terminal (`-t`); the user may be asked for a key passphrase.
    Interactive,
}

/// What one ssh run is for.
#[derive(Debug, Clone)]
pub struct Job {
    /// The remote command line (already quoted); empty for a login shell.
    pub remote: String,
    pub mode: Mode,
    /// The container the command runs in, through the wrapper whose complaints are read (see `container.rs`).
    pub container: Option<String>,
    /// `stagecraft ssh -- ARGS`: more ssh options, placed after stagecraft's own.
    pub ssh_args: Vec<String>,
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

/// How every ssh run of stagecraft checks host keys, as `(option, value)`; `inventory` hands the same to
/// Ansible and ssh_config, so they trust exactly the keys `exec` pinned. On the command line they come
/// before the user's `~/.ssh/config` is read, and for ssh the first value obtained wins.
pub fn trust_options(known_hosts: &Path, host_key_alias: &str) -> Vec<(&'static str, String)> {
    vec![
        ("UserKnownHostsFile", known_hosts.display().to_string()),
        ("StrictHostKeyChecking", "accept-new".into()),
        ("HostKeyAlias", host_key_alias.to_string()),
        // Without this, ssh would also file the key under the address, which droplets share over time.
        ("CheckHostIP", "no".into()),
        ("GlobalKnownHostsFile", "/dev/null".into()),
    ]
}

impl Ssh {
    /// The arguments for one attempt.
    pub fn args(&self, dest: &Destination, job: &Job, connect_timeout: Duration) -> Vec<OsString> {
        let timeout = connect_timeout.as_secs_f64().ceil().max(1.0) as u64;
        // An interactive login may need a key passphrase typed in; everything else must never wait for one.
        let batch = if job.mode == Mode::Interactive {
            "BatchMode=no"
        } else {
            "BatchMode=yes"
        };
        let mut args: Vec<OsString> = vec!["-o".into(), batch.into()];
        for (key, value) in trust_options(&self.known_hosts, &dest.host_key_alias()) {
            args.extend(["-o".into(), format!("{key}={value}").into()]);
        }
        args.extend([
            "-o".into(),
            format!("ConnectTimeout={timeout}").into(),
            // Hides "Permanently added ... to the list of known hosts" on every first contact.
            "-o".into(),
            "LogLevel=ERROR".into(),
        ]);
        args.extend(
            self.mux
                .options(self.mux.socket(dest, &self.extra_options).as_deref()),
        );
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
        match job.mode {
            Mode::Prefixed => args.push("-n".into()),
            Mode::Interactive => args.push("-t".into()),
            Mode::Single => {}
        }
        args.extend(job.ssh_args.iter().map(OsString::from));
        args.extend(["--".into(), dest.address.clone().into()]);
        if !job.remote.is_empty() {
            args.push(job.remote.clone().into());
        }
        args
    }

    /// Runs ssh once and waits for it.
    pub fn attempt(
        &self,
        dest: &Destination,
        job: &Job,
        connect_timeout: Duration,
        out: &ExecOut,
    ) -> std::io::Result<Ended> {
        if let Some(socket) = self.mux.socket(dest, &self.extra_options) {
            mux::clear_stale(&socket);
        }
        let mode = job.mode;
        let mut command = Command::new(&self.program);
        for name in &self.hidden_env {
            command.env_remove(name);
        }
        let mut child = command
            .args(self.args(dest, job, connect_timeout))
            .stdin(match mode {
                Mode::Prefixed => Stdio::null(),
                Mode::Single | Mode::Interactive => Stdio::inherit(),
            })
            .stdout(match mode {
                Mode::Prefixed => Stdio::piped(),
                Mode::Single | Mode::Interactive => Stdio::inherit(),
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
        Ok(ended(code, relayed, job, &dest.name, out))
    }
}

/// What an exit status and the held stderr lines add up to.
fn ended(code: i32, relayed: Relayed, job: &Job, host: &str, out: &ExecOut) -> Ended {
    match (code, relayed) {
        (
            SSH_ERROR,
            Relayed {
                key_changed: true, ..
            },
        ) => Ended::HostKeyChanged,
        (SSH_ERROR, Relayed { refused, .. }) if !refused.is_empty() => {
            Ended::Refused { message: refused }
        }
        (
            super::container::FAILED,
            Relayed {
                container: Some(complaint),
                ..
            },
        ) if job.container.is_some() => Ended::Container(complaint),
        (code, Relayed { refused, .. }) => {
            // A held line that turned out not to be a refusal of this run: show it after all.
            show_stderr(&refused, host, job.mode, out);
            Ended::Exited(code)
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

    fn ssh(extra: &[&str], persist: u64) -> Ssh {
        Ssh {
            program: "ssh".into(),
            known_hosts: "/data/known_hosts".into(),
            extra_options: extra.iter().map(|s| s.to_string()).collect(),
            mux: Mux {
                dir: "/run/sc".into(),
                persist: Duration::from_secs(persist),
            },
            hidden_env: vec![],
        }
    }

    fn job(remote: &str, mode: Mode) -> Job {
        Job {
            remote: remote.into(),
            mode,
            container: None,
            ssh_args: vec![],
        }
    }

    fn args(ssh: &Ssh, dest: &Destination, job: &Job, timeout: Duration) -> Vec<String> {
        ssh.args(dest, job, timeout)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn builds_a_batch_mode_command_with_our_known_hosts() {
        let ssh = ssh(&["ProxyJump=bastion"], 0);
        let args = args(
            &ssh,
            &dest(Some("/keys/id")),
            &job("echo 'a b'", Mode::Prefixed),
            Duration::from_millis(2500),
        );
        assert_eq!(
            args.join(" "),
            "-o BatchMode=yes -o UserKnownHostsFile=/data/known_hosts -o StrictHostKeyChecking=accept-new \
             -o HostKeyAlias=stagecraft-droplet-42 -o CheckHostIP=no -o GlobalKnownHostsFile=/dev/null \
             -o ConnectTimeout=3 -o LogLevel=ERROR -o ControlMaster=no -o ControlPath=none \
             -o ProxyJump=bastion -p 2222 -l deploy -i /keys/id -o IdentitiesOnly=yes -n \
             -- 203.0.113.7 echo 'a b'"
        );
        // The remote command is one argument: ssh must not split or re-join it.
        assert_eq!(args.last().unwrap(), "echo 'a b'");
    }

    #[test]
    fn single_mode_keeps_stdin_and_has_no_identity_by_default() {
        let args = args(
            &ssh(&[], 60),
            &dest(None),
            &job("true", Mode::Single),
            Duration::ZERO,
        );
        assert!(!args.contains(&"-n".to_string()));
        assert!(!args.contains(&"-i".to_string()));
        assert!(args.contains(&"ConnectTimeout=1".to_string()));
        assert!(args.contains(&"ControlMaster=auto".to_string()));
        assert!(args.contains(&"ControlPersist=60s".to_string()));
    }

    #[test]
    fn an_interactive_login_asks_for_a_terminal_and_takes_extra_options() {
        let mut login = job("", Mode::Interactive);
        login.ssh_args = vec!["-L".into(), "8080:localhost:80".into()];
        let args = args(&ssh(&[], 60), &dest(None), &login, Duration::ZERO);
        assert_eq!(args[1], "BatchMode=no");
        let tail = args[args.len() - 5..].join(" ");
        assert_eq!(tail, "-t -L 8080:localhost:80 -- 203.0.113.7");
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

//! Waiting until a host is usable: the probe of `probe.rs` run over the system ssh, retried with back-off
//! until it reads ready, fails for good, or its deadline passes.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::probe::{self, CloudInitCall, Reading, SshFailure};
use super::ssh::{Job, Mode, SSH_ERROR, Ssh};
use super::target::Destination;
use crate::clock::Clock;

/// Where a host is on its way to ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Ssh,
    CloudInit,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Ssh => "ssh",
            Stage::CloudInit => "cloud-init",
        }
    }
}

/// Why a host did not become ready.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotReady {
    #[error("not ready after {}s: stuck at {} ({last})", after.as_secs(), stage.as_str())]
    TimedOut {
        stage: Stage,
        after: Duration,
        last: String,
    },
    #[error(
        "SSH authentication was refused ({message}); check ssh.user and ssh.identity_file, and that the droplet's SSH keys (ssh_keys) hold that key's public half"
    )]
    AuthRefused { message: String },
    #[error(
        "the SSH host key of droplet {droplet_id} changed while it booted; refusing to trust it (remove it with: ssh-keygen -R stagecraft-droplet-{droplet_id} -f {known_hosts})"
    )]
    HostKeyChanged {
        droplet_id: u64,
        known_hosts: String,
    },
    #[error("cloud-init failed (exit 1):\n{detail}")]
    CloudInitFailed { detail: String },
    #[error("cannot start ssh: {0}")]
    Spawn(String),
}

/// Key refusals tolerated while booting: cloud-init installs the account's keys early, but not at once.
const AUTH_TRIES: u32 = 3;
/// The longest one connection attempt may take to be set up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const MAX_PAUSE: Duration = Duration::from_secs(2);

/// Probes `dest` until it is ready or `deadline` passes. `on_stage` hears each stage as it is reached.
pub fn wait_ready(
    clock: &dyn Clock,
    ssh: &Ssh,
    dest: &Destination,
    cloud_init: bool,
    deadline: Instant,
    on_stage: &(dyn Fn(Stage) + Sync),
) -> Result<(), NotReady> {
    let started = clock.instant();
    let mut stage = Stage::Ssh;
    on_stage(stage);
    let mut pause = FIRST_PAUSE;
    let mut auth_refusals = 0;
    let mut last = String::from("no answer yet");
    loop {
        let left = deadline.saturating_duration_since(clock.instant());
        let nonce = probe::nonce();
        let call = cloud_init.then_some(CloudInitCall::Wait);
        // The shell works: from here on the probe waits for cloud-init.
        let on_shell = || {
            if cloud_init {
                on_stage(Stage::CloudInit)
            }
        };
        let run = run_probe(clock, ssh, dest, &nonce, call, left, &on_shell)
            .map_err(|e| NotReady::Spawn(e.to_string()))?;
        match run.exit {
            Some(SSH_ERROR) => match probe::ssh_failure(&run.stderr) {
                SshFailure::HostKeyChanged => {
                    return Err(NotReady::HostKeyChanged {
                        droplet_id: dest.droplet_id,
                        known_hosts: ssh.known_hosts.display().to_string(),
                    });
                }
                SshFailure::AuthRefused => {
                    auth_refusals += 1;
                    last = first_line(&run.stderr);
                    if auth_refusals >= AUTH_TRIES {
                        return Err(NotReady::AuthRefused { message: last });
                    }
                }
                SshFailure::NotListening | SshFailure::Other => {
                    last = first_line(&run.stderr);
                }
            },
            _ => match probe::read(&run.stdout, &nonce, cloud_init) {
                Reading::Ready => return Ok(()),
                Reading::CloudInitFailed { detail } => {
                    return Err(NotReady::CloudInitFailed { detail });
                }
                Reading::NoShell { said } => {
                    stage = Stage::Ssh;
                    match (said, run.exit) {
                        (Some(line), _) => {
                            last =
                                format!("the login printed `{line}` instead of running the probe")
                        }
                        (None, Some(code)) => {
                            last = format!("the login ran no command (exit {code})")
                        }
                        // Cut off at the deadline: what the attempts before said still stands.
                        (None, None) => {}
                    }
                }
                Reading::CloudInitRunning { exit } => {
                    stage = Stage::CloudInit;
                    last = match exit {
                        Some(code) => format!("cloud-init status exited {code}"),
                        None if run.killed => "cloud-init still running".into(),
                        None => "the connection closed while cloud-init was running".into(),
                    };
                }
            },
        }
        if run.killed || clock.instant() >= deadline {
            return Err(NotReady::TimedOut {
                stage,
                after: clock.instant().saturating_duration_since(started),
                last,
            });
        }
        let left = deadline.saturating_duration_since(clock.instant());
        clock.sleep(pause.min(left));
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// A host's readiness right now, as `status` shows it: one probe, no waiting.
pub fn check_once(clock: &dyn Clock, ssh: &Ssh, dest: &Destination, cloud_init: bool) -> String {
    let nonce = probe::nonce();
    let call = cloud_init.then_some(CloudInitCall::Status);
    let deadline = CONNECT_TIMEOUT;
    let run = match run_probe(clock, ssh, dest, &nonce, call, deadline, &|| {}) {
        Ok(run) => run,
        Err(e) => return format!("cannot start ssh: {e}"),
    };
    if run.exit == Some(SSH_ERROR) {
        return match probe::ssh_failure(&run.stderr) {
            SshFailure::HostKeyChanged => "ssh: host key changed".into(),
            SshFailure::AuthRefused => "ssh: authentication refused".into(),
            SshFailure::NotListening => "ssh: not listening".into(),
            SshFailure::Other => format!("ssh: {}", first_line(&run.stderr)),
        };
    }
    match probe::read(&run.stdout, &nonce, cloud_init) {
        Reading::Ready => "ready".into(),
        Reading::NoShell { .. } => "ssh: login not ready".into(),
        Reading::CloudInitRunning { .. } => "cloud-init: running".into(),
        Reading::CloudInitFailed { .. } => "cloud-init: failed".into(),
    }
}

/// `check_once` for many hosts, at most `parallel` at a time; `(host, cloud_init)` pairs in, answers in
/// the same order out.
pub fn check_hosts(
    clock: &dyn Clock,
    ssh: &Ssh,
    hosts: &[(Destination, bool)],
    parallel: usize,
) -> Vec<String> {
    crate::parallel::run_bounded(hosts, parallel, |(dest, cloud_init)| {
        check_once(clock, ssh, dest, *cloud_init)
    })
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no message")
        .to_string()
}

/// One ssh run's result.
struct ProbeRun {
    exit: Option<i32>,
    stdout: String,
    stderr: String,
    /// Stopped at the deadline.
    killed: bool,
}

/// Runs the probe command for `nonce` once, killed if it outlasts `budget`; `on_shell` fires when this
/// run's ready line comes back, i.e. once the shell works and cloud-init (if asked) is being waited for.
fn run_probe(
    clock: &dyn Clock,
    ssh: &Ssh,
    dest: &Destination,
    nonce: &str,
    call: Option<CloudInitCall>,
    budget: Duration,
    on_shell: &(dyn Fn() + Sync),
) -> std::io::Result<ProbeRun> {
    let ready_line = probe::ready_line(nonce);
    let job = Job {
        remote: probe::command(nonce, call),
        mode: Mode::Prefixed,
        container: None,
        ssh_args: Vec::new(),
    };
    let mut command = Command::new(&ssh.program);
    for name in &ssh.hidden_env {
        command.env_remove(name);
    }
    let mut child = command
        .args(ssh.args(dest, &job, budget.min(CONNECT_TIMEOUT)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let child = Mutex::new(child);
    let deadline = clock.instant() + budget;
    let (exit, killed, out, err) = std::thread::scope(|scope| {
        let err = scope.spawn(|| {
            let mut text = String::new();
            let _ = BufReader::new(stderr)
                .take(64 * 1024)
                .read_to_string(&mut text);
            text
        });
        let watchdog = scope.spawn(|| watch(clock, &child, deadline));
        let mut out = String::new();
        let mut lines = BufReader::new(stdout.take(256 * 1024));
        let mut line = String::new();
        let mut first = true;
        while lines.read_line(&mut line).unwrap_or(0) > 0 {
            if first && line.trim_end() == ready_line {
                first = false;
                on_shell();
            }
            out.push_str(&line);
            line.clear();
        }
        let (exit, killed) = watchdog.join().unwrap_or((None, false));
        (exit, killed, out, err.join().unwrap_or_default())
    });
    Ok(ProbeRun {
        exit,
        stdout: out,
        stderr: err,
        killed,
    })
}

/// Waits for the child to end, killing it at `deadline`; its exit status (none when killed).
fn watch(
    clock: &dyn Clock,
    child: &Mutex<std::process::Child>,
    deadline: Instant,
) -> (Option<i32>, bool) {
    loop {
        {
            let mut child = child
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match child.try_wait() {
                Ok(Some(status)) => return (status.code(), false),
                Ok(None) if clock.instant() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return (None, true);
                }
                Ok(None) => {}
                Err(_) => return (None, false),
            }
        }
        clock.sleep(Duration::from_millis(50));
    }
}

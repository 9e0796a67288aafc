//! `exec`: run a command on managed droplets over the system OpenSSH client, on one host or fanned out.

pub mod fanout;
pub mod quote;
pub mod retry;
pub mod ssh;
pub mod target;

use std::path::PathBuf;
use std::time::Duration;

use crate::clock::Clock;
use crate::config::Config;
use crate::output::exec::ExecOut;
use crate::ownership::env_tag;
use crate::provider::{Client, ProviderError};

use retry::{Attempt, Backoff};
use ssh::{Ended, Mode, SSH_ERROR, Ssh};
pub use target::{Destination, HostProblem, SelectError, Selection};

/// Default `--parallel`.
pub const DEFAULT_PARALLEL: usize = 10;
/// Default `--connect-timeout`: a droplet reports `active` some seconds before its sshd listens.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// A fan-out's exit status when any host failed (one host passes its own status through instead).
pub const FANOUT_FAILED: u8 = 1;

/// What to run, where and how.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    pub selection: Selection,
    /// The command's words, as typed after `--`.
    pub command: Vec<String>,
    /// Connect to the private IPv4 instead of the public one.
    pub private: bool,
    pub parallel: usize,
    /// How long connection refusals are retried, per host.
    pub connect_timeout: Duration,
    /// Extra `ssh -o` options.
    pub ssh_options: Vec<String>,
}

/// What `exec` needs from its surroundings.
pub struct ExecContext<'a> {
    pub config: &'a Config,
    pub env: &'a str,
    pub client: &'a Client,
    /// stagecraft's data directory; the known_hosts file lives there.
    pub data_dir: PathBuf,
    /// The `PATH` to find `ssh` on.
    pub path: Option<std::ffi::OsString>,
    pub clock: &'a dyn Clock,
    pub out: &'a crate::output::Out,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error(transparent)]
    Select(#[from] SelectError),
    #[error("{}", render_problems(.0))]
    Hosts(Vec<HostProblem>),
    #[error(
        "the OpenSSH client `ssh` was not found on PATH; install it (Debian/Ubuntu: apt-get install openssh-client) and try again"
    )]
    SshMissing,
    #[error("{host}: ssh.identity_file {} does not exist", path.display())]
    IdentityMissing { host: String, path: PathBuf },
    /// Boxed: the provider's error is large and this one travels through every `?`.
    #[error("listing the env's droplets")]
    Provider(#[source] Box<ProviderError>),
    #[error("cannot create the data directory {}", path.display())]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start {}", program.display())]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<ProviderError> for ExecError {
    fn from(error: ProviderError) -> Self {
        ExecError::Provider(Box::new(error))
    }
}

fn render_problems(problems: &[HostProblem]) -> String {
    let mut text = format!(
        "nothing was run: {} host{} cannot be reached:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        text.push_str(&format!("\n  {p}"));
    }
    text
}

/// How one host's run ended, after retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostOutcome {
    Exited(i32),
    /// Still refused when `--connect-timeout` ran out.
    Refused,
    HostKeyChanged,
    /// ssh could not be started at all.
    SpawnFailed(String),
}

impl HostOutcome {
    fn succeeded(&self) -> bool {
        *self == HostOutcome::Exited(0)
    }
}

/// Resolves the selection and runs the command; returns the process exit status. Every user mistake
/// (unknown host, no droplet, no address, no `ssh`, missing key) is found before anything runs.
pub fn run(ctx: &ExecContext<'_>, options: &ExecOptions) -> Result<u8, ExecError> {
    let desired = ctx.config.desired_hosts(ctx.env);
    let selected = target::select(&desired, ctx.env, &options.selection)?;
    let program = ssh::find_ssh(ctx.path.as_deref()).ok_or(ExecError::SshMissing)?;
    for host in &selected {
        if let Some(path) = &host.ssh.identity_file
            && !path.is_file()
        {
            return Err(ExecError::IdentityMissing {
                host: host.name.clone(),
                path: path.clone(),
            });
        }
    }
    let live = ctx.client.droplets_tagged(&env_tag(ctx.env))?;
    let destinations = match target::locate(&selected, &live, options.private) {
        Ok(found) => found,
        Err(problems) => return Err(ExecError::Hosts(explain_missing(ctx, problems)?)),
    };
    std::fs::create_dir_all(&ctx.data_dir).map_err(|source| ExecError::DataDir {
        path: ctx.data_dir.clone(),
        source,
    })?;
    let ssh = Ssh {
        program,
        known_hosts: ctx.data_dir.join("known_hosts"),
        extra_options: options.ssh_options.clone(),
    };
    let remote = quote::command_line(&options.command);
    let backoff = Backoff::new(options.connect_timeout);

    if let (Selection::Host(_), [dest]) = (&options.selection, destinations.as_slice()) {
        let out = ExecOut::new(ctx.out, &[]);
        let outcome = run_host(ctx.clock, &ssh, dest, &remote, backoff, Mode::Single, &out);
        return Ok(match outcome {
            HostOutcome::Exited(code) => u8::try_from(code).unwrap_or(SSH_ERROR as u8),
            other => {
                out.error(&format!("error: {}", explain(&other, dest, &ssh, options)));
                match other {
                    HostOutcome::SpawnFailed(_) => crate::exit::FAILURE,
                    _ => SSH_ERROR as u8,
                }
            }
        });
    }

    let names: Vec<&str> = destinations.iter().map(|d| d.name.as_str()).collect();
    let out = ExecOut::new(ctx.out, &names);
    let outcomes = fanout::run_bounded(&destinations, options.parallel, |dest| {
        run_host(
            ctx.clock,
            &ssh,
            dest,
            &remote,
            backoff,
            Mode::Prefixed,
            &out,
        )
    });
    let failed: Vec<(&Destination, &HostOutcome)> = destinations
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| !o.succeeded())
        .collect();
    if failed.is_empty() {
        out.note(&format!("ok on all {} hosts", destinations.len()));
        return Ok(crate::exit::SUCCESS);
    }
    let mut summary = format!(
        "error: failed on {} of {} hosts:",
        failed.len(),
        destinations.len()
    );
    for (dest, outcome) in &failed {
        summary.push_str(&format!(
            "\n  {:<width$}  {}",
            dest.name,
            explain(outcome, dest, &ssh, options),
            width = out_width(&names)
        ));
    }
    out.error(&summary);
    Ok(FANOUT_FAILED)
}

fn out_width(names: &[&str]) -> usize {
    names.iter().map(|n| n.len()).max().unwrap_or(0)
}

/// Hosts without a managed droplet may still have an unmanaged one of the same name: say so, since
/// that is a different fix (adopt or rename) from "run apply".
fn explain_missing(
    ctx: &ExecContext<'_>,
    problems: Vec<HostProblem>,
) -> Result<Vec<HostProblem>, ExecError> {
    let missing: Vec<&str> = problems
        .iter()
        .filter_map(|p| match p {
            HostProblem::NoDroplet { droplet_name, .. } => Some(droplet_name.as_str()),
            _ => None,
        })
        .collect();
    if missing.is_empty() {
        return Ok(problems);
    }
    let unmanaged = crate::plan::unmanaged_named(ctx.client, ctx.env, &missing)?;
    Ok(problems
        .into_iter()
        .map(|p| match p {
            HostProblem::NoDroplet { host, droplet_name } => {
                let ids: Vec<u64> = unmanaged
                    .iter()
                    .filter(|d| d.name.eq_ignore_ascii_case(&droplet_name))
                    .map(|d| d.id)
                    .collect();
                if ids.is_empty() {
                    HostProblem::NoDroplet { host, droplet_name }
                } else {
                    HostProblem::NotManaged {
                        host,
                        droplet_name,
                        ids,
                        env_tag: env_tag(ctx.env),
                    }
                }
            }
            other => other,
        })
        .collect())
}

/// One host, with connection refusals retried until `--connect-timeout`.
fn run_host(
    clock: &dyn Clock,
    ssh: &Ssh,
    dest: &Destination,
    remote: &str,
    backoff: Backoff,
    mode: Mode,
    out: &ExecOut,
) -> HostOutcome {
    let mut last_refusal = Vec::new();
    let outcome = retry::retry_refused(
        clock,
        backoff,
        |left| match ssh.attempt(dest, remote, left, mode, out) {
            Ok(Ended::Exited(code)) => Attempt::Done(HostOutcome::Exited(code)),
            Ok(Ended::HostKeyChanged) => Attempt::Done(HostOutcome::HostKeyChanged),
            Ok(Ended::Refused { message }) => {
                last_refusal = message;
                Attempt::Refused(HostOutcome::Refused)
            }
            Err(e) => Attempt::Done(HostOutcome::SpawnFailed(e.to_string())),
        },
        |retry, _wait| {
            if retry == 1 {
                let note = format!(
                    "{}:{} refused the connection (sshd not up yet?); retrying for up to {}s",
                    dest.address,
                    dest.ssh.port,
                    backoff.budget.as_secs()
                );
                match mode {
                    Mode::Single => out.note(&format!("stagecraft: {}: {note}", dest.name)),
                    Mode::Prefixed => out.line(
                        &dest.name,
                        crate::output::exec::Stream::Stderr,
                        note.as_bytes(),
                    ),
                }
            }
        },
    );
    if outcome == HostOutcome::Refused {
        // ssh's own words, held back while retrying, now that they are final.
        match mode {
            Mode::Single => out.stderr_raw(&last_refusal),
            Mode::Prefixed => {
                let text = String::from_utf8_lossy(&last_refusal);
                out.line(
                    &dest.name,
                    crate::output::exec::Stream::Stderr,
                    text.trim_end().as_bytes(),
                );
            }
        }
    }
    outcome
}

/// A failed host's outcome in words, with what to do about it.
fn explain(outcome: &HostOutcome, dest: &Destination, ssh: &Ssh, options: &ExecOptions) -> String {
    match outcome {
        HostOutcome::Exited(SSH_ERROR) => format!(
            "ssh failed (exit 255) reaching {} at {}:{}; see ssh's message above",
            dest.name, dest.address, dest.ssh.port
        ),
        HostOutcome::Exited(code) => format!("exit {code}"),
        HostOutcome::Refused => format!(
            "{}:{} still refused connections after {}s; is sshd running? (--connect-timeout waits longer)",
            dest.address,
            dest.ssh.port,
            options.connect_timeout.as_secs()
        ),
        HostOutcome::HostKeyChanged => format!(
            "the SSH host key of {} ({}, droplet {}) has changed since stagecraft first connected, so nothing was run. \
             If the droplet was rebuilt, check the new key's fingerprint (e.g. on the DigitalOcean console), then forget the old one with: \
             ssh-keygen -R {} -f {}",
            dest.name,
            dest.address,
            dest.droplet_id,
            dest.host_key_alias(),
            ssh.known_hosts.display()
        ),
        HostOutcome::SpawnFailed(e) => format!("cannot start {}: {e}", ssh.program.display()),
    }
}

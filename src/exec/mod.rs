//! `exec`: run a command on managed droplets over the system OpenSSH client, on one host or fanned out;
//! also what `ssh` (an interactive login) and `inventory` (hosts for other tools) share with it.

pub mod container;
pub mod explain;
pub mod inventory;
pub mod login;
pub mod mux;
pub mod probe;
pub mod quote;
pub mod readiness;
pub mod relay;
pub mod retry;
pub mod ssh;
pub mod target;

use std::path::PathBuf;
use std::time::Duration;

use crate::clock::Clock;
use crate::config::Config;
use crate::output::exec::{ExecOut, Stream};
use crate::provider::{Client, ProviderError};

use mux::Mux;
use retry::{Attempt, Backoff};
use ssh::{Ended, Job, Mode, SSH_ERROR, Ssh};
pub use target::{Destination, HostProblem, SelectError, Selection};

/// Default `--parallel`: as pdsh and pssh; each host is one local ssh process, and with shared
/// connections a host costs no handshake, so a whole env of a few dozen hosts runs at once.
pub const DEFAULT_PARALLEL: usize = 32;
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
    /// Run the command in this Docker container on each host.
    pub container: Option<String>,
}

/// What `exec` needs from its surroundings.
pub struct ExecContext<'a> {
    pub config: &'a Config,
    pub env: &'a str,
    pub client: &'a Client,
    /// stagecraft's data directory; the known_hosts file lives there.
    pub data_dir: PathBuf,
    /// Where shared connections keep their sockets (see `mux.rs`).
    pub runtime_dir: PathBuf,
    /// The `PATH` to find `ssh` on.
    pub path: Option<std::ffi::OsString>,
    pub clock: &'a dyn Clock,
    pub out: &'a crate::output::Out,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error(transparent)]
    Select(#[from] SelectError),
    #[error("{}", explain::render_problems(.0))]
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
    #[error(transparent)]
    Mux(#[from] mux::MuxError),
    #[error("exec.control_persist in the config: {0}")]
    Persist(String),
    #[error(transparent)]
    Container(#[from] container::ContainerError),
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

/// How one host's run ended, after retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostOutcome {
    Exited(i32),
    /// Still refused when `--connect-timeout` ran out.
    Refused,
    HostKeyChanged,
    /// `--container`: docker or the container is missing on the host.
    Container {
        name: String,
        complaint: String,
    },
    /// ssh could not be started at all.
    SpawnFailed(String),
}

impl HostOutcome {
    fn succeeded(&self) -> bool {
        *self == HostOutcome::Exited(0)
    }

    /// The process exit status when this was the only host.
    fn single_status(&self) -> u8 {
        match self {
            HostOutcome::Exited(code) => u8::try_from(*code).unwrap_or(SSH_ERROR as u8),
            HostOutcome::Container { .. } => container::FAILED as u8,
            HostOutcome::SpawnFailed(_) => crate::exit::FAILURE,
            HostOutcome::Refused | HostOutcome::HostKeyChanged => SSH_ERROR as u8,
        }
    }
}

/// The connection sharing the config asks for (`exec.control_persist`), in the context's runtime directory.
fn mux_for(ctx: &ExecContext<'_>) -> Result<Mux, ExecError> {
    let persist = match ctx
        .config
        .provider()
        .exec
        .as_ref()
        .and_then(|e| e.control_persist.as_ref())
    {
        Some(value) => value.to_duration().map_err(ExecError::Persist)?,
        None => mux::DEFAULT_PERSIST,
    };
    Ok(Mux {
        dir: ctx.runtime_dir.clone(),
        persist,
    })
}

/// Everything a run needs before it connects: every selected host's destination and the ssh invocation.
/// Every user mistake (unknown host, no droplet, no address, no `ssh`, missing key) is found here, before
/// anything runs.
pub fn prepare(
    ctx: &ExecContext<'_>,
    selection: &Selection,
    private: bool,
    ssh_options: &[String],
) -> Result<(Vec<Destination>, Ssh), ExecError> {
    let desired = ctx.config.desired_hosts(ctx.env);
    let selected = target::select(&desired, ctx.env, selection)?;
    let program = ssh::find_ssh(ctx.path.as_deref()).ok_or(ExecError::SshMissing)?;
    check_identities(&selected)?;
    let mux = mux_for(ctx)?;
    // Only this config's droplets: another config's of the same name in the env is not ours to run on.
    let live = crate::plan::live(ctx.client, &ctx.config.scope(ctx.env))?.ours;
    let destinations = match target::locate(&selected, &live, private) {
        Ok(found) => found,
        Err(problems) => {
            return Err(ExecError::Hosts(explain::explain_missing(ctx, problems)?));
        }
    };
    std::fs::create_dir_all(&ctx.data_dir).map_err(|source| ExecError::DataDir {
        path: ctx.data_dir.clone(),
        source,
    })?;
    mux.prepare()?;
    let ssh = Ssh {
        program,
        known_hosts: ctx.data_dir.join("known_hosts"),
        extra_options: ssh_options.to_vec(),
        mux,
        hidden_env: vec![ctx.config.provider().token_env.clone()],
    };
    Ok((destinations, ssh))
}

/// A missing key file is the user's to fix, before anything connects.
fn check_identities(hosts: &[&crate::config::DesiredHost]) -> Result<(), ExecError> {
    for host in hosts {
        if let Some(path) = &host.ssh.identity_file
            && !path.is_file()
        {
            return Err(ExecError::IdentityMissing {
                host: host.name.clone(),
                path: path.clone(),
            });
        }
    }
    Ok(())
}

/// The ssh invocation of readiness probes (`apply` and `status` with `ready:`): stagecraft's known_hosts,
/// no shared connection (a master opened while a droplet boots would outlive what it saw), and every
/// probed host's identity file checked before anything is sent.
pub fn probe_ssh(
    ctx: &ExecContext<'_>,
    hosts: &[&crate::config::DesiredHost],
) -> Result<Ssh, ExecError> {
    let program = ssh::find_ssh(ctx.path.as_deref()).ok_or(ExecError::SshMissing)?;
    check_identities(hosts)?;
    std::fs::create_dir_all(&ctx.data_dir).map_err(|source| ExecError::DataDir {
        path: ctx.data_dir.clone(),
        source,
    })?;
    Ok(Ssh {
        program,
        known_hosts: ctx.data_dir.join("known_hosts"),
        extra_options: Vec::new(),
        mux: Mux {
            dir: ctx.runtime_dir.clone(),
            persist: Duration::ZERO,
        },
        hidden_env: vec![ctx.config.provider().token_env.clone()],
    })
}

/// Resolves the selection and runs the command; returns the process exit status.
pub fn run(ctx: &ExecContext<'_>, options: &ExecOptions) -> Result<u8, ExecError> {
    if let Some(name) = &options.container {
        container::check_name(name)?;
    }
    let (destinations, ssh) = prepare(
        ctx,
        &options.selection,
        options.private,
        &options.ssh_options,
    )?;
    let single = matches!(
        (&options.selection, destinations.as_slice()),
        (Selection::Host(_), [_])
    );
    let mode = if single { Mode::Single } else { Mode::Prefixed };
    let remote = match &options.container {
        Some(name) => container::command_line(name, &options.command, single),
        None => quote::command_line(&options.command),
    };
    let job = Job {
        remote,
        mode,
        container: options.container.clone(),
        ssh_args: Vec::new(),
    };
    let backoff = Backoff::new(options.connect_timeout);
    let timeout_secs = options.connect_timeout.as_secs();
    let host_run =
        |dest: &Destination, out: &ExecOut| run_host(ctx.clock, &ssh, dest, &job, backoff, out);

    if single {
        let dest = &destinations[0];
        let out = ExecOut::new(ctx.out, &[]);
        let outcome = host_run(dest, &out);
        if !matches!(outcome, HostOutcome::Exited(_)) {
            let text = explain::outcome(&outcome, dest, &ssh, timeout_secs);
            out.error(&format!("error: {text}"));
        }
        return Ok(outcome.single_status());
    }

    let names: Vec<&str> = destinations.iter().map(|d| d.name.as_str()).collect();
    let out = ExecOut::new(ctx.out, &names);
    let outcomes =
        crate::parallel::run_bounded(&destinations, options.parallel, |dest| host_run(dest, &out));
    let failed: Vec<(&Destination, &HostOutcome)> = destinations
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| !o.succeeded())
        .collect();
    if failed.is_empty() {
        out.note(&format!("ok on all {} hosts", destinations.len()));
        return Ok(crate::exit::SUCCESS);
    }
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
    let mut summary = format!(
        "error: failed on {} of {} hosts:",
        failed.len(),
        destinations.len()
    );
    for (dest, outcome) in &failed {
        summary.push_str(&format!(
            "\n  {:<width$}  {}",
            dest.name,
            explain::outcome(outcome, dest, &ssh, timeout_secs),
        ));
    }
    out.error(&summary);
    Ok(FANOUT_FAILED)
}

/// One host, with connection refusals retried until `--connect-timeout`.
pub fn run_host(
    clock: &dyn Clock,
    ssh: &Ssh,
    dest: &Destination,
    job: &Job,
    backoff: Backoff,
    out: &ExecOut,
) -> HostOutcome {
    let mut last_refusal = Vec::new();
    let prefixed = job.mode == Mode::Prefixed;
    let outcome = retry::retry_refused(
        clock,
        backoff,
        |left| match ssh.attempt(dest, job, left, out) {
            Ok(Ended::Exited(code)) => Attempt::Done(HostOutcome::Exited(code)),
            Ok(Ended::HostKeyChanged) => Attempt::Done(HostOutcome::HostKeyChanged),
            Ok(Ended::Container(complaint)) => Attempt::Done(HostOutcome::Container {
                name: job.container.clone().unwrap_or_default(),
                complaint,
            }),
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
                if prefixed {
                    out.line(&dest.name, Stream::Stderr, note.as_bytes());
                } else {
                    out.note(&format!("stagecraft: {}: {note}", dest.name));
                }
            }
        },
    );
    if outcome == HostOutcome::Refused {
        // ssh's own words, held back while retrying, now that they are final.
        if prefixed {
            let text = String::from_utf8_lossy(&last_refusal);
            out.line(&dest.name, Stream::Stderr, text.trim_end().as_bytes());
        } else {
            out.stderr_raw(&last_refusal);
        }
    }
    outcome
}

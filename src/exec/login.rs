//! `stagecraft ssh HOST`: an interactive login with a terminal, reaching the host exactly as `exec` does
//! (user, port, key, stagecraft's known_hosts, shared connection, refused connections retried).

use std::time::Duration;

use super::retry::Backoff;
use super::ssh::{Job, Mode};
use super::{ExecContext, ExecError, HostOutcome, Selection, explain, prepare, run_host};
use crate::output::exec::ExecOut;

/// How to log in.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// A host of the env, by config name or droplet name.
    pub host: String,
    pub private: bool,
    pub connect_timeout: Duration,
    /// More ssh options (`-L 8080:localhost:80`, `-A`, `-v`), placed after stagecraft's own.
    pub ssh_args: Vec<String>,
}

/// Logs in and returns ssh's exit status (the remote shell's, or 255 for ssh's own failures).
pub fn login(ctx: &ExecContext<'_>, options: &LoginOptions) -> Result<u8, ExecError> {
    let selection = Selection::Host(options.host.clone());
    let (destinations, ssh) = prepare(ctx, &selection, options.private, &[])?;
    let dest = &destinations[0];
    let job = Job {
        remote: String::new(),
        mode: Mode::Interactive,
        container: None,
        ssh_args: options.ssh_args.clone(),
    };
    let out = ExecOut::new(ctx.out, &[]);
    let backoff = Backoff::new(options.connect_timeout);
    let outcome = run_host(ctx.clock, &ssh, dest, &job, backoff, &out);
    if !matches!(outcome, HostOutcome::Exited(_)) {
        let text = explain::outcome(&outcome, dest, &ssh, options.connect_timeout.as_secs());
        out.error(&format!("error: {text}"));
    }
    Ok(outcome.single_status())
}

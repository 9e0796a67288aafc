//! Failures in words: why hosts cannot be reached before anything runs, and how a host's run ended.

use super::container;
use super::ssh::{SSH_ERROR, Ssh};
use super::target::{Destination, HostProblem};
use super::{ExecContext, ExecError, HostOutcome};
use crate::ownership::env_tag;

pub fn render_problems(problems: &[HostProblem]) -> String {
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

/// Hosts without a managed droplet may still have an unmanaged one of the same name: say so, since
/// that is a different fix (adopt or rename) from "run apply".
pub fn explain_missing(
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

/// A failed host's outcome in words, with what to do about it.
pub fn outcome(
    outcome: &HostOutcome,
    dest: &Destination,
    ssh: &Ssh,
    connect_timeout_secs: u64,
) -> String {
    match outcome {
        HostOutcome::Exited(SSH_ERROR) => format!(
            "ssh failed (exit 255) reaching {} at {}:{}; see ssh's message above",
            dest.name, dest.address, dest.ssh.port
        ),
        HostOutcome::Exited(code) => format!("exit {code}"),
        HostOutcome::Refused => format!(
            "{}:{} still refused connections after {connect_timeout_secs}s; is sshd running? (--connect-timeout waits longer)",
            dest.address, dest.ssh.port,
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
        HostOutcome::Container { name, complaint } => {
            container::explain(&dest.name, name, complaint)
        }
        HostOutcome::SpawnFailed(e) => format!("cannot start {}: {e}", ssh.program.display()),
    }
}

//! `stagecraft exec`: parses TARGET and the command, then hands over to [`crate::exec::run`].

use std::process::ExitCode;
use std::time::Duration;

use super::Session;
use crate::config::Config;
use crate::exec::{self, ExecContext, ExecOptions, Selection};
use crate::provider::Client;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["host", "role", "all"])))]
pub struct ExecArgs {
    /// The host to run on (`app-1`, or its droplet name `staging-app-1`).
    #[arg(value_name = "HOST")]
    pub host: Option<String>,
    /// Run on every host with this role.
    #[arg(long)]
    pub role: Option<String>,
    /// Run on every host of the env.
    #[arg(long)]
    pub all: bool,
    /// Connect to the droplet's private IPv4 instead of its public one.
    #[arg(long)]
    pub private: bool,
    /// Hosts run at once with --role/--all.
    #[arg(long, default_value_t = exec::DEFAULT_PARALLEL as u32, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub parallel: u32,
    /// How long to keep retrying refused connections while a droplet's sshd starts (e.g. 30s, 2m).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::clock::parse_duration)]
    pub connect_timeout: Duration,
    /// An extra `ssh -o` option (`Key=Value`), repeatable, e.g. `ProxyJump=bastion`. stagecraft's own
    /// options (batch mode, its known_hosts, accept-new) come first and cannot be overridden.
    #[arg(long = "ssh-option", value_name = "KEY=VALUE", value_parser = parse_ssh_option)]
    pub ssh_options: Vec<String>,
    /// Run the command inside this Docker container on the host (`docker exec`).
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
    /// The remote command, after `--`; each word reaches the remote shell as typed.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `Key=Value`, as `ssh -o` takes it: anything else would reach ssh as a bare word and fail there, or
/// worse, be read as a different option.
fn parse_ssh_option(text: &str) -> Result<String, String> {
    match text.split_once('=') {
        Some((key, _)) if !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Ok(text.to_string())
        }
        _ => Err("expected KEY=VALUE, e.g. ProxyJump=bastion".into()),
    }
}

pub fn run(session: &Session, args: &ExecArgs) -> anyhow::Result<ExitCode> {
    let config = session.config()?;
    let env = session.env(&config)?;
    let client = session.client(&config)?;
    let selection = match (&args.host, &args.role, args.all) {
        (Some(host), _, _) => Selection::Host(host.clone()),
        (_, Some(role), _) => Selection::Role(role.clone()),
        _ => Selection::All,
    };
    let options = ExecOptions {
        selection,
        command: args.command.clone(),
        private: args.private,
        parallel: args.parallel as usize,
        connect_timeout: args.connect_timeout,
        ssh_options: args.ssh_options.clone(),
        container: args.container.clone(),
    };
    let ctx = context(session, &config, &env, &client);
    Ok(ExitCode::from(exec::run(&ctx, &options)?))
}

/// What `exec`, `ssh` and `inventory` need from the session.
pub fn context<'a>(
    session: &'a Session,
    config: &'a Config,
    env: &'a str,
    client: &'a Client,
) -> ExecContext<'a> {
    ExecContext {
        config,
        env,
        client,
        data_dir: session.data_dir(),
        runtime_dir: exec::mux::runtime_dir(
            session.env_vars.get("STAGECRAFT_RUNTIME_DIR"),
            session.env_vars.get("XDG_RUNTIME_DIR"),
        ),
        path: std::env::var_os("PATH"),
        clock: session.clock.as_ref(),
        out: &session.out,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_ssh_option;

    #[test]
    fn ssh_options_are_key_equals_value() {
        for ok in [
            "ProxyJump=bastion",
            "ServerAliveInterval=5",
            "SetEnv=A=b c",
            "LogLevel=",
        ] {
            assert_eq!(parse_ssh_option(ok).as_deref(), Ok(ok));
        }
        for bad in ["foo", "=x", "Proxy Jump=x", "-oX=y", ""] {
            assert!(parse_ssh_option(bad).is_err(), "{bad:?}");
        }
    }
}

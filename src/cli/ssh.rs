//! `stagecraft ssh HOST [-- SSH ARGS]`: parses the host and extra ssh options, then hands over to
//! [`crate::exec::login::login`].

use std::process::ExitCode;
use std::time::Duration;

use super::Session;
use super::exec::context;
use crate::exec::login::{LoginOptions, login};

#[derive(Debug, clap::Args)]
pub struct SshArgs {
    /// The host to log in to (`app-1`, or its droplet name `staging-app-1`).
    #[arg(value_name = "HOST")]
    pub host: String,
    /// Connect to the droplet's private IPv4 instead of its public one.
    #[arg(long)]
    pub private: bool,
    /// How long to keep retrying refused connections while a droplet's sshd starts (e.g. 30s, 2m).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::clock::parse_duration)]
    pub connect_timeout: Duration,
    /// More ssh options after `--`, e.g. `-- -L 8080:localhost:80 -A`; stagecraft's own come first.
    #[arg(last = true, value_name = "SSH ARGS", allow_hyphen_values = true)]
    pub ssh_args: Vec<String>,
}

pub fn run(session: &Session, args: &SshArgs) -> anyhow::Result<ExitCode> {
    let config = session.config()?;
    let env = session.env(&config)?;
    let client = session.client(&config)?;
    let options = LoginOptions {
        host: args.host.clone(),
        private: args.private,
        connect_timeout: args.connect_timeout,
        ssh_args: args.ssh_args.clone(),
    };
    let ctx = context(session, &config, &env, &client);
    Ok(ExitCode::from(login(&ctx, &options)?))
}

//! `stagecraft validate`: the offline config checks, then the checks against the API.

use std::process::ExitCode;

use super::Session;
use super::args::ValidateArgs;
use crate::exit;

pub fn run(session: &Session, args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let config = session.config()?;
    let envs: Vec<String> = match session.global.env.as_deref() {
        Some(env) => vec![config.select_env(Some(env))?],
        None => config.env_names().into_iter().map(String::from).collect(),
    };
    let all: Vec<_> = envs.iter().flat_map(|e| config.desired_hosts(e)).collect();
    let hosts = all.len();
    session.out.stdout(&format!(
        "{}: offline checks passed ({} environment{}, {hosts} host{}).",
        config.path.display(),
        envs.len(),
        plural(envs.len()),
        plural(hosts)
    ));
    if args.offline {
        return Ok(exit::code(exit::SUCCESS));
    }
    let client = session.client(&config)?;
    let catalog = client.catalog(all.iter().map(|h| h.image.as_str()))?;
    crate::plan::check_catalog(&config, &all, &catalog)?;
    session.out.stdout(&format!(
        "{}: API checks passed (SSH key `{}`, regions, sizes and images exist and fit together).",
        config.path.display(),
        config.provider().key_names().join("`, `")
    ));
    Ok(exit::code(exit::SUCCESS))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

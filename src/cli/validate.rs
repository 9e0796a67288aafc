//! `stagecraft validate`: the offline config checks, then the checks against the API.

use std::process::ExitCode;

use serde::Serialize;

use super::Session;
use super::args::ValidateArgs;
use crate::exit;

/// `validate --json`: what was checked. Any failed check is an error instead (exit 1, nothing on stdout).
#[derive(Debug, Serialize)]
struct Checked {
    config: String,
    environments: Vec<String>,
    hosts: usize,
    offline_checks: &'static str,
    /// `skipped` with `--offline`.
    api_checks: &'static str,
    ssh_keys: Vec<String>,
}

pub fn run(session: &Session, args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let config = session.config()?;
    let envs: Vec<String> = match session.global.env.as_deref() {
        Some(env) => vec![config.select_env(Some(env))?],
        None => config.env_names().into_iter().map(String::from).collect(),
    };
    let all: Vec<_> = envs.iter().flat_map(|e| config.desired_hosts(e)).collect();
    let hosts = all.len();
    let json = session.out.json;
    if !json {
        session.out.stdout(&format!(
            "{}: offline checks passed ({} environment{}, {hosts} host{}).",
            config.path.display(),
            envs.len(),
            plural(envs.len()),
            plural(hosts)
        ));
    }
    let keys = config.provider().key_names();
    if !args.offline {
        let client = session.client(&config)?;
        let catalog = client.catalog(all.iter().map(|h| h.image.as_str()))?;
        crate::plan::check_catalog(&config, &all, &catalog)?;
        let mut problems = Vec::new();
        for env in &envs {
            problems.extend(crate::network::check::against_api(&client, &config, env)?);
        }
        if !problems.is_empty() {
            return Err(crate::plan::PlanError::Catalog {
                path: config.path.display().to_string(),
                problems,
            }
            .into());
        }
        if !json {
            session.out.stdout(&format!(
                "{}: API checks passed (SSH key `{}`, regions, sizes and images exist and fit together{}).",
                config.path.display(),
                keys.join("`, `"),
                if config.provider().dns.is_some() || all.iter().any(|h| h.reserved_ip.is_some()) {
                    "; the DNS domain and reserved IPs are in the account"
                } else {
                    ""
                }
            ));
        }
    }
    if json {
        session.out.stdout_json(&Checked {
            config: config.path.display().to_string(),
            environments: envs,
            hosts,
            offline_checks: "passed",
            api_checks: if args.offline { "skipped" } else { "passed" },
            ssh_keys: keys,
        });
    }
    Ok(exit::code(exit::SUCCESS))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

//! `stagecraft adopt HOST --id ID`: checks a droplet against the host, then tags it into the env.

use std::process::ExitCode;

use anyhow::bail;

use super::Session;
use super::args::AdoptArgs;
use crate::apply::EnvLock;
use crate::exit;

/// `adopt --json`: the droplet now managed as the host, and the tags that made it so.
#[derive(Debug, serde::Serialize)]
struct Adopted<'a> {
    env: &'a str,
    droplet_name: &'a str,
    droplet_id: u64,
    tags_added: &'a [String],
}

pub fn run(session: &Session, args: &AdoptArgs) -> anyhow::Result<ExitCode> {
    let config = session.config()?;
    let env = session.env(&config)?;
    let desired = config.desired_hosts(&env);
    let Some(host) = desired.iter().find(|h| h.name == args.host) else {
        let names: Vec<&str> = desired.iter().map(|h| h.name.as_str()).collect();
        bail!(
            "environment `{env}` has no host `{}` in {}; the hosts are: {}",
            args.host,
            config.path.display(),
            names.join(", ")
        );
    };
    let client = session.client(&config)?;
    let _lock = EnvLock::acquire(config.dir(), &env)?;
    let (droplet, added) = crate::apply::adopt::adopt(&client, host, args.id)?;
    if session.out.json {
        session.out.stdout_json(&Adopted {
            env: &env,
            droplet_name: &droplet.name,
            droplet_id: droplet.id,
            tags_added: &added,
        });
    } else {
        session.out.stdout(&crate::output::apply::render_adopted(
            &droplet.name,
            droplet.id,
            &env,
            &added,
        ));
    }
    Ok(exit::code(exit::SUCCESS))
}

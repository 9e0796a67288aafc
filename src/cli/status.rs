//! `stagecraft status`: desired versus live, host by host; `--account` hands over to [`crate::account::view`].

use std::process::ExitCode;

use super::Session;
use super::args::StatusArgs;
use crate::config::{Config, DesiredHost};
use crate::exec::Destination;
use crate::exit;
use crate::output::status::{render_json, render_text};
use crate::plan::status::StatusRow;
use crate::provider::Client;

pub fn run(session: &Session, args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let config = session.config()?;
    if args.account {
        let client = session.client(&config)?;
        let view = crate::account::view(&client, &config)?;
        session.out.stdout_raw(&if session.out.json {
            crate::output::account::render_json(&view)
        } else {
            crate::output::account::render_text(&view)
        });
        return Ok(exit::code(exit::SUCCESS));
    }
    let env = session.env(&config)?;
    let client = session.client(&config)?;
    let desired = config.desired_hosts(&env);
    let scope = config.scope(&env);
    let live = crate::plan::live(&client, &scope)?;
    let unmanaged = live.unmanaged_holders(&client, &env, &desired)?;
    let mut rows =
        crate::plan::status::rows(&scope, &desired, &live.ours, &live.others, &unmanaged);
    readiness(session, &config, &env, &client, &desired, &mut rows)?;
    session.out.stdout_raw(&if session.out.json {
        render_json(&env, &rows)
    } else {
        render_text(&env, &rows)
    });
    let attention = rows.iter().any(|r| r.needs_attention());
    Ok(exit::code(if args.detailed_exitcode && attention {
        exit::FAILURE
    } else {
        exit::SUCCESS
    }))
}

/// With `ready:`, one probe per host that has a droplet with an address, all at once (as exec's
/// `--parallel` default); hosts without one show `-`.
fn readiness(
    session: &Session,
    config: &Config,
    env: &str,
    client: &Client,
    desired: &[DesiredHost],
    rows: &mut [StatusRow],
) -> anyhow::Result<()> {
    let probed: Vec<&DesiredHost> = desired.iter().filter(|h| h.ready.probes()).collect();
    if probed.is_empty() {
        return Ok(());
    }
    let ctx = super::exec::context(session, config, env, client);
    // Without a way to probe, the rest of the status still stands: the column says why it is empty.
    let ssh = match crate::exec::probe_ssh(&ctx, &probed) {
        Ok(ssh) => ssh,
        Err(e) => {
            session
                .out
                .note(&format!("note: readiness not checked: {e}"));
            for row in rows.iter_mut() {
                if probed.iter().any(|h| h.droplet_name == row.droplet_name) {
                    row.ready = Some("not checked".into());
                }
            }
            return Ok(());
        }
    };
    let mut targets: Vec<(usize, (Destination, bool))> = Vec::new();
    for (at, row) in rows.iter_mut().enumerate() {
        let Some(host) = probed.iter().find(|h| h.droplet_name == row.droplet_name) else {
            continue;
        };
        row.ready = Some("-".into());
        if let (Some(id), Some(address), None) = (row.droplet_id, &row.public_ipv4, &row.problem) {
            let dest = Destination {
                name: host.name.clone(),
                droplet_name: host.droplet_name.clone(),
                droplet_id: id,
                address: address.clone(),
                ssh: host.ssh.clone(),
            };
            targets.push((at, (dest, host.ready.cloud_init)));
        }
    }
    let hosts: Vec<(Destination, bool)> = targets.iter().map(|(_, t)| t.clone()).collect();
    let answers = crate::exec::readiness::check_hosts(
        session.clock.as_ref(),
        &ssh,
        &hosts,
        crate::exec::DEFAULT_PARALLEL,
    );
    for ((at, _), answer) in targets.iter().zip(answers) {
        rows[*at].ready = Some(answer);
    }
    Ok(())
}

//! `stagecraft status`: desired versus live, host by host; `--account` hands over to [`crate::account::view`].

use std::process::ExitCode;

use super::Session;
use super::args::StatusArgs;
use crate::exit;
use crate::output::status::{StatusRow, render_json, render_text};

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
    let live = crate::plan::live(&client, &config.scope(&env))?.ours;
    let mut rows: Vec<StatusRow> = desired
        .iter()
        .map(|h| {
            let found: Vec<_> = live.iter().filter(|d| d.name == h.droplet_name).collect();
            let d = found.first();
            StatusRow {
                host: h.name.clone(),
                droplet_name: h.droplet_name.clone(),
                desired_size: h.size.clone(),
                live_size: d.map(|d| d.size_slug.clone()),
                status: d
                    .map(|d| d.status.to_string())
                    .unwrap_or_else(|| "missing".into()),
                droplet_id: d.map(|d| d.id),
                public_ipv4: d.and_then(|d| d.public_ipv4().map(str::to_string)),
                private_ipv4: d.and_then(|d| d.private_ipv4().map(str::to_string)),
            }
        })
        .collect();
    for d in live
        .iter()
        .filter(|d| !desired.iter().any(|h| h.droplet_name == d.name))
    {
        rows.push(StatusRow {
            host: String::new(),
            droplet_name: d.name.clone(),
            desired_size: "(not in config)".into(),
            live_size: Some(d.size_slug.clone()),
            status: d.status.to_string(),
            droplet_id: Some(d.id),
            public_ipv4: d.public_ipv4().map(str::to_string),
            private_ipv4: d.private_ipv4().map(str::to_string),
        });
    }
    rows.sort_by(|a, b| a.droplet_name.cmp(&b.droplet_name));
    session.out.stdout_raw(&if session.out.json {
        render_json(&env, &rows)
    } else {
        render_text(&env, &rows)
    });
    Ok(exit::code(exit::SUCCESS))
}

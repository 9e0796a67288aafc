//! `stagecraft status`: desired versus live, host by host; `--account` hands over to [`crate::account::view`].

use std::process::ExitCode;

use super::Session;
use super::args::StatusArgs;
use crate::exit;
use crate::output::status::{render_json, render_text};

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
    let rows = crate::plan::status::rows(&scope, &desired, &live.ours, &live.others, &unmanaged);
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

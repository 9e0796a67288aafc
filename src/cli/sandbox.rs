//! `stagecraft sandbox serve`: the local DigitalOcean API, until interrupted; `sandbox reset`: an empty
//! account for `--sandbox`.

use std::process::ExitCode;

use super::Session;
use crate::sandbox::{Sandbox, ServeArgs};

pub fn serve(session: &Session, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let options = args.to_options().map_err(anyhow::Error::msg)?;
    let sandbox = Sandbox::start(options)?;
    session
        .out
        .stdout(&format!("sandbox listening on {}", sandbox.base_url()));
    sandbox.wait();
    Ok(crate::exit::code(crate::exit::SUCCESS))
}

/// Removes the `--sandbox` state file; the next `--sandbox` command starts from an empty account (the
/// catalogue and the config's SSH keys, as on first use).
pub fn reset(session: &Session) -> anyhow::Result<ExitCode> {
    let state = session.sandbox_state_file();
    let existed = match std::fs::remove_file(&state) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context(format!("removing the sandbox state {}", state.display())));
        }
    };
    session
        .out
        .stdout(&crate::output::render_sandbox_reset(&state, existed));
    Ok(crate::exit::code(crate::exit::SUCCESS))
}

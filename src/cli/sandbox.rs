//! `stagecraft sandbox serve`: the local DigitalOcean API, until interrupted.

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

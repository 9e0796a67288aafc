//! `stagecraft ingest` (stub until its branch lands).

use std::process::ExitCode;

use super::Session;

#[derive(Debug, clap::Args)]
pub struct IngestArgs {}

pub fn run(_session: &Session, _args: &IngestArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ingest` is not built yet")
}

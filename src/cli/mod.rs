//! The command line: parse once, resolve into a session, run one command, render errors once.

pub mod adopt;
pub mod apply;
pub mod args;
pub mod exec;
pub mod ingest;
pub mod inventory;
pub mod plan;
pub mod sandbox;
pub mod session;
pub mod ssh;
pub mod status;
pub mod validate;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command, GlobalArgs};
pub use session::Session;

use crate::exit;
use crate::output::Out;

pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Usage errors exit 1, not clap's 2: 2 means "plan found changes".
            return if e.use_stderr() {
                exit::code(exit::FAILURE)
            } else {
                exit::code(exit::SUCCESS)
            };
        }
    };
    let out = make_out(&cli.global);
    let result =
        Session::new(cli.global, out.clone()).and_then(|session| dispatch(&session, &cli.command));
    match result {
        Ok(code) => code,
        Err(error) => {
            out.render_error(&error);
            exit::code(exit::FAILURE)
        }
    }
}

fn make_out(global: &GlobalArgs) -> Out {
    let color = match global.color {
        args::ColorChoice::Always => true,
        args::ColorChoice::Never => false,
        args::ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
        }
    };
    Out {
        quiet: global.quiet,
        verbose: global.verbose,
        json: global.json,
        color,
    }
}

fn dispatch(session: &Session, command: &Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Plan(args) => plan::run(session, args),
        Command::Validate(args) => validate::run(session, args),
        Command::Ingest(args) => ingest::run(session, args),
        Command::Exec(args) => exec::run(session, args),
        Command::Ssh(args) => ssh::run(session, args),
        Command::Inventory(args) => inventory::run(session, args),
        Command::Sandbox(args::SandboxCommand::Serve(args)) => sandbox::serve(session, args),
        Command::Sandbox(args::SandboxCommand::Reset) => sandbox::reset(session),
        Command::Schema => {
            session.out.stdout_raw(&schema_text());
            Ok(exit::code(exit::SUCCESS))
        }
        Command::Apply(args) => apply::run(session, args),
        Command::Destroy(args) => apply::destroy(session, args),
        Command::Status(args) => status::run(session, args),
        Command::Adopt(args) => adopt::run(session, args),
    }
}

/// The checked-in `schemas/stagecraft.schema.json`, generated from the config types.
pub fn schema_text() -> String {
    let mut text =
        serde_json::to_string_pretty(&crate::config::model::json_schema()).expect("plain JSON");
    text.push('\n');
    text
}

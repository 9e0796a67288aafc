//! The command line: parse once, resolve into a session, run one command, render errors once.

pub mod adopt;
pub mod apply;
pub mod args;
pub mod exec;
pub mod generate;
pub mod ingest;
pub mod inventory;
pub mod plan;
pub mod sandbox;
pub mod session;
pub mod ssh;
pub mod status;
pub mod surface;
pub mod validate;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

pub use args::{Cli, Command, GlobalArgs};
pub use generate::schema_text;
pub use session::Session;

use crate::exit;
use crate::output::Out;

pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match surface::parse(args) {
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
    let result = match generate::run(&out, &cli.command) {
        Some(result) => result,
        None => Session::new(cli.global, out.clone())
            .and_then(|session| dispatch(&session, &cli.command)),
    };
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
    // `console` decides by itself whether a stream is a terminal; the user's choice overrides that, so
    // `--color always` colours a pipe too.
    console::set_colors_enabled(color);
    console::set_colors_enabled_stderr(color);
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
        Command::Schema | Command::Completions(_) | Command::Man(_) => {
            unreachable!("generate::run answers these before a session exists")
        }
        Command::Apply(args) => apply::run(session, args),
        Command::Destroy(args) => apply::destroy(session, args),
        Command::Status(args) => status::run(session, args),
        Command::Adopt(args) => adopt::run(session, args),
    }
}

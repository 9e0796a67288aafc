//! Commands that print something generated from stagecraft itself and read no config: shell completions,
//! man pages and the config's JSON Schema. They run before a session exists, so a broken `.env` or a
//! missing config cannot stop them.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::args::Command;
use crate::exit;
use crate::output::Out;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write one page per command (stagecraft.1, stagecraft-plan.1, ...) into DIR instead of printing
    /// stagecraft.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Runs `command` if it is one of these; `None` for every command that needs a session.
pub fn run(out: &Out, command: &Command) -> Option<anyhow::Result<ExitCode>> {
    let done = match command {
        Command::Completions(args) => completions(out, args),
        Command::Man(args) => man(out, args),
        Command::Schema => {
            out.stdout_raw(&schema_text());
            Ok(())
        }
        _ => return None,
    };
    Some(done.map(|()| exit::code(exit::SUCCESS)))
}

fn completions(out: &Out, args: &CompletionsArgs) -> anyhow::Result<()> {
    let mut command = super::surface::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "stagecraft", &mut script);
    out.stdout_raw(&String::from_utf8(script).context("a completion script that is not UTF-8")?);
    Ok(())
}

fn man(out: &Out, args: &ManArgs) -> anyhow::Result<()> {
    let command = without_help_subcommands(super::surface::command());
    match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(command, dir)
                .with_context(|| format!("writing the man pages into {}", dir.display()))?;
            out.note(&format!(
                "Wrote the man pages into {}; `man -M {} stagecraft` shows the first.",
                dir.display(),
                dir.parent().unwrap_or(dir).display()
            ));
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .date(env!("STAGECRAFT_BUILD_DATE"))
                .render(&mut page)
                .context("rendering the man page")?;
            out.stdout_raw(&String::from_utf8(page).context("a man page that is not UTF-8")?);
        }
    }
    Ok(())
}

/// clap's `help` subcommands (`stagecraft help plan`) hidden: they would get pages and listings of their own
/// that only repeat `--help`.
fn without_help_subcommands(command: clap::Command) -> clap::Command {
    command.mut_subcommands(|sub| {
        if sub.get_name() == "help" {
            sub.hide(true)
        } else {
            without_help_subcommands(sub)
        }
    })
}

/// The checked-in `schemas/stagecraft.schema.json`, generated from the config types.
pub fn schema_text() -> String {
    let mut text =
        serde_json::to_string_pretty(&crate::config::model::json_schema()).expect("plain JSON");
    text.push('\n');
    text
}

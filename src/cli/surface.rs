//! What each command offers. The global options are copied into every command by clap; here the ones
//! that do nothing for a command are hidden from its help and completions and refused when given, the
//! conflicts clap's attributes cannot express are refused, and `exec` without `--` gets a hint.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use super::args::Cli;

/// A command (its path of subcommand names), the global options it has no use for (`None`: all), and why.
struct Unused {
    path: &'static [&'static str],
    ids: Option<&'static [&'static str]>,
    why: &'static str,
}

const UNUSED: &[Unused] = &[
    Unused {
        path: &["completions"],
        ids: None,
        why: "it prints a script generated from stagecraft itself",
    },
    Unused {
        path: &["man"],
        ids: None,
        why: "it prints pages generated from stagecraft itself",
    },
    Unused {
        path: &["schema"],
        ids: None,
        why: "it prints the schema built into stagecraft",
    },
    Unused {
        path: &["sandbox"],
        ids: None,
        why: "the sandbox server reads no config and has options of its own",
    },
    Unused {
        path: &["sandbox", "serve"],
        ids: None,
        why: "the sandbox server reads no config and has options of its own",
    },
    Unused {
        path: &["exec"],
        ids: Some(&["json"]),
        why: "exec streams the remote command's own output",
    },
    Unused {
        path: &["ssh"],
        ids: Some(&["json"]),
        why: "ssh is an interactive login",
    },
];

/// The whole command line as clap sees it, with each command's unused global options hidden.
pub fn command() -> clap::Command {
    let mut command = Cli::command();
    // Built first, so the global options have been copied into every subcommand and can be hidden there.
    command.build();
    let globals: Vec<String> = command
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.get_id().to_string())
        .collect();
    for unused in UNUSED {
        let ids: Vec<String> = match unused.ids {
            Some(ids) => ids.iter().map(|id| id.to_string()).collect(),
            None => globals.clone(),
        };
        command = hide_in(command, unused.path, &ids);
    }
    command
}

// In place, keeping the order: clap has already indexed the built command's arguments by position, and
// `mut_arg`/`mut_subcommand` would move the changed one to the end.
fn hide_in(command: clap::Command, path: &[&str], ids: &[String]) -> clap::Command {
    match path.split_first() {
        None => command.mut_args(|a| {
            let hide = a.is_hide_set() || ids.iter().any(|id| a.get_id() == id.as_str());
            a.hide(hide)
        }),
        Some((name, rest)) => command.mut_subcommands(|sub| {
            if sub.get_name() == *name {
                hide_in(sub, rest, ids)
            } else {
                sub
            }
        }),
    }
}

/// Parses the command line: clap's own checks, then the refusals above. Errors are clap's, printed as
/// usage errors.
pub fn parse<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let mut command = command();
    let matches = command
        .try_get_matches_from_mut(&args)
        .map_err(|e| with_exec_hint(e, &args))?;
    refuse_unused(&command, &matches)?;
    refuse_conflicts(&command, &matches)?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))
}

/// The subcommand names chosen, outermost first (`["sandbox", "serve"]`).
fn path_of(matches: &ArgMatches) -> Vec<&str> {
    let mut path = Vec::new();
    let mut current = matches;
    while let Some((name, sub)) = current.subcommand() {
        path.push(name);
        current = sub;
    }
    path
}

/// The subcommand at `path`, for its usage line in an error.
fn find<'a>(command: &'a clap::Command, path: &[&str]) -> &'a clap::Command {
    path.iter().fold(command, |c, name| {
        c.find_subcommand(name).expect("a parsed subcommand")
    })
}

fn flag(command: &clap::Command, id: &str) -> String {
    let arg = command.get_arguments().find(|a| a.get_id() == id);
    match arg.and_then(|a| a.get_long()) {
        Some(long) => format!("--{long}"),
        None => id.to_string(),
    }
}

/// Typed on the command line (a variable or a default does not count).
fn typed(matches: &ArgMatches, id: &str) -> bool {
    matches.value_source(id) == Some(ValueSource::CommandLine)
}

fn usage_error(
    kind: ErrorKind,
    command: &clap::Command,
    path: &[&str],
    context: Vec<(ContextKind, ContextValue)>,
) -> clap::Error {
    let mut sub = find(command, path).clone();
    let mut error = clap::Error::new(kind).with_cmd(&sub);
    for (k, v) in context {
        error.insert(k, v);
    }
    error.insert(
        ContextKind::Usage,
        ContextValue::StyledStr(sub.render_usage()),
    );
    error
}

fn refuse_unused(command: &clap::Command, matches: &ArgMatches) -> Result<(), clap::Error> {
    let path = path_of(matches);
    let Some(unused) = UNUSED.iter().find(|u| u.path == path.as_slice()) else {
        return Ok(());
    };
    let given = command
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.get_id().as_str())
        .filter(|id| unused.ids.is_none_or(|ids| ids.contains(id)))
        .find(|id| typed(matches, id));
    let Some(id) = given else { return Ok(()) };
    let flag = flag(command, id);
    let tip = format!(
        "`stagecraft {}` takes no {flag}: {}",
        path.join(" "),
        unused.why
    );
    Err(usage_error(
        ErrorKind::UnknownArgument,
        command,
        &path,
        vec![
            (ContextKind::InvalidArg, ContextValue::String(flag)),
            (
                ContextKind::Suggested,
                ContextValue::StyledStrs(vec![tip.into()]),
            ),
        ],
    ))
}

/// `--sandbox` with `--api-url`: which API was meant? (A DIGITALOCEAN_API_URL in the environment is not a
/// conflict: `--sandbox` on the command line is the more specific wish.)
fn refuse_conflicts(command: &clap::Command, matches: &ArgMatches) -> Result<(), clap::Error> {
    if matches.get_flag("sandbox") && typed(matches, "api_url") {
        return Err(usage_error(
            ErrorKind::ArgumentConflict,
            command,
            &path_of(matches),
            vec![
                (
                    ContextKind::InvalidArg,
                    ContextValue::String("--sandbox".into()),
                ),
                (
                    ContextKind::PriorArg,
                    ContextValue::String("--api-url <URL>".into()),
                ),
            ],
        ));
    }
    Ok(())
}

/// `stagecraft exec app-1 uptime`: the command must follow `--`, and clap alone only says that `uptime`
/// was unexpected.
fn with_exec_hint(mut error: clap::Error, args: &[OsString]) -> clap::Error {
    let kinds = [
        ErrorKind::UnknownArgument,
        ErrorKind::ArgumentConflict,
        ErrorKind::MissingRequiredArgument,
    ];
    if !kinds.contains(&error.kind()) || args.iter().any(|a| a == "--") {
        return error;
    }
    let partial = command().ignore_errors(true).try_get_matches_from(args);
    if partial.is_ok_and(|m| m.subcommand_name() == Some("exec")) {
        error.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![
                "the remote command goes after `--`: `stagecraft exec app-1 -- uptime`".into(),
            ]),
        );
    }
    error
}

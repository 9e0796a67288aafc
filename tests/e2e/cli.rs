//! The command line itself: version, completions, man pages, help, refused and conflicting options,
//! `--color`, `--json` on every command that takes it, and durations typed on the command line.

use serde_json::{Value, json};

use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![
        case!(version_names_the_commit_and_the_build_date),
        case!(completions_for_every_shell),
        case!(a_man_page_or_one_per_command),
        case!(every_option_and_command_has_help),
        case!(a_commands_own_options_come_before_the_global_ones),
        case!(options_that_do_nothing_are_neither_offered_nor_accepted),
        case!(conflicting_options_are_refused),
        case!(exec_without_a_double_dash_says_where_the_command_goes),
        case!(ssh_options_must_be_key_equals_value),
        case!(color_always_colours_a_pipe),
        case!(validate_and_adopt_answer_in_json),
        case!(durations_on_the_command_line_and_in_variables),
    ]
}

const NO_API: &str = "http://127.0.0.1:9";

fn project() -> Project {
    Project::new(&config_with_hosts(NO_API, "          app-1: {}\n"))
}

fn version_names_the_commit_and_the_build_date() {
    let out = project().run(&["--version"]).success();
    let shape = regex::Regex::new(
        r"^stagecraft \d+\.\d+\.\d+ \(([0-9a-f]{9}|unknown) \d{4}-\d\d-\d\d\)\n$",
    )
    .unwrap();
    assert!(shape.is_match(&out.stdout), "{:?}", out.stdout);
    assert_eq!(project().run(&["-V"]).success().stdout, out.stdout);
}

fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "_stagecraft()"),
        ("zsh", "#compdef stagecraft"),
        ("fish", "complete -c stagecraft"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[stagecraft]"),
    ] {
        let out = project().run(&["completions", shell]).success();
        out.assert_stdout_has(marker);
        out.assert_stdout_has("auto-approve");
        assert!(out.stderr.is_empty(), "{out:?}");
    }
    let out = project().run(&["completions", "tcsh"]).code(1);
    out.assert_stderr_has("possible values: bash, elvish, fish, powershell, zsh");
}

fn a_man_page_or_one_per_command() {
    let out = project().run(&["man"]).success();
    out.assert_stdout_has(".TH stagecraft 1");
    out.assert_stdout_has(".SH SUBCOMMANDS");
    out.assert_stdout_has("stagecraft\\-plan(1)");
    let project = project();
    project.run(&["man", "--dir", "man1"]).success();
    for page in [
        "stagecraft.1",
        "stagecraft-plan.1",
        "stagecraft-sandbox-serve.1",
    ] {
        let text = std::fs::read_to_string(project.path().join("man1").join(page))
            .unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.starts_with(".ie \\n(.g .ds Aq"), "{page} is roff");
    }
    assert!(
        !project.path().join("man1/stagecraft-help.1").exists(),
        "clap's help subcommand gets no page"
    );
    let plan = std::fs::read_to_string(project.path().join("man1/stagecraft-plan.1")).unwrap();
    assert!(plan.contains("detailed\\-exitcode"), "{plan}");
}

fn every_option_and_command_has_help() {
    fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        if command.get_about().is_none() && path != "stagecraft help" {
            missing.push(path.to_string());
        }
        for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
            if arg.get_help().is_none() {
                missing.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut missing = Vec::new();
    walk(
        &stagecraft::cli::surface::command(),
        "stagecraft",
        &mut missing,
    );
    assert!(missing.is_empty(), "no help text: {missing:?}");
}

fn a_commands_own_options_come_before_the_global_ones() {
    let out = project().run(&["destroy", "--help"]).success();
    let at = |text: &str| {
        out.stdout
            .find(text)
            .unwrap_or_else(|| panic!("{text:?} not in\n{}", out.stdout))
    };
    assert!(at("--auto-approve") < at("Global options:"));
    assert!(at("--poll-interval <DURATION>") < at("Global options:"));
    assert!(at("Global options:") < at("--config <FILE>"));
    out.assert_stdout_has("Do not ask for confirmation");
    out.assert_stdout_has("Colour: `auto` on a terminal unless NO_COLOR is set");
}

fn options_that_do_nothing_are_neither_offered_nor_accepted() {
    for (args, absent) in [
        (&["schema", "--help"][..], "--config"),
        (&["completions", "--help"], "--env"),
        (&["sandbox", "serve", "--help"], "--api-url"),
        (&["sandbox", "serve", "--help"], "Global options"),
        (&["exec", "--help"], "--json"),
    ] {
        let out = project().run(args).success();
        assert!(
            !out.stdout.contains(absent),
            "{args:?} offers {absent}:\n{}",
            out.stdout
        );
    }
    let out = project()
        .run(&["exec", "--json", "app-1", "--", "true"])
        .code(1);
    out.assert_stderr_has("unexpected argument '--json'");
    out.assert_stderr_has("`stagecraft exec` takes no --json");
    let out = project().run(&["--env", "staging", "schema"]).code(1);
    out.assert_stderr_has("`stagecraft schema` takes no --env");
    // Set in the environment, not typed: the command runs.
    project()
        .env("STAGECRAFT_ENV", "staging")
        .run(&["schema"])
        .success();
}

fn conflicting_options_are_refused() {
    let out = project().run(&["-q", "-v", "status"]).code(1);
    out.assert_stderr_has("'--quiet' cannot be used with '--verbose'");
    let out = project()
        .run(&["--sandbox", "plan", "--api-url", NO_API])
        .code(1);
    out.assert_stderr_has("'--sandbox' cannot be used with '--api-url <URL>'");
    // A DIGITALOCEAN_API_URL in the environment is not a conflict: --sandbox is the more specific wish.
    project()
        .env("DIGITALOCEAN_API_URL", NO_API)
        .run(&["--sandbox", "validate", "--offline"])
        .success();
}

fn exec_without_a_double_dash_says_where_the_command_goes() {
    for args in [
        &["exec", "app-1", "uptime"][..],
        &["exec", "--role", "app", "uptime"],
        &["exec", "app-1"],
    ] {
        let out = project().run(args).code(1);
        out.assert_stderr_has("tip: the remote command goes after `--`");
    }
    let out = project()
        .run(&["exec", "app-1", "--bogus", "--", "x"])
        .code(1);
    assert!(!out.stderr.contains("goes after `--`"), "{out:?}");
}

fn ssh_options_must_be_key_equals_value() {
    let out = project()
        .run(&["exec", "app-1", "--ssh-option", "foo", "--", "true"])
        .code(1);
    out.assert_stderr_has("invalid value 'foo' for '--ssh-option <KEY=VALUE>': expected KEY=VALUE");
}

fn color_always_colours_a_pipe() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, "          app-1: {}\n"));
    let green = "\u{1b}[32m";
    let out = project.run(&["plan", "--color", "always"]).success();
    out.assert_stdout_has(green);
    let out = project.run(&["plan"]).success();
    assert!(
        !out.stdout.contains('\u{1b}'),
        "NO_COLOR and a pipe: {out:?}"
    );
    let out = project.run(&["plan", "--color", "never"]).success();
    assert!(!out.stdout.contains('\u{1b}'), "{out:?}");
}

fn validate_and_adopt_answer_in_json() {
    let out = project()
        .run(&["validate", "--offline", "--json"])
        .success();
    let v: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    assert_eq!(v["environments"], json!(["staging"]));
    assert_eq!(v["hosts"], 1);
    assert_eq!(v["api_checks"], "skipped");

    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, "          app-1: {}\n"));
    let out = project.run(&["validate", "--json"]).success();
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["api_checks"], "passed");
    let body = json!({"name": "staging-app-1", "region": "nyc1", "size": "s-1vcpu-1gb", "image": "ubuntu-22-04-x64"});
    let id = sb.post("/v2/droplets", body).json["droplet"]["id"]
        .as_u64()
        .unwrap();
    let out = project
        .run(&["adopt", "app-1", "--id", &id.to_string(), "--json"])
        .success();
    let v: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    assert_eq!(v["droplet_name"], "staging-app-1");
    assert_eq!(v["droplet_id"], id);
    assert!(
        v["tags_added"]
            .as_array()
            .unwrap()
            .contains(&json!("stagecraft:env:staging"))
    );
}

fn durations_on_the_command_line_and_in_variables() {
    let out = project().run(&["apply", "--timeout", "1x"]).code(1);
    out.assert_stderr_has("invalid value '1x' for '--timeout <DURATION>': `1x` is not a duration");
    let out = project()
        .run(&["sandbox", "serve", "--boot-time", "99999999h"])
        .code(1);
    out.assert_stderr_has("`99999999h` is too long");
    let out = project()
        .env("STAGECRAFT_SANDBOX_BOOT_TIME", "3")
        .run(&["--sandbox", "plan"])
        .code(1);
    out.assert_stderr_has("reading STAGECRAFT_SANDBOX_BOOT_TIME");
    out.assert_stderr_has("`3` is not a duration");
}

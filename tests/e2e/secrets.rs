//! The canary token must never appear in any output, log, plan, report or database file.

use serde_json::json;

use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{CANARY, Output, Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![
        case!(the_token_appears_in_no_output_log_plan_or_database),
        case!(debug_output_of_the_client_and_options_hides_the_token),
        case!(a_broken_env_file_is_reported_without_its_text),
        case!(a_token_that_cannot_be_sent_fails_at_once_and_sends_nothing),
    ]
}

fn the_token_appears_in_no_output_log_plan_or_database() {
    let sb = TestSandbox::start();
    sb.seed(json!({"droplets": 2, "name_prefix": "someone-"}));
    let project = Project::new(&config_with_hosts(
        &sb.url,
        "          app-1: { user_data: \"#!/bin/sh\\necho hi\\n\" }\n          app-2: {}\n",
    ));
    let db = format!("sqlite:{}", project.path().join("inv.sqlite3").display());
    let runs: Vec<Output> = [
        vec!["validate"],
        vec!["plan"],
        vec!["plan", "--json", "--out", "plan.json"],
        vec!["-v", "apply", "plan.json"],
        vec!["--json", "apply", "--auto-approve"],
        vec!["status"],
        vec!["--json", "status"],
        vec!["ingest", "--db", db.as_str()],
        vec!["destroy", "--auto-approve"],
    ]
    .into_iter()
    .map(|args| project.run(&args).success())
    .collect();
    for out in &runs {
        out.assert_no_canary();
    }
    // A rejected token: the error explains, and still does not show it.
    let wrong = Project::new(&config_with_hosts(&sb.url, "          app-1: {}\n"))
        .env("DO_TOKEN", "dop_v1_wrongwrongwrong");
    let out = wrong.run(&["plan"]).code(1);
    assert!(
        out.stderr.contains("HTTP 401 unauthorized") && out.stderr.contains("token_env"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("wrongwrong"), "{out:?}");
    // Files stagecraft wrote: the audit log, the saved plan, the SQLite inventory.
    let mut files = project.data_files_text();
    files.push_str(&std::fs::read_to_string(project.path().join("plan.json")).unwrap());
    files.push_str(&String::from_utf8_lossy(
        &std::fs::read(project.path().join("inv.sqlite3")).unwrap(),
    ));
    assert!(
        !files.contains(CANARY) && !files.contains("canarycanary"),
        "the token was written to a file"
    );
    assert!(
        !files.contains("echo hi"),
        "user data is shown only as its size and hash"
    );
}

fn debug_output_of_the_client_and_options_hides_the_token() {
    let client = stagecraft::provider::Client::new(stagecraft::provider::ClientOptions::new(
        "http://127.0.0.1:9",
        stagecraft::provider::Token::new(CANARY),
    ))
    .unwrap();
    assert!(!format!("{client:?}").contains("canary"));
    let options = stagecraft::sandbox::SandboxOptions {
        token: CANARY.into(),
        ..Default::default()
    };
    assert!(!format!("{options:?}").contains("canary"));
}

fn a_broken_env_file_is_reported_without_its_text() {
    let sb = TestSandbox::start();
    let project =
        Project::new(&config_with_hosts(&sb.url, "          app-1: {}\n")).without_env("DO_TOKEN");
    // An unterminated quote: the parser's own message would quote the whole line, token included.
    project.write(
        ".env",
        &format!("# deploy token\nDO_TOKEN=\"{CANARY}\nOTHER=1\n"),
    );
    let out = project.run(&["plan"]).code(1);
    out.assert_stderr_has(".env:2: cannot parse this line (setting `DO_TOKEN`)");
    out.assert_no_canary();
    assert!(!out.stderr.contains("canary"), "{out:?}");
}

fn a_token_that_cannot_be_sent_fails_at_once_and_sends_nothing() {
    let sb = TestSandbox::start();
    for (token, says) in [
        (format!("{CANARY}\n"), "holds a line break at its end"),
        (
            format!("dop_v1_ab\u{7}{CANARY}"),
            "holds a control character at character 10",
        ),
        (format!("{CANARY} x"), "holds white space at character 66"),
    ] {
        let project = Project::new(&config_with_hosts(&sb.url, "          app-1: {}\n"))
            .env("DO_TOKEN", &token);
        let started = std::time::Instant::now();
        let out = project.run(&["plan"]).code(1);
        assert!(
            started.elapsed() < crate::support::scaled(std::time::Duration::from_secs(2)),
            "{out:?}"
        );
        out.assert_stderr_has(says);
        out.assert_no_canary();
    }
    // A malformed API address is as local: refused before any connection.
    let project = Project::new(&config_with_hosts("http://[::1", "          app-1: {}\n"));
    project
        .run(&["plan"])
        .code(1)
        .assert_stderr_has("opens an IPv6 address with `[` but never closes it");
    assert!(
        sb.requests().is_empty(),
        "nothing reached the API: {:?}",
        sb.requests()
    );
}

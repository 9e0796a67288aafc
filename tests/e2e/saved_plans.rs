//! Saved plans that cannot be trusted are refused before anything is sent, each with its reason; the
//! same plan untouched still applies afterwards, so the refusals are not a blanket "no".

use serde_json::Value;

use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![case!(
        a_saved_plan_is_refused_when_unreadable_foreign_or_outdated
    )]
}

fn a_saved_plan_is_refused_when_unreadable_foreign_or_outdated() {
    let sb = TestSandbox::start();
    let two_envs = |staging_hosts: &str| {
        config_with_hosts(&sb.url, staging_hosts) + "        production:\n          web-1: {}\n"
    };
    let project = Project::new(&two_envs("          app-1: {}\n"));
    project
        .run(&["plan", "--env", "staging", "--out", "plan.json"])
        .success();
    project
        .run(&["plan", "--env", "production", "--out", "prod.json"])
        .success();
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(project.path().join("plan.json")).unwrap())
            .unwrap();
    let mut future = saved.clone();
    future["format_version"] = Value::from(999);
    project.write("future.json", &future.to_string());
    project.write("junk.json", "{\"not\": \"a plan\"}");

    // (saved plan file, what the refusal must say)
    let cases = [
        ("absent.json", "cannot read the saved plan absent.json: "),
        (
            "junk.json",
            "cannot read the saved plan junk.json: not a stagecraft plan",
        ),
        ("future.json", "plan format 999 is not the supported format"),
        (
            "prod.json",
            "the saved plan prod.json is for environment `production`, not `staging`",
        ),
    ];
    for (file, says) in cases {
        let out = project
            .run(&["apply", "--env", "staging", file])
            .code(1)
            .no_canary();
        out.assert_stderr_has(says);
    }

    // The config moved on since the plan was made: a second host now.
    project.write(
        "stagecraft.yml",
        &two_envs("          app-1: {}\n          app-2: {}\n"),
    );
    let out = project
        .run(&["apply", "--env", "staging", "plan.json"])
        .code(1);
    out.assert_stderr_has(
        "the saved plan plan.json is stale: the config changed since it was made",
    );
    assert!(sb.droplets().is_empty(), "a refused plan sends nothing");

    // Back to the config it was made from, the same file applies.
    project.write("stagecraft.yml", &two_envs("          app-1: {}\n"));
    project
        .run(&["apply", "--env", "staging", "plan.json"])
        .success();
    assert_eq!(sb.names(), ["staging-app-1"]);
}

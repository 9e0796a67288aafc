//! `apply` and `destroy` through the real binary: round trips, idempotence, ownership, saved plans and
//! the README quick start.

use serde_json::json;

use super::{expected_names, hosts, tags_of};
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts};
use crate::{case, snapshot};

pub fn tests() -> Vec<Case> {
    vec![
        case!(create_then_delete_round_trip_and_a_second_apply_sends_nothing),
        case!(without_a_terminal_or_auto_approve_apply_refuses),
        case!(an_unmanaged_droplet_is_never_touched),
        case!(a_saved_plan_applies_and_a_stale_one_is_refused),
        case!(the_readme_quick_start_works_offline_with_no_token),
        case!(two_applies_from_two_machines_at_once_leave_one_droplet_per_name),
    ]
}

/// Two CI runners apply one config from two checkouts at once (no shared lock file): the creates race
/// (the sandbox holds each create for a second, so both are sent before either lands), and both
/// applies converge on the oldest droplet of each name.
fn two_applies_from_two_machines_at_once_leave_one_droplet_per_name() {
    let sb = TestSandbox::start();
    sb.fault(
        json!({"method": "POST", "path": "/v2/droplets", "kind": "latency", "latency_ms": 1000}),
    );
    let config = config_with_hosts(&sb.url, &hosts(3));
    let runners = [Project::new(&config), Project::new(&config)];
    let args = ["apply", "--auto-approve"];
    let children: Vec<_> = runners
        .iter()
        .map(|p| {
            p.command(&args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = crate::support::Output::new(&args, child.wait_with_output().unwrap()).success();
        out.assert_no_canary();
    }
    assert_eq!(
        sb.count("POST /v2/droplets"),
        2,
        "both sent their create: the race happened"
    );
    assert_eq!(
        sb.names(),
        expected_names(3),
        "exactly one droplet per name"
    );
    // Each kept the oldest: the same ids, whichever runner made them.
    let ids: Vec<u64> = sb
        .droplets()
        .iter()
        .map(|d| d["id"].as_u64().unwrap())
        .collect();
    assert!(
        ids.iter().all(|id| *id <= 400000003),
        "the first batch's droplets stay: {ids:?}"
    );
    for runner in &runners {
        runner.run(&["plan", "--detailed-exitcode"]).success();
    }
}

fn create_then_delete_round_trip_and_a_second_apply_sends_nothing() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(3)));
    let out = project.run(&["apply", "--auto-approve"]).success();
    assert_eq!(sb.names(), expected_names(3));
    assert!(
        out.stdout.contains("Apply complete: 3 done, 0 failed"),
        "{out:?}"
    );
    out.assert_no_canary();
    for d in sb.droplets() {
        let tags = tags_of(&d);
        assert!(
            tags.contains(&"stagecraft")
                && tags.contains(&"stagecraft:env:staging")
                && tags.contains(&"stagecraft:role:app"),
            "{tags:?}"
        );
        for prefix in ["stagecraft:ud:", "stagecraft:keys:", "stagecraft:tags:"] {
            assert!(tags.iter().any(|t| t.starts_with(prefix)), "{tags:?}");
        }
        assert!(
            !tags.iter().any(|t| t.starts_with("stagecraft:spec:")),
            "{tags:?}"
        );
    }
    // Idempotent: nothing to do, no POST or DELETE sent.
    sb.clear_requests();
    let again = project.run(&["apply", "--auto-approve"]).success();
    assert!(again.stdout.starts_with("No changes."), "{again:?}");
    assert_eq!(
        sb.count("POST /v2/droplets") + sb.count("DELETE /v2/droplets/{id}"),
        0,
        "{}",
        sb.counters()
    );
    // Shrink the env: only the host removed from the config goes.
    project.write("stagecraft.yml", &config_with_hosts(&sb.url, &hosts(2)));
    project.run(&["apply", "--auto-approve"]).success();
    assert_eq!(sb.names(), expected_names(2));
    // Destroy: every managed droplet of the env, and nothing else.
    sb.seed(json!({"droplets": 2, "name_prefix": "not-ours-"}));
    sb.seed(json!({"droplets": 1, "name_prefix": "production-app-", "tags": TestSandbox::managed("production", "app")}));
    project.run(&["destroy", "--auto-approve"]).success();
    assert_eq!(
        sb.names(),
        vec!["not-ours-1", "not-ours-2", "production-app-1"]
    );
}

fn without_a_terminal_or_auto_approve_apply_refuses() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(1)));
    let out = project.run(&["apply"]).code(1);
    snapshot!("apply_refuses_without_tty", out.transcript(&project));
    assert!(sb.names().is_empty());
}

fn an_unmanaged_droplet_is_never_touched() {
    let sb = TestSandbox::start();
    sb.seed(json!({"droplets": 1, "name_prefix": "staging-app-", "tags": ["handmade"]}));
    sb.seed(json!({"droplets": 3, "name_prefix": "staging-web-"}));
    let before = sb.droplets();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(2)));
    sb.clear_requests();
    let out = project
        .run(&["apply", "--auto-approve"])
        .because("a desired name held by someone else's droplet is a conflict")
        .code(1);
    assert!(out.stderr.contains("not managed by stagecraft"), "{out:?}");
    assert_eq!(
        sb.count("POST /v2/droplets")
            + sb.count("DELETE /v2/droplets/{id}")
            + sb.count("POST /v2/droplets/{id}/actions"),
        0
    );
    project.run(&["destroy", "--auto-approve"]).success();
    assert_eq!(sb.droplets(), before);
}

fn a_saved_plan_applies_and_a_stale_one_is_refused() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(2)));
    project.run(&["plan", "--out", "plan.json"]).success();
    project
        .run(&["apply", "plan.json"])
        .because("a saved plan needs no second approval")
        .success();
    assert_eq!(sb.names(), expected_names(2));

    project.write("stagecraft.yml", &config_with_hosts(&sb.url, &hosts(3)));
    project.run(&["plan", "--out", "plan.json"]).success();
    // Someone changes the env in between.
    sb.seed(json!({"droplets": 1, "name_prefix": "staging-extra-", "tags": TestSandbox::managed("staging", "app")}));
    let out = project.run(&["apply", "plan.json"]).code(1);
    assert!(
        out.stderr.contains("is stale: the live droplets changed"),
        "{out:?}"
    );
    // What moved is shown, as a diff of the saved plan against a fresh one.
    out.assert_stderr_has("--- saved plan");
    out.assert_stderr_has("+      \"droplet_name\": \"staging-extra-1\"");
    assert_eq!(sb.names().len(), 3, "nothing was applied");
}

/// The README's quick start, with the sandbox booting at once so the test does not wait.
fn the_readme_quick_start_works_offline_with_no_token() {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/stagecraft.yml"
    ))
    .unwrap();
    let project = Project::new(&example)
        .without_env("DO_TOKEN")
        .env("STAGECRAFT_SANDBOX_BOOT_TIME", "0s");
    let out = project
        .run(&[
            "--sandbox",
            "apply",
            "--env",
            "staging",
            "--auto-approve",
            "--poll-interval",
            "10ms",
        ])
        .success();
    assert!(
        out.stdout.contains("Apply complete: 2 done, 0 failed"),
        "{out:?}"
    );
    let plan = project
        .run(&["--sandbox", "plan", "--env", "staging"])
        .success();
    assert!(
        plan.stdout
            .starts_with("No changes. Environment `staging` matches the config (2 droplets)."),
        "{plan:?}"
    );
    let status = project.run(&["--sandbox", "status"]);
    assert!(
        status.stdout.contains("staging-app-1  active"),
        "{status:?}"
    );
    project
        .run(&[
            "--sandbox",
            "destroy",
            "--auto-approve",
            "--poll-interval",
            "10ms",
        ])
        .success();
}

//! Hostile and careless input, refused before anything is sent: stagecraft's tag namespace, names two
//! envs would share, unbounded files, timings that would burn the rate limit, values that cannot be right.

use std::time::{Duration, Instant};

use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts, scaled};

pub fn tests() -> Vec<Case> {
    vec![
        case!(tags_in_stagecraft_s_namespace_and_names_two_envs_share_are_refused),
        case!(values_that_cannot_be_right_are_refused_with_their_line),
        case!(devices_pipes_and_huge_files_are_refused_at_once),
        case!(a_zero_poll_interval_is_refused),
        case!(destroy_says_destroy_and_ctrl_c_says_nothing_is_lost),
        case!(long_waits_are_announced),
        case!(sandbox_reset_empties_the_offline_account),
        case!(status_flags_names_held_by_others_and_duplicates),
    ]
}

/// Where the API would be: nothing listens, and offline checks must not need it.
const NO_API: &str = "http://127.0.0.1:9";

fn tags_in_stagecraft_s_namespace_and_names_two_envs_share_are_refused() {
    let yaml = config_with_hosts(
        NO_API,
        "          app-1: { tags: [\"stagecraft:env:prod\"] }\n        qa:\n          app-1: {}\n        qa-app:\n          \"1\": {}\n",
    );
    let out = Project::new(&yaml).run(&["validate", "--offline"]).code(1);
    out.assert_stderr_has("stagecraft.yml:14:");
    out.assert_stderr_has("tag `stagecraft:env:prod` is in stagecraft's own namespace");
    out.assert_stderr_has(
        "host `1` of env `qa-app` makes the droplet `qa-app-1`, as host `app-1` of env `qa` does",
    );
    out.assert_no_canary();
}

fn values_that_cannot_be_right_are_refused_with_their_line() {
    let yaml = config_with_hosts(
        "http://[::1",
        "          app-1: { vpc_uuid: vpc-default }\n",
    )
    .replace(
        "poll_interval: 10ms",
        "poll_interval: 0s\n        timeout: 48h",
    )
    .replace(
        "      hosts:\n",
        "      policy: { max_droplets: 0 }\n      hosts:\n",
    );
    let out = Project::new(&yaml).run(&["validate", "--offline"]).code(1);
    for expected in [
        "stagecraft.yml:7:16: api_url `http://[::1` opens an IPv6 address",
        "vpc_uuid `vpc-default` is not a VPC id",
        "apply.poll_interval is 0; it must be above 0",
        "apply.timeout is 48h; it must be below a day",
        "policy.max_droplets is 0; it must be above 0",
    ] {
        out.assert_stderr_has(expected);
    }
}

fn devices_pipes_and_huge_files_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let huge = dir.path().join("huge");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    for (file, says) in [
        ("/dev/zero".to_string(), "not a regular file"),
        (fifo.display().to_string(), "not a regular file"),
        (huge.display().to_string(), "larger than 64 KiB"),
        (dir.path().display().to_string(), "a directory"),
    ] {
        let yaml = config_with_hosts(
            NO_API,
            &format!("          app-1: {{ user_data_file: \"{file}\" }}\n"),
        );
        let project = Project::new(&yaml);
        let started = Instant::now();
        let out = project.run(&["validate", "--offline"]).code(1);
        assert!(
            started.elapsed() < scaled(Duration::from_secs(1)),
            "{file}: {:?}",
            started.elapsed()
        );
        out.assert_stderr_has(says);
        out.assert_stderr_has("user_data_file");
    }
    // The config file itself is bounded too.
    let project = Project::new("");
    let big = project.path().join("big.yml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let out = project
        .run(&["-c", "big.yml", "validate", "--offline"])
        .code(1);
    out.assert_stderr_has("is larger than 32 MiB");
}

fn a_zero_poll_interval_is_refused() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, "          app-1: {}\n"));
    let out = project
        .run(&["apply", "--auto-approve", "--poll-interval", "0s"])
        .code(1);
    out.assert_stderr_has("the poll interval is 0ns; it must be at least 10ms");
    assert_eq!(sb.count("POST /v2/droplets"), 0, "nothing sent");
    // Against DigitalOcean itself, at least a second.
    let remote = Project::new(&config_with_hosts(
        "https://api.digitalocean.com",
        "          app-1: {}\n",
    ));
    remote
        .run(&["apply", "--auto-approve", "--poll-interval", "500ms"])
        .code(1)
        .assert_stderr_has("it must be at least 1s against DigitalOcean");
}

fn destroy_says_destroy_and_ctrl_c_says_nothing_is_lost() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(
        &sb.url,
        "          app-1: {}\n          app-2: {}\n",
    ));
    project.run(&["apply", "--auto-approve"]).success();
    let plan = project.run(&["plan", "--json"]).success();
    assert!(
        plan.stdout.contains("\"current_monthly_usd\": 12.0"),
        "{plan:?}"
    );
    let out = project.run(&["destroy", "--auto-approve"]).success();
    out.assert_stdout_has("Destroy complete: 2 done, 0 failed");
    assert!(!out.stdout.contains("Apply"), "{out:?}");

    // Ctrl-C while a create is in flight: the sandbox holds it for three seconds, and the plan before it
    // takes a fraction of one (the request log only shows a request once answered, so it cannot tell).
    let held = scaled(Duration::from_millis(3000));
    sb.fault(serde_json::json!({"method": "POST", "path": "/v2/droplets", "kind": "latency", "latency_ms": held.as_millis() as u64}));
    sb.clear_requests();
    let child = project
        .command(&["apply", "--auto-approve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(scaled(Duration::from_millis(1000)));
    let interrupted = Instant::now();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = crate::support::Output::new(&["apply"], child.wait_with_output().unwrap()).code(130);
    out.assert_stderr_has("interrupted: nothing is lost");
    out.assert_stderr_has("run `stagecraft apply` again");
    sb.clear_faults();
    // And indeed: the next apply finishes the job, with no duplicate. The create, sent before the
    // interrupt, is answered at most `held` after it.
    let answered_by = interrupted + held + Duration::from_millis(100);
    while sb.count("POST /v2/droplets") == 0 && Instant::now() < answered_by {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(sb.count("POST /v2/droplets"), 1, "the create was in flight");
    project.run(&["apply", "--auto-approve"]).success();
    assert_eq!(sb.names(), ["staging-app-1", "staging-app-2"]);
}

fn long_waits_are_announced() {
    let sb = TestSandbox::start();
    sb.fault(serde_json::json!({"method": "GET", "path": "/v2/regions", "kind": "status", "status": 429, "retry_after": 3, "times": 1}));
    let project = Project::new(&config_with_hosts(&sb.url, "          app-1: {}\n"));
    let out = project.run(&["plan"]).success();
    out.assert_stderr_has("waiting 3s: the API's rate limit was reached on GET /v2/regions");
}

fn sandbox_reset_empties_the_offline_account() {
    let project = Project::new(&config_with_hosts(NO_API, "          app-1: {}\n"))
        .env("STAGECRAFT_SANDBOX_BOOT_TIME", "0s");
    project
        .run(&["--sandbox", "apply", "--auto-approve"])
        .success();
    project
        .run(&["--sandbox", "plan"])
        .success()
        .assert_stdout_has("No changes.");
    project
        .run(&["sandbox", "reset"])
        .success()
        .assert_stdout_has("The sandbox account is empty again");
    project
        .run(&["--sandbox", "plan"])
        .success()
        .assert_stdout_has("+ staging-app-1  create");
}

fn status_flags_names_held_by_others_and_duplicates() {
    let sb = TestSandbox::start();
    let managed = TestSandbox::managed("staging", "app");
    sb.seed(serde_json::json!({"droplets": 1, "name_prefix": "staging-app-", "tags": managed}));
    sb.seed(serde_json::json!({"droplets": 1, "name_prefix": "staging-app-", "tags": managed}));
    sb.seed(serde_json::json!({"droplets": 1, "name_prefix": "staging-db-", "tags": ["team-db"]}));
    let project = Project::new(&config_with_hosts(
        &sb.url,
        "          app-1: {}\n          db-1: {}\n",
    ));
    let out = project.run(&["status"]).success();
    out.assert_stdout_has("staging-app-1  duplicate");
    out.assert_stdout_has("2 droplets have this name (ids 400000001, 400000002)");
    out.assert_stdout_has("staging-db-1   conflict");
    out.assert_stdout_has("an unmanaged droplet holds this name (id 400000003)");
    project.run(&["status", "--detailed-exitcode"]).code(1);
    let json = project.run(&["--json", "status"]).success();
    assert!(json.stdout.contains("\"problem\""), "{json:?}");
}

//! Concurrency and crashes: a second apply is refused while one runs, and an apply killed at any
//! moment converges on the next run without duplicates.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;

use super::{expected_names, hosts};
use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![
        case!(a_second_concurrent_apply_fails_clearly_instead_of_racing),
        case!(a_crash_at_any_moment_followed_by_apply_converges_without_duplicates),
    ]
}

fn a_second_concurrent_apply_fails_clearly_instead_of_racing() {
    let sb = TestSandbox::with(|o| o.boot_time = Duration::from_secs(3600));
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(2)));
    let mut first = project
        .command(&[
            "apply",
            "--auto-approve",
            "--poll-interval",
            "50ms",
            "--timeout",
            "1h",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(first.stderr.take().unwrap()).lines();
    // Once the first apply reports progress it holds the lock.
    lines.next().unwrap().unwrap();
    let second = project.run(&["apply", "--auto-approve"]).code(1);
    assert!(
        second
            .stderr
            .contains("another stagecraft apply or destroy is running on environment `staging`"),
        "{second:?}"
    );
    sb.advance(3600);
    let status = first.wait().unwrap();
    assert!(status.success());
    assert_eq!(sb.names(), expected_names(2));
}

/// SIGKILLs a 20-host apply at 20 different moments (after the k-th progress line), re-runs it each time,
/// and checks it converges with zero duplicates.
fn a_crash_at_any_moment_followed_by_apply_converges_without_duplicates() {
    let sb = TestSandbox::with(|o| o.boot_time = Duration::from_millis(300));
    // Each round resets the sandbox's rate-limit windows, and its 250 a minute are far more than this test
    // sends per round; the client's own per-minute budget (which remembers earlier runs) would otherwise
    // make the rounds wait a minute each.
    let config = config_with_hosts(&sb.url, &hosts(20)).replace(
        "      hosts:\n",
        "      api: { per_minute: 100000 }\n      hosts:\n",
    );
    let project = Project::new(&config);
    // A small deterministic generator: the same 20 moments on every run.
    let mut seed: u64 = 0x5eed;
    for round in 0..20 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let kill_after = (seed >> 33) % 45;
        sb.reset();
        if round % 2 == 1 {
            // Half the rounds start from a partly built env.
            sb.seed(json!({"droplets": 5, "name_prefix": "staging-app-", "start": 3, "tags": TestSandbox::managed("staging", "app")}));
        }
        let mut child = project
            .command(&["apply", "--auto-approve", "--poll-interval", "20ms"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        for _ in 0..kill_after {
            if lines.next().is_none() {
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        let out = project.run(&["apply", "--auto-approve", "--poll-interval", "20ms"]);
        let names = sb.names();
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(
            unique.len(),
            names.len(),
            "round {round} (killed after {kill_after} lines) left duplicates: {names:?}"
        );
        // Seeded droplets without a spec tag are replaced; either way the env converges to 20 names.
        if out.code != 0 {
            project
                .run(&["apply", "--auto-approve", "--poll-interval", "20ms"])
                .because(format!("round {round}, after: {out:?}"))
                .success();
        }
        assert_eq!(
            sb.names(),
            expected_names(20),
            "round {round} (killed after {kill_after} lines)"
        );
        project
            .run(&["plan", "--detailed-exitcode"])
            .because(format!("round {round}"))
            .success();
    }
}

//! Concurrency and crashes: a second apply is refused while one runs, and an apply killed at any
//! moment converges on the next run without duplicates.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;

use super::{expected_names, hosts, tags_of};
use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts, stderr_until};

pub fn tests() -> Vec<Case> {
    vec![
        case!(a_second_concurrent_apply_fails_clearly_instead_of_racing),
        case!(a_crash_at_any_moment_followed_by_apply_converges_without_duplicates),
        case!(an_unfinished_replacement_keeps_the_old_droplet_until_the_new_one_is_active),
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

/// An apply stopped right after creating a replacement leaves both droplets, the new one still booting:
/// the next apply deletes the old one only once the new one is active, even without `ready:`.
fn an_unfinished_replacement_keeps_the_old_droplet_until_the_new_one_is_active() {
    let sb = TestSandbox::with(|o| o.boot_time = Duration::from_secs(3600));
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(1)));
    let mut first = project
        .command(&["apply", "--auto-approve", "--timeout", "1h"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(first.stderr.take().unwrap());
    stderr_until(&mut stderr, "booting");
    let drain = std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    sb.advance(3600);
    assert!(first.wait().unwrap().success());
    let _ = drain.join();
    let [old] = &sb.droplets()[..] else {
        panic!("one droplet: {:?}", sb.droplets())
    };
    let old_id = old["id"].as_u64().unwrap();
    // What the stopped apply left: a successor carrying the mark of the replacement, still booting.
    let mut tags = tags_of(old);
    let mark = format!("stagecraft:replaces:{old_id}");
    tags.push(&mark);
    sb.seed(
        json!({"droplets": 1, "name_prefix": "staging-app-", "start": 1, "tags": tags,
        "status": "new", "image": old["image"]["slug"], "size": old["size_slug"]}),
    );
    let new_id = sb
        .ids()
        .iter()
        .map(|(_, id)| *id)
        .find(|id| *id != old_id)
        .unwrap();
    sb.clear_requests();

    project
        .run(&["apply", "--auto-approve", "--timeout", "1s"])
        .code(1);
    let deleted: Vec<String> = (sb.requests().into_iter())
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path)
        .collect();
    assert!(
        deleted.is_empty(),
        "nothing goes while the new droplet boots: {deleted:?}"
    );
    assert_eq!(sb.ids().len(), 2, "{:?}", sb.ids());

    sb.advance(3600);
    project.run(&["apply", "--auto-approve"]).success();
    assert_eq!(sb.ids(), vec![("staging-app-1".to_string(), new_id)]);
    project.run(&["plan", "--detailed-exitcode"]).success();
}

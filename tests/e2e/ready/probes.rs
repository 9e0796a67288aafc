//! New hosts: a banner is not ready, cloud-init is waited for (done, error, recoverable), refusals are
//! retried, a refused key is not retried forever, and nothing is sent without an `ssh` to probe with.

use std::io::BufReader;

use super::{World, finish, spawn_apply};
use crate::case;
use crate::support::booting::{BANNER, CloudInit};
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(a_login_banner_is_not_ready_until_it_goes),
        case!(cloud_init_is_waited_for),
        case!(a_failed_cloud_init_fails_the_host_with_its_report),
        case!(cloud_init_exit_2_is_a_finished_boot),
        case!(refused_connections_are_retried_until_sshd_listens),
        case!(a_refused_key_fails_after_a_few_tries),
        case!(without_ssh_nothing_is_sent),
        case!(status_shows_readiness),
        case!(a_timeout_names_the_stage_it_was_stuck_in),
        case!(a_host_key_that_changes_while_booting_is_refused),
        case!(the_built_in_sandbox_skips_readiness_with_a_note),
    ]
}

const ONE: &str = "          app-1: {}\n";

fn a_login_banner_is_not_ready_until_it_goes() {
    let w = World::new("a_login_banner_is_not_ready_until_it_goes", true);
    w.booting.banner(true);
    let project = w.project("{ ssh: true, timeout: 60s }", ONE);
    let child = spawn_apply(&project);
    w.booting
        .until("the probe met the banner twice", |b| b.logins() >= 2);
    w.booting.banner(false);
    let out = finish(child).success();
    out.assert_stderr_has("staging-app-1: ssh");
    out.assert_stderr_has("staging-app-1: ready at 127.0.0.1");
    assert!(w.booting.logins() >= 3, "banner twice, then the shell");
    assert_eq!(
        w.booting.cloud_init_calls(),
        0,
        "ssh only: cloud-init not asked"
    );
}

fn cloud_init_is_waited_for() {
    let w = World::new("cloud_init_is_waited_for", true);
    w.booting.cloud_init(CloudInit::Running);
    let project = w.project("{ cloud_init: true, timeout: 60s }", ONE);
    let child = spawn_apply(&project);
    w.booting
        .until("cloud-init was asked", |b| b.cloud_init_calls() >= 1);
    assert!(
        w.api.names().contains(&"staging-app-1".to_string()),
        "the droplet exists"
    );
    w.booting.cloud_init(CloudInit::Done);
    let out = finish(child).success();
    out.assert_stderr_has("staging-app-1: cloud-init");
    out.assert_stderr_has("staging-app-1: ready at 127.0.0.1");
    out.assert_stdout_has("staging-app-1");
    out.assert_no_canary();
}

fn a_failed_cloud_init_fails_the_host_with_its_report() {
    let w = World::new("a_failed_cloud_init_fails_the_host_with_its_report", true);
    w.booting.cloud_init(CloudInit::Error);
    let project = w.project("{ cloud_init: true, timeout: 60s }", ONE);
    let out = project.run(&["apply", "--auto-approve"]).code(1);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(text.contains("cloud-init failed (exit 1)"), "{text}");
    assert!(text.contains("stand-in: package install failed"), "{text}");
    assert_eq!(
        w.booting.cloud_init_calls(),
        1,
        "a failed boot is not retried"
    );
}

fn cloud_init_exit_2_is_a_finished_boot() {
    let w = World::new("cloud_init_exit_2_is_a_finished_boot", true);
    w.booting.cloud_init(CloudInit::Degraded);
    let project = w.project("{ cloud_init: true, timeout: 60s }", ONE);
    let out = project.run(&["apply", "--auto-approve"]).success();
    out.assert_stderr_has("staging-app-1: ready at 127.0.0.1");
}

fn refused_connections_are_retried_until_sshd_listens() {
    let mut w = World::new("refused_connections_are_retried_until_sshd_listens", false);
    let project = w.project("{ cloud_init: true, timeout: 60s }", ONE);
    let mut child = spawn_apply(&project);
    // Bring sshd up once the probe has started (and so met a closed port): no guessing with sleeps.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let seen = crate::support::stderr_until(&mut stderr, "staging-app-1: ssh");
    w.sshd.start();
    let rest = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let out = finish(child);
    let rest = rest.join().unwrap();
    let out = out.because(format!("{seen}{rest}")).success();
    assert!(rest.contains("ready at 127.0.0.1"), "{rest}");
    drop(out);
}

fn a_refused_key_fails_after_a_few_tries() {
    let w = World::new("a_refused_key_fails_after_a_few_tries", true);
    // A key sshd does not know.
    let stranger = w.sshd.path().join("stranger");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&stranger)
        .status()
        .unwrap();
    assert!(status.success());
    let yaml = w.config("{ ssh: true, timeout: 10m }", "", ONE).replace(
        &w.sshd.identity_file.display().to_string(),
        &stranger.display().to_string(),
    );
    let project = crate::support::Project::new(&yaml);
    let started = std::time::Instant::now();
    let out = project.run(&["apply", "--auto-approve"]).code(1);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "no endless retry"
    );
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(text.contains("SSH authentication was refused"), "{text}");
    assert!(
        text.contains("ssh.identity_file"),
        "says what to check: {text}"
    );
    assert_eq!(w.booting.logins(), 0, "the key never got in");
}

fn without_ssh_nothing_is_sent() {
    let w = World::new("without_ssh_nothing_is_sent", false);
    let project = w.project("{ ssh: true }", ONE);
    let empty = tempfile::tempdir().unwrap();
    let out = project
        .run_with(&["apply", "--auto-approve"], |c| {
            c.env("PATH", empty.path());
        })
        .code(1);
    out.assert_stderr_has("`ssh` was not found on PATH");
    assert!(w.api.names().is_empty(), "no droplet was created");
}

fn status_shows_readiness() {
    let w = World::new("status_shows_readiness", true);
    let project = w.project("{ cloud_init: true, timeout: 60s }", ONE);
    project.run(&["apply", "--auto-approve"]).success();
    w.booting.cloud_init(CloudInit::Running);
    let out = project.run(&["status"]).success();
    out.assert_stdout_has("cloud-init: running");
    w.booting.cloud_init(CloudInit::Done);
    let out = project.run(&["status"]).success();
    out.assert_stdout_has("ready");
    w.booting.banner(true);
    let out = project.run(&["status"]).success();
    out.assert_stdout_has("ssh: login not ready");
    assert!(!out.stdout.contains(BANNER), "{}", out.stdout);
    // No ssh to probe with: the status still shows, and says why readiness is missing.
    let empty = tempfile::tempdir().unwrap();
    let out = project
        .run_with(&["status"], |c| {
            c.env("PATH", empty.path());
        })
        .success();
    out.assert_stdout_has("not checked");
    out.assert_stderr_has("readiness not checked");
}

fn a_timeout_names_the_stage_it_was_stuck_in() {
    let w = World::new("a_timeout_names_the_stage_it_was_stuck_in", true);
    w.booting.banner(true);
    let project = w.project("{ ssh: true, timeout: 2s }", ONE);
    let out = project.run(&["apply", "--auto-approve"]).code(1);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(text.contains("not ready after 2s: stuck at ssh"), "{text}");
    assert!(
        text.contains("`stagecraft status` shows"),
        "what to do: {text}"
    );
    assert!(text.contains(BANNER), "says what the login printed: {text}");

    w.booting.banner(false);
    w.booting.cloud_init(CloudInit::Running);
    let project = w.project("{ cloud_init: true, timeout: 2s }", "          app-2: {}\n");
    let out = project.run(&["apply", "--auto-approve"]).code(1);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(text.contains("stuck at cloud-init"), "{text}");
}

fn a_host_key_that_changes_while_booting_is_refused() {
    let mut w = World::new("a_host_key_that_changes_while_booting_is_refused", true);
    w.booting.banner(true);
    let project = w.project("{ ssh: true, timeout: 60s }", ONE);
    let child = spawn_apply(&project);
    w.booting
        .until("the probe met the banner", |b| b.logins() >= 1);
    // Another machine answers at the droplet's address now.
    w.sshd.stop();
    w.sshd.new_host_key();
    w.sshd.start();
    w.booting.banner(false);
    let out = finish(child).code(1);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(text.contains("SSH host key of droplet"), "{text}");
    assert!(
        text.contains("ssh-keygen -R stagecraft-droplet-"),
        "says how to fix: {text}"
    );
}

/// `--sandbox` droplets have documentation addresses: readiness is skipped, saying so, rather than probed
/// until the timeout.
fn the_built_in_sandbox_skips_readiness_with_a_note() {
    let yaml = crate::support::config_with_hosts("http://127.0.0.1:1", ONE)
        .replace("      api_url: http://127.0.0.1:1\n", "")
        .replace(
            "      hosts:\n",
            "      ready: { cloud_init: true }\n      hosts:\n",
        );
    let project = crate::support::Project::new(&yaml)
        .without_env("DO_TOKEN")
        .env("STAGECRAFT_SANDBOX_BOOT_TIME", "0s");
    let out = project
        .run(&["--sandbox", "apply", "--auto-approve"])
        .success();
    out.assert_stderr_has("ready: is not checked against the built-in sandbox");
    out.assert_stdout_has("Apply complete: 1 done, 0 failed");
}

//! Warm fan-out: a second run within `control_persist` sends its commands over the connections the first
//! one left open (no new TCP connection, no key exchange), a killed master is replaced without failing
//! anything, and `control_persist: 0` turns sharing off.

use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use super::{ExecProject, connections, run, tweak_sshd, world};
use crate::case;
use crate::support::harness::Case;
use crate::support::sshd::TestSshd;

pub fn tests() -> Vec<Case> {
    vec![
        case!(a_second_run_reuses_the_connections_and_a_killed_master_is_replaced),
        case!(control_persist_zero_connects_afresh_every_time),
        case!(the_token_stays_out_of_ssh_and_its_lasting_master),
    ]
}

/// The test sshd, logging each connection it accepts.
fn counting_sshd(test: &str) -> TestSshd {
    let mut sshd = TestSshd::prepare(test);
    tweak_sshd(&sshd, |text| {
        text.replace("LogLevel ERROR", "LogLevel INFO")
    });
    sshd.start();
    sshd
}

/// The master's pid, from `ssh -O check` ("Master running (pid=N)").
fn master_pid(socket: &std::path::Path) -> Option<u32> {
    let out = ExecProject::control(socket, "check");
    let text = String::from_utf8_lossy(&out.stderr);
    text.split("pid=").nth(1)?.split(')').next()?.parse().ok()
}

fn a_second_run_reuses_the_connections_and_a_killed_master_is_replaced() {
    let sshd = counting_sshd("a_second_run_reuses_the_connections_and_a_killed_master_is_replaced");
    let (_api, project) = world(&sshd);
    run(&project, &["exec", "--all", "--", "true"]).success();
    assert_eq!(
        connections(&sshd),
        4,
        "one connection per host:\n{}",
        sshd.log()
    );
    let sockets = project.sockets();
    assert_eq!(sockets.len(), 4, "one shared connection per host");

    let out = run(&project, &["exec", "--all", "--", "echo", "warm"]).success();
    assert_eq!(out.stdout.matches("| warm").count(), 4);
    run(&project, &["exec", "app-1", "--", "true"]).success();
    assert_eq!(connections(&sshd), 4, "no new connection:\n{}", sshd.log());

    // Kill one master outright: its socket stays behind, dead.
    let victim = &sockets[0];
    let pid = master_pid(victim).expect("a live master");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while UnixStream::connect(victim).is_ok() {
        assert!(Instant::now() < deadline, "the killed master still answers");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(victim.exists(), "a killed master leaves its socket");

    let out = run(&project, &["exec", "--all", "--", "echo", "again"]).success();
    assert_eq!(out.stdout.matches("| again").count(), 4, "{}", out.stderr);
    assert_eq!(
        connections(&sshd),
        5,
        "only the dead one reconnected:\n{}",
        sshd.log()
    );
    let new_pid = master_pid(victim).expect("a new master on the same socket");
    assert_ne!(new_pid, pid);
}

fn control_persist_zero_connects_afresh_every_time() {
    let sshd = counting_sshd("control_persist_zero_connects_afresh_every_time");
    let (_api, project) = world(&sshd);
    let yaml = std::fs::read_to_string(project.config_path())
        .unwrap()
        .replace(
            "      hosts:\n",
            "      exec:\n        control_persist: 0\n      hosts:\n",
        );
    project.write("stagecraft.yml", &yaml);
    run(&project, &["exec", "--all", "--", "true"]).success();
    run(&project, &["exec", "--all", "--", "true"]).success();
    assert_eq!(connections(&sshd), 8, "{}", sshd.log());
    assert!(project.sockets().is_empty(), "{:?}", project.sockets());
}

fn the_token_stays_out_of_ssh_and_its_lasting_master() {
    let mut sshd = TestSshd::prepare("the_token_stays_out_of_ssh_and_its_lasting_master");
    // A server that would take the variable if ssh sent it.
    tweak_sshd(&sshd, |text| format!("{text}AcceptEnv DO_TOKEN\n"));
    sshd.start();
    let (_api, project) = world(&sshd);
    let out = run(
        &project,
        &[
            "exec",
            "app-1",
            "--ssh-option",
            "SendEnv=DO_TOKEN",
            "--",
            "sh",
            "-c",
            "echo \"[${DO_TOKEN:-}]\"",
        ],
    )
    .success();
    assert_eq!(out.stdout, "[]\n", "ssh had no token to send");
}

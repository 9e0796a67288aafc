//! Connecting: refusals retried until sshd listens or the connect timeout ends, and a changed host key
//! refused with the fix.

use std::io::BufReader;
use std::process::Stdio;
use std::time::Duration;

use super::{known_hosts, run, setup, world};
use crate::case;
use crate::support::Output;
use crate::support::harness::Case;
use crate::support::sshd::TestSshd;

pub fn tests() -> Vec<Case> {
    vec![
        case!(refused_connections_are_retried_until_sshd_listens),
        case!(refusals_give_up_at_the_connect_timeout),
        case!(a_changed_host_key_is_refused_with_the_fix),
    ]
}

fn refused_connections_are_retried_until_sshd_listens() {
    let mut sshd = TestSshd::prepare("refused_connections_are_retried_until_sshd_listens");
    let (_api, project) = world(&sshd);
    let args = [
        "exec",
        "app-1",
        "--connect-timeout",
        "30s",
        "--",
        "echo",
        "up",
    ];
    let mut child = project
        .command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn exec");
    // Wait for exec to report its first refusal, then bring sshd up: no guessing with sleeps.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let seen = crate::support::stderr_until(&mut stderr, "refused the connection");
    sshd.start();
    let rest = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let out = Output::new(&args, child.wait_with_output().unwrap());
    let rest = rest.join().unwrap();
    let out = out.because(format!("{seen}{rest}")).success();
    assert_eq!(out.stdout, "up\n");
    assert!(
        !rest.contains("Connection refused"),
        "ssh's refusals are held back once a retry succeeds: {rest}"
    );
}

fn refusals_give_up_at_the_connect_timeout() {
    let sshd = TestSshd::prepare("refusals_give_up_at_the_connect_timeout");
    let (_api, project) = world(&sshd);
    let started = std::time::Instant::now();
    let out = run(
        &project,
        &["exec", "app-1", "--connect-timeout", "1s", "--", "true"],
    )
    .code(255);
    assert!(started.elapsed() < Duration::from_secs(10));
    out.assert_stderr_has("Connection refused");
    out.assert_stderr_has("still refused connections after 1s");

    let out = run(
        &project,
        &["exec", "--all", "--connect-timeout", "1s", "--", "true"],
    )
    .code(1);
    out.assert_stderr_has("failed on 4 of 4 hosts");
}

fn a_changed_host_key_is_refused_with_the_fix() {
    let (mut sshd, _api, project) = setup("a_changed_host_key_is_refused_with_the_fix");
    run(&project, &["exec", "app-1", "--", "true"]).success();
    // A rebuilt droplet drops its connections; stopping the test sshd only stops its listener.
    project.close_masters();
    sshd.stop();
    sshd.new_host_key();
    sshd.start();

    let marker = project.path().join("ran");
    let touch = format!("touch {}", marker.display());
    let out = run(&project, &["exec", "app-1", "--", "sh", "-c", &touch]).code(255);
    assert!(!marker.exists(), "nothing runs on a host whose key changed");
    out.assert_stderr_has("has changed since stagecraft first connected");
    // The message carries the exact fix; carrying it out makes exec work again.
    let fix = out
        .stderr
        .lines()
        .find_map(|l| l.split("forget the old one with: ").nth(1))
        .expect("a fix in the message")
        .to_string();
    let words: Vec<&str> = fix.split_whitespace().collect();
    assert_eq!(words[0], "ssh-keygen");
    let status = std::process::Command::new("ssh-keygen")
        .args(&words[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{fix}");
    run(&project, &["exec", "app-1", "--", "sh", "-c", &touch]).success();
    assert!(marker.exists());

    // In a fan-out, the summary names the host and the fix.
    let kh = std::fs::read_to_string(known_hosts(&project)).unwrap();
    project.close_masters();
    sshd.stop();
    sshd.new_host_key();
    sshd.start();
    let out = run(&project, &["exec", "--role", "app", "--", "true"]).code(1);
    assert!(
        out.stderr.contains("failed on 1 of 3 hosts"),
        "{kh}\n{}",
        out.stderr
    );
    out.assert_stderr_has("ssh-keygen -R stagecraft-droplet-");
}

//! `exec --container`: the command reaches `docker exec` word for word (checked byte for byte by a `docker`
//! stand-in on the remote user's PATH that records its arguments), and a missing docker or container is a
//! clear error naming the host.

use std::path::{Path, PathBuf};

use super::{ExecProject, run, tweak_sshd, world};
use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::sshd::TestSshd;

pub fn tests() -> Vec<Case> {
    vec![
        case!(container_commands_reach_docker_exec_intact),
        case!(a_missing_container_or_docker_is_named_with_the_host),
    ]
}

/// Records its arguments NUL-separated in `argv`, knows the running container `web` and the stopped
/// `old`, and runs the command of `docker exec` itself.
const STAND_IN: &str = r#"#!/bin/sh
case "$1" in
  inspect)
    for name; do :; done
    case "$name" in
      web) echo true ;;
      old) echo false ;;
      *) echo "Error: No such object: $name" >&2; exit 1 ;;
    esac ;;
  exec)
    printf '%s\0' "$@" >> "$(dirname "$0")/argv"
    shift
    [ "$1" = -i ] && shift
    shift
    exec "$@" ;;
  *) echo "unexpected docker $*" >&2; exit 99 ;;
esac
"#;

/// An sshd whose sessions get a PATH with the stand-in first (and not this machine's own docker).
fn docker_world(test: &str) -> (TestSshd, TestSandbox, ExecProject, PathBuf) {
    let mut sshd = TestSshd::prepare(test);
    let bin = sshd.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let docker = bin.join("docker");
    std::fs::write(&docker, STAND_IN).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
    // sshd takes only the first SetEnv line, so PATH joins HOME on it.
    tweak_sshd(&sshd, |text| {
        text.replace(
            "SetEnv HOME=",
            &format!("SetEnv PATH={}:/usr/bin:/bin HOME=", bin.display()),
        )
    });
    sshd.start();
    let (api, project) = world(&sshd);
    (sshd, api, project, docker)
}

fn recorded(docker: &Path) -> Vec<u8> {
    std::fs::read(docker.with_file_name("argv")).unwrap_or_default()
}

fn container_commands_reach_docker_exec_intact() {
    let (_sshd, _api, project, docker) =
        docker_world("container_commands_reach_docker_exec_intact");
    let words = [
        "a b", "$HOME", "it's", "", "*", "x\"y", "l1\nl2", "-i", "`id`",
    ];
    let mut args = vec![
        "exec",
        "app-1",
        "--container",
        "web",
        "--",
        "printf",
        "[%s]",
    ];
    args.extend(words);
    let out = run(&project, &args).success();
    let expected: String = words.iter().map(|w| format!("[{w}]")).collect();
    assert_eq!(out.stdout, expected);
    let mut argv = b"exec\0-i\0web\0printf\0[%s]\0".to_vec();
    for w in words {
        argv.extend_from_slice(w.as_bytes());
        argv.push(0);
    }
    assert_eq!(
        String::from_utf8_lossy(&recorded(&docker)),
        String::from_utf8_lossy(&argv),
        "docker's argv, byte for byte (NUL-separated)"
    );

    // One host passes stdin on (docker exec -i); its exit status is the command's.
    run(
        &project,
        &[
            "exec",
            "app-1",
            "--container",
            "web",
            "--",
            "sh",
            "-c",
            "exit 4",
        ],
    )
    .code(4);

    // A fan-out has no stdin to pass: no -i.
    std::fs::remove_file(docker.with_file_name("argv")).unwrap();
    let out = run(
        &project,
        &[
            "exec",
            "--role",
            "app",
            "--container",
            "web",
            "--",
            "echo",
            "in web",
        ],
    )
    .success();
    let mut lines: Vec<&str> = out.stdout.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        ["app-1 | in web", "app-2 | in web", "app-3 | in web"]
    );
    assert_eq!(
        String::from_utf8_lossy(&recorded(&docker)),
        "exec\0web\0echo\0in web\0".repeat(3)
    );
}

fn a_missing_container_or_docker_is_named_with_the_host() {
    let (_sshd, _api, project, docker) =
        docker_world("a_missing_container_or_docker_is_named_with_the_host");
    let out = run(
        &project,
        &["exec", "app-1", "--container", "nosuch", "--", "true"],
    )
    .code(125);
    assert_eq!(
        out.stderr.trim(),
        "error: no container `nosuch` on app-1 (docker: Error: No such object: nosuch)"
    );
    let out = run(
        &project,
        &["exec", "db-1", "--container", "old", "--", "true"],
    )
    .code(125);
    out.assert_stderr_has("container `old` on db-1 exists but is not running");

    let out = run(
        &project,
        &["exec", "app-1", "--container=-it", "--", "true"],
    )
    .code(1);
    out.assert_stderr_has("`-it` is not a container name");

    std::fs::remove_file(&docker).unwrap();
    let out = run(
        &project,
        &["exec", "--all", "--container", "web", "--", "true"],
    )
    .code(1);
    out.assert_stderr_has("failed on 4 of 4 hosts");
    for host in ["app-1", "app-2", "app-3", "db-1"] {
        out.assert_stderr_has(&format!(
            "docker is not installed on {host} (or not on the remote user's PATH)"
        ));
    }
    assert!(recorded(&docker).is_empty(), "docker exec never ran");
}

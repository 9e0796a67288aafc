//! `exec` on one host: output and exit codes passed through, stdin, and words that reach the remote
//! command intact.

use std::io::Write;
use std::process::Stdio;

use super::{known_hosts, run, setup};
use crate::case;
use crate::support::Output;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(single_host_output_and_exit_codes),
        case!(stdin_reaches_the_remote_command),
        case!(words_reach_the_remote_command_intact),
    ]
}

fn single_host_output_and_exit_codes() {
    let (sshd, _api, project) = setup("single_host_output_and_exit_codes");
    let out = run(&project, &["exec", "app-1", "--", "echo", "hello"]).success();
    assert_eq!(out.stdout, "hello\n");
    assert!(
        known_hosts(&project).is_file(),
        "the host key is filed in stagecraft's own known_hosts"
    );

    // The droplet name works too, and the remote status is ours.
    let out = run(
        &project,
        &[
            "exec",
            "staging-app-2",
            "--",
            "sh",
            "-c",
            "echo err >&2; exit 3",
        ],
    )
    .code(3);
    assert_eq!(
        out.stderr, "err\n",
        "remote stderr passes through unchanged"
    );

    run(&project, &["exec", "app-1", "--", "sh", "-c", "exit 255"]).code(255);

    // ssh's own failure (a key the server does not know) is 255 too, with ssh's reason.
    let stranger = project.path().join("stranger");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&stranger)
        .status()
        .expect("ssh-keygen");
    assert!(status.success());
    let yaml = std::fs::read_to_string(project.config_path())
        .unwrap()
        .replace(
            &sshd.identity_file.display().to_string(),
            &stranger.display().to_string(),
        );
    project.write("stagecraft.yml", &yaml);
    let out = run(&project, &["exec", "app-1", "--", "true"]).code(255);
    out.assert_stderr_has("Permission denied");
}

fn stdin_reaches_the_remote_command() {
    let (_sshd, _api, project) = setup("stdin_reaches_the_remote_command");
    let args = ["exec", "app-1", "--", "tr", "a-z", "A-Z"];
    let mut child = project
        .command(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn exec");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"piped through\n")
        .unwrap();
    let out = Output::new(&args, child.wait_with_output().unwrap()).success();
    assert_eq!(out.stdout, "PIPED THROUGH\n");
}

fn words_reach_the_remote_command_intact() {
    let (_sshd, _api, project) = setup("words_reach_the_remote_command_intact");
    let out = run(&project, &["exec", "app-1", "--", "echo", "a b", "$HOME"]).success();
    assert_eq!(out.stdout, "a b $HOME\n");

    let words = [
        "it's", "*", ";", "`id`", "$(id)", "a  b", "\"q\"", "", "x\\y", "~",
    ];
    let mut args = vec!["exec", "app-1", "--", "printf", "[%s]\\n"];
    args.extend(words);
    let out = run(&project, &args).success();
    let expected: String = words.iter().map(|w| format!("[{w}]\n")).collect();
    assert_eq!(out.stdout, expected);
}

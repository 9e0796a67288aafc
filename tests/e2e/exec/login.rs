//! `stagecraft ssh`: an interactive login through a real pseudo-terminal (`script`), whose exit status is
//! the remote shell's; extra ssh options after `--` reach ssh.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use super::{ExecProject, run, setup};
use crate::case;
use crate::support::harness::{Case, skip};
use crate::support::sshd::REQUIRE_VAR;
use crate::support::{Output, bin};

pub fn tests() -> Vec<Case> {
    vec![case!(
        an_interactive_login_gets_a_terminal_and_its_exit_status
    )]
}

/// `stagecraft ARGS` on a pseudo-terminal made by `script`, with `typed` written to it as keystrokes.
fn on_a_terminal(project: &ExecProject, args: &[&str], typed: &str) -> Output {
    let base = project.command(args);
    let line = std::iter::once(bin())
        .chain(args.iter().copied())
        .map(stagecraft::exec::quote::quote)
        .collect::<Vec<_>>()
        .join(" ");
    let mut script = Command::new("script");
    script
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .current_dir(project.path())
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in base.get_envs() {
        if let Some(value) = value {
            script.env(key, value);
        }
    }
    let mut child = match script.spawn() {
        Ok(child) => child,
        Err(e) if std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1") => {
            panic!("`script` (util-linux) is needed for the terminal test: {e}")
        }
        Err(e) => skip(format!("needs `script` from util-linux: {e}")),
    };
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(typed.as_bytes()).unwrap();
    // Kept open until the login ends: an early end of input would reach the remote shell as ^D.
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    let status = child.wait().unwrap();
    drop(stdin);
    let mut stderr = Vec::new();
    let _ = child.stderr.take().unwrap().read_to_end(&mut stderr);
    Output::new(
        args,
        std::process::Output {
            status,
            stdout: reader.join().unwrap(),
            stderr,
        },
    )
}

fn an_interactive_login_gets_a_terminal_and_its_exit_status() {
    let (_sshd, _api, project) = setup("an_interactive_login_gets_a_terminal_and_its_exit_status");
    // The terminal echoes what is typed: the shell's answer is computed, so only the host can print it.
    let typed = "test -t 0 && echo TTY-ON-THE-$((6 * 7))\nexit 7\n";
    let out = on_a_terminal(&project, &["ssh", "app-1"], typed).code(7);
    out.assert_stdout_has("TTY-ON-THE-42");
    out.assert_no_canary();
    assert!(
        project.data_dir().join("known_hosts").is_file(),
        "the host key is pinned as for exec"
    );

    // Extra ssh options after `--`: -T asks for no terminal, so the test above fails remotely.
    let out = on_a_terminal(&project, &["ssh", "app-2", "--", "-T"], typed).code(7);
    assert!(!out.stdout.contains("TTY-ON-THE-42"), "{}", out.stdout);

    // The same reach as exec: the warm connection of the login serves exec too.
    run(&project, &["exec", "app-1", "--", "true"]).success();
    let out = run(&project, &["ssh", "app-9"]).code(1);
    out.assert_stderr_has("unknown host `app-9`");
}

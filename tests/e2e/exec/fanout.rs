//! `exec` fanned out over several hosts: prefixed lines that are never torn, and the failure summary.

use super::{run, setup};
use crate::case;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(fan_out_prefixes_every_line_and_summarises_failures),
        case!(fan_out_lines_are_never_torn),
    ]
}

fn fan_out_prefixes_every_line_and_summarises_failures() {
    let (_sshd, _api, project) = setup("fan_out_prefixes_every_line_and_summarises_failures");
    let out = run(
        &project,
        &[
            "exec",
            "--role",
            "app",
            "--",
            "sh",
            "-c",
            "echo one; echo two >&2; echo three",
        ],
    )
    .success();
    let mut lines: Vec<&str> = out.stdout.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "app-1 | one",
            "app-1 | three",
            "app-2 | one",
            "app-2 | three",
            "app-3 | one",
            "app-3 | three"
        ]
    );
    // Each host's own lines keep their order.
    for host in ["app-1", "app-2", "app-3"] {
        let mine: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with(host)).collect();
        assert_eq!(mine, [format!("{host} | one"), format!("{host} | three")]);
        out.assert_stderr_has(&format!("{host} | two\n"));
    }
    assert!(!out.stderr.contains("db-1"), "db-1 is not in role app");

    // Exactly one host wins the mkdir; the other three fail, and the exit status says so.
    let claim = project.path().join("claim");
    let claim_cmd = format!("mkdir {} 2>/dev/null", claim.display());
    let out = run(&project, &["exec", "--all", "--", "sh", "-c", &claim_cmd]).code(1);
    out.assert_stderr_has("failed on 3 of 4 hosts");
    let failed = out.stderr.lines().filter(|l| l.contains("exit 1")).count();
    assert_eq!(failed, 3, "{}", out.stderr);
}

fn fan_out_lines_are_never_torn() {
    let (_sshd, _api, project) = setup("fan_out_lines_are_never_torn");
    // Long lines from 4 hosts at once, several pipe buffers each.
    let payload = "x".repeat(3000);
    let cmd = format!("yes {payload} | head -n 300; echo done");
    let out = run(
        &project,
        &["exec", "--all", "--parallel", "4", "--", "sh", "-c", &cmd],
    )
    .success();
    let line = regex::Regex::new(r"^(app-[123]|db-1 ) \| (x{3000}|done)$").unwrap();
    let mut count = 0;
    for l in out.stdout.lines() {
        assert!(line.is_match(l), "torn or mixed line: {:.120}...", l);
        count += 1;
    }
    assert_eq!(count, 4 * 301);
}

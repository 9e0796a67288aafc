//! `exec` end to end: the real binary, the sandbox API handing out 127.0.0.1, and a real OpenSSH server.

use std::io::{BufRead, BufReader, Write};
use std::net::Ipv4Addr;
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use stagecraft::sandbox::{Sandbox, SandboxOptions};

use crate::support::sshd::TestSshd;
use crate::support::{CANARY, Output, Project};

/// A sandbox whose droplets all live at 127.0.0.1.
struct Api {
    sandbox: Option<Sandbox>,
    base: String,
}

impl Api {
    fn start() -> Api {
        let sandbox = Sandbox::start(SandboxOptions {
            token: CANARY.into(),
            boot_time: Duration::ZERO,
            public_ip: Some(Ipv4Addr::LOCALHOST),
            ..SandboxOptions::default()
        })
        .expect("start the sandbox");
        Api {
            base: sandbox.base_url(),
            sandbox: Some(sandbox),
        }
    }

    /// Droplets named `{prefix}1..` carrying `tags`, already `status`.
    fn seed(&self, count: usize, prefix: &str, tags: &[&str], status: &str) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut reply = agent
            .post(&format!("{}/_sandbox/seed", self.base))
            .header("Content-Type", "application/json")
            .send(
                json!({"droplets": count, "name_prefix": prefix, "tags": tags, "status": status})
                    .to_string(),
            )
            .expect("seed the sandbox");
        let body = reply.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(reply.status().as_u16(), 200, "seed: {body}");
    }

    /// Managed droplets as `apply` would have made them.
    fn seed_managed(&self, env: &str, role: &str, count: usize) {
        let env_tag = format!("stagecraft:env:{env}");
        let role_tag = format!("stagecraft:role:{role}");
        self.seed(
            count,
            &format!("{env}-{role}-"),
            &["stagecraft", &env_tag, &role_tag],
            "active",
        );
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            sandbox.shutdown();
        }
    }
}

/// A config whose provider-level `ssh:` points every host at `sshd`; `hosts` is YAML indented 10 spaces.
fn config(api: &Api, sshd: &TestSshd, hosts: &str) -> String {
    format!(
        "cloud:
  provider: digitalocean
  providers:
    digitalocean:
      token_env: DO_TOKEN
      ssh_key_name: my-ssh-key
      api_url: {}
      default_region: nyc1
      default_size: s-1vcpu-1gb
{}      hosts:
        staging:
{hosts}",
        api.base,
        sshd.config_block()
    )
}

const APP_AND_DB: &str = "          app: { role: app, count: 3 }\n          db-1: { role: db }\n";

/// sshd running, 3 app hosts and a db host, all managed and active.
fn setup(test: &str) -> Option<(TestSshd, Api, Project)> {
    let sshd = TestSshd::start_new(test)?;
    let api = Api::start();
    api.seed_managed("staging", "app", 3);
    api.seed_managed("staging", "db", 1);
    let project = Project::new(&config(&api, &sshd, APP_AND_DB));
    Some((sshd, api, project))
}

fn known_hosts(project: &Project) -> std::path::PathBuf {
    project.data_dir().join("known_hosts")
}

fn check(out: &Output, code: i32) {
    out.assert_no_canary();
    assert_eq!(out.code, code, "{out:?}");
}

#[test]
fn single_host_output_and_exit_codes() {
    let Some((sshd, _api, project)) = setup("single_host_output_and_exit_codes") else {
        return;
    };
    let out = project.run(&["exec", "app-1", "--", "echo", "hello"]);
    check(&out, 0);
    assert_eq!(out.stdout, "hello\n");
    assert!(
        known_hosts(&project).is_file(),
        "the host key is filed in stagecraft's own known_hosts"
    );

    // The droplet name works too, and the remote status is ours.
    let out = project.run(&[
        "exec",
        "staging-app-2",
        "--",
        "sh",
        "-c",
        "echo err >&2; exit 3",
    ]);
    check(&out, 3);
    assert_eq!(
        out.stderr, "err\n",
        "remote stderr passes through unchanged"
    );

    let out = project.run(&["exec", "app-1", "--", "sh", "-c", "exit 255"]);
    check(&out, 255);

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
    let out = project.run(&["exec", "app-1", "--", "true"]);
    check(&out, 255);
    assert!(out.stderr.contains("Permission denied"), "{}", out.stderr);
}

#[test]
fn stdin_reaches_the_remote_command() {
    let Some((_sshd, _api, project)) = setup("stdin_reaches_the_remote_command") else {
        return;
    };
    let mut child = project
        .command(&["exec", "app-1", "--", "tr", "a-z", "A-Z"])
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
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "PIPED THROUGH\n");
}

#[test]
fn words_reach_the_remote_command_intact() {
    let Some((_sshd, _api, project)) = setup("words_reach_the_remote_command_intact") else {
        return;
    };
    let out = project.run(&["exec", "app-1", "--", "echo", "a b", "$HOME"]);
    check(&out, 0);
    assert_eq!(out.stdout, "a b $HOME\n");

    let words = [
        "it's", "*", ";", "`id`", "$(id)", "a  b", "\"q\"", "", "x\\y", "~",
    ];
    let mut args = vec!["exec", "app-1", "--", "printf", "[%s]\\n"];
    args.extend(words);
    let out = project.run(&args);
    check(&out, 0);
    let expected: String = words.iter().map(|w| format!("[{w}]\n")).collect();
    assert_eq!(out.stdout, expected);
}

#[test]
fn fan_out_prefixes_every_line_and_summarises_failures() {
    let Some((_sshd, _api, project)) = setup("fan_out_prefixes_every_line_and_summarises_failures")
    else {
        return;
    };
    let out = project.run(&[
        "exec",
        "--role",
        "app",
        "--",
        "sh",
        "-c",
        "echo one; echo two >&2; echo three",
    ]);
    check(&out, 0);
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
        assert!(
            out.stderr.contains(&format!("{host} | two\n")),
            "{}",
            out.stderr
        );
    }
    assert!(!out.stderr.contains("db-1"), "db-1 is not in role app");

    // Exactly one host wins the mkdir; the other three fail, and the exit status says so.
    let claim = project.path().join("claim");
    let claim_cmd = format!("mkdir {} 2>/dev/null", claim.display());
    let out = project.run(&["exec", "--all", "--", "sh", "-c", &claim_cmd]);
    check(&out, 1);
    assert!(
        out.stderr.contains("failed on 3 of 4 hosts"),
        "{}",
        out.stderr
    );
    let failed = out.stderr.lines().filter(|l| l.contains("exit 1")).count();
    assert_eq!(failed, 3, "{}", out.stderr);
}

#[test]
fn fan_out_lines_are_never_torn() {
    let Some((_sshd, _api, project)) = setup("fan_out_lines_are_never_torn") else {
        return;
    };
    // Long lines from 4 hosts at once, several pipe buffers each.
    let payload = "x".repeat(3000);
    let cmd = format!("yes {payload} | head -n 300; echo done");
    let out = project.run(&["exec", "--all", "--parallel", "4", "--", "sh", "-c", &cmd]);
    check(&out, 0);
    let line = regex::Regex::new(r"^(app-[123]|db-1 ) \| (x{3000}|done)$").unwrap();
    let mut count = 0;
    for l in out.stdout.lines() {
        assert!(line.is_match(l), "torn or mixed line: {:.120}...", l);
        count += 1;
    }
    assert_eq!(count, 4 * 301);
}

#[test]
fn refused_connections_are_retried_until_sshd_listens() {
    let Some(mut sshd) = TestSshd::prepare("refused_connections_are_retried_until_sshd_listens")
    else {
        return;
    };
    let api = Api::start();
    api.seed_managed("staging", "app", 3);
    api.seed_managed("staging", "db", 1);
    let project = Project::new(&config(&api, &sshd, APP_AND_DB));
    let mut child = project
        .command(&[
            "exec",
            "app-1",
            "--connect-timeout",
            "30s",
            "--",
            "echo",
            "up",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn exec");
    // Wait for exec to report its first refusal, then bring sshd up: no guessing with sleeps.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "exec ended without retrying: {seen}"
        );
        seen.push_str(&line);
        if line.contains("refused the connection") {
            break;
        }
    }
    sshd.start();
    let rest = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let out = child.wait_with_output().unwrap();
    let rest = rest.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{seen}{rest}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "up\n");
    assert!(
        !rest.contains("Connection refused"),
        "ssh's refusals are held back once a retry succeeds: {rest}"
    );
}

#[test]
fn refusals_give_up_at_the_connect_timeout() {
    let Some(sshd) = TestSshd::prepare("refusals_give_up_at_the_connect_timeout") else {
        return;
    };
    let api = Api::start();
    api.seed_managed("staging", "app", 3);
    api.seed_managed("staging", "db", 1);
    let project = Project::new(&config(&api, &sshd, APP_AND_DB));
    let started = std::time::Instant::now();
    let out = project.run(&["exec", "app-1", "--connect-timeout", "1s", "--", "true"]);
    check(&out, 255);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(out.stderr.contains("Connection refused"), "{}", out.stderr);
    assert!(
        out.stderr.contains("still refused connections after 1s"),
        "{}",
        out.stderr
    );

    let out = project.run(&["exec", "--all", "--connect-timeout", "1s", "--", "true"]);
    check(&out, 1);
    assert!(
        out.stderr.contains("failed on 4 of 4 hosts"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_changed_host_key_is_refused_with_the_fix() {
    let Some((mut sshd, _api, project)) = setup("a_changed_host_key_is_refused_with_the_fix")
    else {
        return;
    };
    check(&project.run(&["exec", "app-1", "--", "true"]), 0);
    sshd.stop();
    sshd.new_host_key();
    sshd.start();

    let marker = project.path().join("ran");
    let touch = format!("touch {}", marker.display());
    let out = project.run(&["exec", "app-1", "--", "sh", "-c", &touch]);
    check(&out, 255);
    assert!(!marker.exists(), "nothing runs on a host whose key changed");
    assert!(
        out.stderr
            .contains("has changed since stagecraft first connected"),
        "{}",
        out.stderr
    );
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
    check(
        &project.run(&["exec", "app-1", "--", "sh", "-c", &touch]),
        0,
    );
    assert!(marker.exists());

    // In a fan-out, the summary names the host and the fix.
    let kh = std::fs::read_to_string(known_hosts(&project)).unwrap();
    sshd.stop();
    sshd.new_host_key();
    sshd.start();
    let out = project.run(&["exec", "--role", "app", "--", "true"]);
    check(&out, 1);
    assert!(
        out.stderr.contains("failed on 1 of 3 hosts"),
        "{kh}\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("ssh-keygen -R stagecraft-droplet-"),
        "{}",
        out.stderr
    );
}

#[test]
fn user_mistakes_are_clear_and_run_nothing() {
    let Some((_sshd, api, project)) = setup("user_mistakes_are_clear_and_run_nothing") else {
        return;
    };
    let out = project.run(&["exec", "app-9", "--", "true"]);
    check(&out, 1);
    assert!(
        out.stderr
            .contains("unknown host `app-9` in env `staging` (did you mean `app-1`?)"),
        "{}",
        out.stderr
    );
    let out = project.run(&["exec", "--role", "web", "--", "true"]);
    check(&out, 1);
    assert!(
        out.stderr
            .contains("no host in env `staging` has role `web`"),
        "{}",
        out.stderr
    );

    // A droplet with the right name but no env tag is not ours: refused, for a fan-out too.
    api.seed(1, "staging-cache-", &["handmade"], "active");
    api.seed(
        1,
        "staging-worker-",
        &["stagecraft", "stagecraft:env:staging"],
        "off",
    );
    let hosts = format!(
        "{APP_AND_DB}          cache-1: {{ role: cache }}\n          worker-1: {{ role: worker }}\n"
    );
    let sshd_config = std::fs::read_to_string(project.config_path()).unwrap();
    project.write("stagecraft.yml", &(sshd_config.replace(APP_AND_DB, &hosts)));
    let out = project.run(&["exec", "cache-1", "--", "true"]);
    check(&out, 1);
    assert!(
        out.stderr.contains("is not managed by stagecraft"),
        "{}",
        out.stderr
    );
    let out = project.run(&["exec", "--all", "--", "echo", "ran"]);
    check(&out, 1);
    assert!(out.stdout.is_empty(), "nothing ran: {}", out.stdout);
    assert!(
        out.stderr
            .contains("nothing was run: 2 hosts cannot be reached"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("worker-1: droplet `staging-worker-1` is `off`, not `active`"),
        "{}",
        out.stderr
    );
    assert!(!known_hosts(&project).exists(), "no connection was made");

    // Without ssh on PATH: a clear error before anything else.
    let empty = tempfile::tempdir().unwrap();
    let out = project
        .command(&["exec", "app-1", "--", "true"])
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("`ssh` was not found on PATH"),
        "{out:?}"
    );

    // Several envs and none chosen.
    let two_envs = std::fs::read_to_string(project.config_path())
        .unwrap()
        .replace(
            "        staging:\n",
            "        prod:\n          web-1: { role: web }\n        staging:\n",
        );
    project.write("stagecraft.yml", &two_envs);
    let out = project.run(&["exec", "app-1", "--", "true"]);
    check(&out, 1);
    assert!(
        out.stderr
            .contains("defines several environments (prod, staging)"),
        "{}",
        out.stderr
    );
    check(
        &project.run(&["--env", "staging", "exec", "app-1", "--", "true"]),
        0,
    );
    let with_env = project
        .command(&["exec", "app-1", "--", "true"])
        .env("STAGECRAFT_ENV", "staging")
        .output()
        .unwrap();
    assert_eq!(with_env.status.code(), Some(0), "{with_env:?}");
}

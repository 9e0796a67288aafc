//! Test support: a project directory with a config, the real binary run inside it, and its transcript.

#![allow(dead_code)]

pub mod booting;
pub mod harness;
pub mod postgres;
pub mod sandbox;
pub mod sandbox_client;
pub mod sshd;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A token-shaped canary: if it shows up in any output, log or table, a test fails.
pub const CANARY: &str = "dop_v1_canarycanarycanarycanarycanarycanarycanarycanarycanary0001";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_stagecraft")
}

/// A temporary project: `stagecraft.yml`, a private data directory and environment for the binary.
pub struct Project {
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

/// What one run of the binary did. Check it with `.success()` or `.code(n)`, which on a mismatch fail
/// with the command, its exit code, stdout and stderr.
#[derive(Debug, Clone)]
pub struct Output {
    /// The command line, as `stagecraft ARGS...`.
    pub command: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Why the expected exit code is expected, shown when it is not.
    because: Option<String>,
}

impl Project {
    pub fn new(config_yaml: &str) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("stagecraft.yml"), config_yaml).expect("write config");
        let data = dir.path().join("data");
        Project {
            env: vec![
                ("DO_TOKEN".into(), CANARY.into()),
                ("STAGECRAFT_DATA_DIR".into(), data.display().to_string()),
                ("NO_COLOR".into(), "1".into()),
            ],
            dir,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.path().join("stagecraft.yml")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.path().join("data")
    }

    pub fn write(&self, name: &str, contents: &str) -> &Self {
        std::fs::write(self.path().join(name), contents).expect("write file");
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn without_env(mut self, key: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self
    }

    /// A `Command` for the binary in the project directory, with a clean, known environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .current_dir(self.path())
            .env_clear()
            .stdin(Stdio::null());
        for key in ["PATH", "HOME"] {
            if let Some(value) = std::env::var_os(key) {
                cmd.env(key, value);
            }
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs the binary with `args` and waits for it.
    #[must_use = "check the exit code: .success() or .code(n)"]
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, |_| {})
    }

    /// Like `run`, with `tweak` applied to the command first (another PATH, an extra variable...).
    #[must_use = "check the exit code: .success() or .code(n)"]
    pub fn run_with(&self, args: &[&str], tweak: impl FnOnce(&mut Command)) -> Output {
        let mut command = self.command(args);
        tweak(&mut command);
        Output::new(args, command.output().expect("run stagecraft"))
    }

    /// Every file under the data directory (audit log, sandbox state...), concatenated.
    pub fn data_files_text(&self) -> String {
        let mut text = String::new();
        let mut stack = vec![self.data_dir()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(contents) = std::fs::read(&path) {
                    text.push_str(&String::from_utf8_lossy(&contents));
                }
            }
        }
        text
    }
}

impl Output {
    /// What `stagecraft ARGS...` did, from a finished process.
    pub fn new(args: &[&str], out: std::process::Output) -> Output {
        Output {
            command: std::iter::once("stagecraft")
                .chain(args.iter().copied())
                .collect::<Vec<_>>()
                .join(" "),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            because: None,
        }
    }

    /// Says why the exit code checked next is expected; shown if it is not.
    #[must_use = "finish the check with .success() or .code(n)"]
    pub fn because(mut self, why: impl std::fmt::Display) -> Output {
        self.because = Some(why.to_string());
        self
    }

    /// Fails unless the exit code is 0.
    #[track_caller]
    pub fn success(self) -> Output {
        self.code(0)
    }

    /// Fails unless the exit code is `expected`.
    #[track_caller]
    pub fn code(self, expected: i32) -> Output {
        if self.code != expected {
            let because = self
                .because
                .as_deref()
                .map_or(String::new(), |why| format!(" ({why})"));
            panic!(
                "`{}` exited with {}, expected {expected}{because}\n--- stdout\n{}\n--- stderr\n{}",
                self.command, self.code, self.stdout, self.stderr
            );
        }
        self
    }

    /// Fails unless stdout contains `text`, showing stdout.
    #[track_caller]
    pub fn assert_stdout_has(&self, text: &str) {
        self.assert_has("stdout", &self.stdout, text);
    }

    /// Fails unless stderr contains `text`, showing stderr.
    #[track_caller]
    pub fn assert_stderr_has(&self, text: &str) {
        self.assert_has("stderr", &self.stderr, text);
    }

    #[track_caller]
    fn assert_has(&self, stream: &str, output: &str, text: &str) {
        assert!(
            output.contains(text),
            "{stream} of `{}` lacks {text:?}:\n{output}",
            self.command
        );
    }

    /// Fails if the token, or a piece of it, is in stdout or stderr.
    #[must_use = "finish the check with .success() or .code(n)"]
    #[track_caller]
    pub fn no_canary(self) -> Output {
        self.assert_no_canary();
        self
    }

    /// Exit code, stdout and stderr with the temp dir and other unstable bits redacted, for snapshots.
    pub fn transcript(&self, project: &Project) -> String {
        let redact = |text: &str| {
            let mut t = text.replace(&project.path().display().to_string(), "[PROJECT]");
            t = regex::Regex::new(r"127\.0\.0\.1:\d+")
                .unwrap()
                .replace_all(&t, "127.0.0.1:[PORT]")
                .into_owned();
            t = regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
                .unwrap()
                .replace_all(&t, "[TIME]")
                .into_owned();
            t
        };
        format!(
            "exit code: {}\n--- stdout\n{}--- stderr\n{}",
            self.code,
            redact(&self.stdout),
            redact(&self.stderr)
        )
    }

    #[track_caller]
    pub fn assert_no_canary(&self) {
        assert!(
            !self.stdout.contains(CANARY) && !self.stderr.contains(CANARY),
            "the token leaked:\n{self:?}"
        );
        assert!(
            !self.stdout.contains("canarycanary") && !self.stderr.contains("canarycanary"),
            "part of the token leaked:\n{self:?}"
        );
    }
}

/// Reads a child's stderr line by line until a line contains `needle`; returns what was read. Lets a test
/// act on what the binary reports instead of guessing with sleeps.
pub fn stderr_until(stderr: &mut impl std::io::BufRead, needle: &str) -> String {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the command ended before printing {needle:?}: {seen}"
        );
        seen.push_str(&line);
        if line.contains(needle) {
            return seen;
        }
    }
}

/// A minimal valid config with one env `staging` and the given host lines (YAML, indented 10 spaces).
pub fn config_with_hosts(api_url: &str, hosts: &str) -> String {
    format!(
        "cloud:
  provider: digitalocean
  providers:
    digitalocean:
      token_env: DO_TOKEN
      ssh_key_name: my-ssh-key
      api_url: {api_url}
      default_region: nyc1
      default_size: s-1vcpu-1gb
      apply:
        poll_interval: 10ms
      hosts:
        staging:
{hosts}"
    )
}

/// Snapshots live in the top-level `snapshots/` folder, named by the test, not the module path.
#[macro_export]
macro_rules! snapshot {
    ($name:expr, $text:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!($name, $text));
    }};
}

/// `d` times `STAGECRAFT_TEST_TIME_SCALE` (default 1), for the few tests that bound or pace a real process
/// in wall time: under the coverage tracer (`scripts/coverage` sets it) every line's first run traps into
/// the tracer, so the binary starts many times slower while behaving the same.
pub fn scaled(d: std::time::Duration) -> std::time::Duration {
    let scale = std::env::var("STAGECRAFT_TEST_TIME_SCALE")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .filter(|&s| s > 0)
        .unwrap_or(1);
    d * scale
}

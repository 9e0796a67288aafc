//! `exec` end to end, one file per subject: the real binary, the sandbox API handing out 127.0.0.1, and a
//! real OpenSSH server. Shared here: the seeded sandbox, the config and the project around them.

mod connect;
mod container;
mod fanout;
mod inventory;
mod login;
mod mistakes;
mod run;
mod warm;

use std::net::Ipv4Addr;
use std::ops::Deref;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::sshd::TestSshd;
use crate::support::{Output, Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    [
        connect::tests(),
        container::tests(),
        fanout::tests(),
        inventory::tests(),
        login::tests(),
        mistakes::tests(),
        run::tests(),
        warm::tests(),
    ]
    .concat()
}

/// Droplets named `{prefix}1..` carrying `tags`, already `status`.
fn seed(sb: &TestSandbox, count: usize, prefix: &str, tags: &[&str], status: &str) {
    sb.seed(json!({"droplets": count, "name_prefix": prefix, "tags": tags, "status": status}));
}

/// Managed droplets as `apply` would have made them.
fn seed_managed(sb: &TestSandbox, env: &str, role: &str, count: usize) {
    let env_tag = format!("stagecraft:env:{env}");
    let role_tag = format!("stagecraft:role:{role}");
    seed(
        sb,
        count,
        &format!("{env}-{role}-"),
        &["stagecraft", &env_tag, &role_tag],
        "active",
    );
}

/// A config whose provider-level `ssh:` points every host at `sshd`; `hosts` is YAML indented 10 spaces.
fn config(api: &TestSandbox, sshd: &TestSshd, hosts: &str) -> String {
    config_with_hosts(&api.url, hosts).replace(
        "      hosts:\n",
        &format!("{}      hosts:\n", sshd.config_block()),
    )
}

const APP_AND_DB: &str = "          app: { role: app, count: 3 }\n          db-1: { role: db }\n";

/// A project whose shared SSH connections keep their sockets in its own runtime directory and are closed
/// when it is dropped, so that none outlives its test. Derefs to the [`Project`].
pub struct ExecProject {
    project: Project,
}

impl Deref for ExecProject {
    type Target = Project;

    fn deref(&self) -> &Project {
        &self.project
    }
}

impl Drop for ExecProject {
    fn drop(&mut self) {
        self.close_masters();
    }
}

impl ExecProject {
    pub fn new(config_yaml: &str) -> ExecProject {
        let project = Project::new(config_yaml);
        let run = project.path().join("run");
        ExecProject {
            project: project.env("STAGECRAFT_RUNTIME_DIR", &run.display().to_string()),
        }
    }

    pub fn runtime_dir(&self) -> PathBuf {
        self.path().join("run")
    }

    /// The sockets of the shared connections, sorted.
    pub fn sockets(&self) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(self.runtime_dir())
            .map(|dir| dir.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        found.sort();
        found
    }

    /// `ssh -O OP` on a shared connection's socket: `check` (stderr names the master's pid) or `exit`.
    pub fn control(socket: &std::path::Path, op: &str) -> std::process::Output {
        Command::new("ssh")
            .args(["-O", op, "-o"])
            .arg(format!("ControlPath={}", socket.display()))
            .arg("stagecraft-test")
            .stdin(Stdio::null())
            .output()
            .expect("run ssh -O")
    }

    /// Closes every shared connection, as a reboot of the hosts would.
    pub fn close_masters(&self) {
        for socket in self.sockets() {
            let _ = Self::control(&socket, "exit");
        }
    }
}

/// A sandbox whose droplets all live at 127.0.0.1, with 3 app hosts and a db host, all managed and
/// active, and a project that reaches them through `sshd`.
fn world(sshd: &TestSshd) -> (TestSandbox, ExecProject) {
    let api = TestSandbox::with(|o| {
        o.public_ip = Some(Ipv4Addr::LOCALHOST);
        o.seed_ssh_keys.clear();
    });
    seed_managed(&api, "staging", "app", 3);
    seed_managed(&api, "staging", "db", 1);
    let project = ExecProject::new(&config(&api, sshd, APP_AND_DB));
    (api, project)
}

/// Rewrites the test sshd's config before it starts: `edit` gets the text and returns the new one.
fn tweak_sshd(sshd: &TestSshd, edit: impl FnOnce(String) -> String) {
    let path = sshd.path().join("sshd_config");
    let text = std::fs::read_to_string(&path).expect("sshd_config");
    std::fs::write(&path, edit(text)).expect("sshd_config");
}

/// How many SSH connections (TCP, key exchange, authentication) the test sshd has accepted, from its log
/// at `LogLevel INFO`. Connections that never authenticate, such as the probe that waits for the port,
/// do not count.
fn connections(sshd: &TestSshd) -> usize {
    sshd.log().matches("Accepted publickey for").count()
}

/// `stagecraft ARGS...` in `project`, checked for the token in its output; finish the check with
/// `.success()` or `.code(n)`.
#[must_use = "check the exit code: .success() or .code(n)"]
fn run(project: &Project, args: &[&str]) -> Output {
    project.run(args).no_canary()
}

/// `world` with its sshd running.
fn setup(test: &str) -> (TestSshd, TestSandbox, ExecProject) {
    let sshd = TestSshd::start_new(test);
    let (api, project) = world(&sshd);
    (sshd, api, project)
}

fn known_hosts(project: &Project) -> std::path::PathBuf {
    project.data_dir().join("known_hosts")
}

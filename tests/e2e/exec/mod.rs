//! `exec` end to end, one file per subject: the real binary, the sandbox API handing out 127.0.0.1, and a
//! real OpenSSH server. Shared here: the seeded sandbox, the config and the project around them.

mod connect;
mod fanout;
mod mistakes;
mod run;

use std::net::Ipv4Addr;

use serde_json::json;

use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::sshd::TestSshd;
use crate::support::{Output, Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    [
        connect::tests(),
        fanout::tests(),
        mistakes::tests(),
        run::tests(),
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

/// A sandbox whose droplets all live at 127.0.0.1, with 3 app hosts and a db host, all managed and
/// active, and a project that reaches them through `sshd`.
fn world(sshd: &TestSshd) -> (TestSandbox, Project) {
    let api = TestSandbox::with(|o| {
        o.public_ip = Some(Ipv4Addr::LOCALHOST);
        o.seed_ssh_keys.clear();
    });
    seed_managed(&api, "staging", "app", 3);
    seed_managed(&api, "staging", "db", 1);
    let project = Project::new(&config(&api, sshd, APP_AND_DB));
    (api, project)
}

/// `stagecraft ARGS...` in `project`, checked for the token in its output; finish the check with
/// `.success()` or `.code(n)`.
#[must_use = "check the exit code: .success() or .code(n)"]
fn run(project: &Project, args: &[&str]) -> Output {
    project.run(args).no_canary()
}

/// `world` with its sshd running.
fn setup(test: &str) -> (TestSshd, TestSandbox, Project) {
    let sshd = TestSshd::start_new(test);
    let (api, project) = world(&sshd);
    (sshd, api, project)
}

fn known_hosts(project: &Project) -> std::path::PathBuf {
    project.data_dir().join("known_hosts")
}

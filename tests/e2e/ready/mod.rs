//! Ready means usable (`ready:`): the real binary against the sandbox, whose droplets all live at
//! 127.0.0.1, and the test sshd playing a booting droplet (see support/booting.rs).

mod probes;
mod replace;

use std::net::Ipv4Addr;
use std::process::{Child, Stdio};

use crate::support::booting::Booting;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::sshd::TestSshd;
use crate::support::{Output, Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    [probes::tests(), replace::tests()].concat()
}

/// The sandbox (addresses 127.0.0.1), an sshd playing the booting droplet (started unless `started` is
/// false) and its controls.
struct World {
    api: TestSandbox,
    sshd: TestSshd,
    booting: Booting,
}

impl World {
    fn new(test: &str, started: bool) -> World {
        let mut sshd = TestSshd::prepare(test);
        let booting = Booting::install(&sshd);
        if started {
            sshd.start();
        }
        let api = TestSandbox::with(|o| {
            o.public_ip = Some(Ipv4Addr::LOCALHOST);
        });
        World { api, sshd, booting }
    }

    /// A config whose hosts (YAML indented 10 spaces) reach the test sshd, with `ready` (a flow mapping)
    /// and any more provider-level lines.
    fn config(&self, ready: &str, extra: &str, hosts: &str) -> String {
        config_with_hosts(&self.api.url, hosts).replace(
            "      hosts:\n",
            &format!(
                "{}      ready: {ready}\n{extra}      hosts:\n",
                self.sshd.config_block()
            ),
        )
    }

    fn project(&self, ready: &str, hosts: &str) -> Project {
        Project::new(&self.config(ready, "", hosts))
    }
}

/// `apply --auto-approve` started in the background; its output is read when it ends.
fn spawn_apply(project: &Project) -> Child {
    project
        .command(&["apply", "--auto-approve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn apply")
}

fn finish(child: Child) -> Output {
    Output::new(
        &["apply", "--auto-approve"],
        child.wait_with_output().expect("wait for apply"),
    )
}

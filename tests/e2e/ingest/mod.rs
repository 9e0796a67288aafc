//! `stagecraft ingest` end to end, one file per subject: the real binary against the in-process sandbox,
//! into a real PostgreSQL (one fresh database per test; see support/postgres.rs) and into SQLite. Shared
//! here: the sandbox-and-project world, the standard seed and the `--json` summary.

mod bulk;
mod errors;
mod postgres;
mod runs;
mod sqlite;
mod tls;

use std::ops::Deref;
use std::path::PathBuf;
use std::process::Stdio;

use serde_json::{Value, json};

use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Output, Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    [
        bulk::tests(),
        errors::tests(),
        postgres::tests(),
        runs::tests(),
        sqlite::tests(),
        tls::tests(),
    ]
    .concat()
}

/// A sandbox that accepts only the canary token, so every API call proves the token was sent, and a
/// project whose `DO_TOKEN` is that canary. Derefs to the sandbox.
struct World {
    sb: TestSandbox,
    project: Project,
}

impl Deref for World {
    type Target = TestSandbox;

    fn deref(&self) -> &TestSandbox {
        &self.sb
    }
}

impl World {
    fn new() -> World {
        let sb = TestSandbox::with(|o| {
            o.rate_limit_per_minute = 100_000;
            o.rate_limit_per_hour = 1_000_000;
            o.seed_ssh_keys.clear();
        });
        let project = Project::new(&config_with_hosts(
            &sb.url,
            "          app-1: { role: app }\n",
        ));
        World { sb, project }
    }

    /// `stagecraft ingest ARGS...`, checked for the token in its output.
    #[must_use = "check the exit code: .success() or .code(n)"]
    fn ingest(&self, args: &[&str]) -> Output {
        let mut all = vec!["ingest"];
        all.extend_from_slice(args);
        self.project.run(&all).no_canary()
    }

    /// Starts `n` ingests with `args` at once; each must succeed, and none may take another's live run for
    /// abandoned.
    fn ingest_concurrently(&self, n: usize, args: &[&str]) {
        let mut all = vec!["ingest"];
        all.extend_from_slice(args);
        let children: Vec<_> = (0..n)
            .map(|_| {
                self.project
                    .command(&all)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = Output::new(&all, child.wait_with_output().unwrap()).success();
            assert!(
                !out.stdout.contains("closed earlier run"),
                "a live run was taken for abandoned"
            );
        }
    }

    /// The SQLite file ingest writes without `--db`.
    fn default_sqlite(&self) -> PathBuf {
        self.project.data_dir().join("inventory.sqlite3")
    }

    /// How many objects the API lists for `path` (the sandbox has default VPCs of its own).
    fn total(&self, path: &str, key: &str) -> i64 {
        let body = self.get(&format!("{path}?per_page=1")).json;
        body.pointer("/meta/total")
            .and_then(Value::as_i64)
            .unwrap_or_else(|| body[key].as_array().map_or(0, |a| a.len() as i64))
    }
}

fn standard_seed() -> Value {
    json!({"droplets": 450, "firewalls": 30, "databases": 4, "vpcs": 3, "domains": 2, "load_balancers": 2})
}

fn summary(out: &Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("--json output: {e}\n{out:?}"))
}

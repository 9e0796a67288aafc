//! `stagecraft ingest` end to end: the real binary against the in-process sandbox, into a real PostgreSQL
//! (one fresh database per test; see support/postgres.rs) and into SQLite.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use stagecraft::ingest::Dsn;
use stagecraft::ingest::store::{self, NewRun, WriteMode};
use stagecraft::sandbox::{Sandbox, SandboxOptions};

use crate::support::postgres::test_db;
use crate::support::{CANARY, Output, Project, config_with_hosts};

/// A sandbox that accepts only the canary token, so every API call proves the token was sent, and a
/// project whose `DO_TOKEN` is that canary.
struct World {
    sandbox: Option<Sandbox>,
    base: String,
    agent: ureq::Agent,
    project: Project,
}

impl World {
    fn new() -> World {
        let sandbox = Sandbox::start(SandboxOptions {
            token: CANARY.into(),
            boot_time: Duration::ZERO,
            rate_limit_per_minute: 100_000,
            rate_limit_per_hour: 1_000_000,
            ..SandboxOptions::default()
        })
        .expect("start the sandbox");
        let base = sandbox.base_url();
        let project = Project::new(&config_with_hosts(
            &base,
            "          app-1: { role: app }\n",
        ));
        World {
            sandbox: Some(sandbox),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(60)))
                .build()
                .into(),
            base,
            project,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {CANARY}");
        let response = match (method, body) {
            ("DELETE", _) => self
                .agent
                .delete(&url)
                .header("Authorization", &auth)
                .call(),
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call(),
            (_, body) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or(Value::Null).to_string().as_bytes()),
        };
        let mut response = response.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn seed(&self, body: Value) {
        let (status, reply) = self.call("POST", "/_sandbox/seed", Some(body));
        assert_eq!(status, 200, "{reply}");
    }

    fn fault(&self, rule: Value) {
        let (status, reply) = self.call("POST", "/_sandbox/faults", Some(rule));
        assert_eq!(status, 201, "{reply}");
    }

    fn clear_faults(&self) {
        self.call("DELETE", "/_sandbox/faults", None);
    }

    fn ingest(&self, args: &[&str]) -> Output {
        let mut all = vec!["ingest"];
        all.extend_from_slice(args);
        let out = self.project.run(&all);
        out.assert_no_canary();
        out
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
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                !String::from_utf8_lossy(&out.stdout).contains("closed earlier run"),
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
        let (_, body) = self.call("GET", &format!("{path}?per_page=1"), None);
        body.pointer("/meta/total")
            .and_then(Value::as_i64)
            .unwrap_or_else(|| body[key].as_array().map_or(0, |a| a.len() as i64))
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(s) = self.sandbox.take() {
            s.shutdown();
        }
    }
}

fn standard_seed() -> Value {
    json!({"droplets": 450, "firewalls": 30, "databases": 4, "vpcs": 3, "domains": 2, "load_balancers": 2})
}

fn summary(out: &Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("--json output: {e}\n{out:?}"))
}

#[test]
fn postgres_first_run_then_an_idempotent_rerun() {
    let Some(db) = test_db("postgres_first_run") else {
        return;
    };
    let world = World::new();
    world.seed(standard_seed());
    let first = world.ingest(&["--db", &db.url, "--json"]);
    assert_eq!(first.code, 0, "{first:?}");
    let s = summary(&first);
    assert_eq!(s["status"], "success");
    assert_eq!(s["backend"], "postgres");
    assert!(
        !s["database"]
            .as_str()
            .unwrap()
            .contains(":stagecraft_test@"),
        "{s}"
    );
    let vpcs = world.total("/v2/vpcs", "vpcs");
    let counts = [
        ("do_droplets", 450),
        ("do_firewalls", 30),
        ("do_databases", 4),
        ("do_vpcs", vpcs),
        ("do_domains", 2),
        ("do_load_balancers", 2),
    ];
    for (table, n) in counts {
        assert_eq!(
            db.count(&format!("SELECT count(*) FROM ops.{table}")),
            n,
            "{table}"
        );
    }
    assert_eq!(
        db.count("SELECT count(*) FROM ops.do_droplets WHERE jsonb_typeof(raw) = 'object' AND raw->>'name' = name AND region IS NOT NULL AND created_at IS NOT NULL"),
        450
    );
    let second = world.ingest(&["--db", &db.url]);
    assert_eq!(second.code, 0, "{second:?}");
    for (table, n) in counts {
        assert_eq!(
            db.count(&format!("SELECT count(*) FROM ops.{table}")),
            n,
            "{table} after rerun"
        );
    }
    assert_eq!(db.count("SELECT count(*) FROM ops.do_ingest_runs WHERE status = 'success' AND finished_at IS NOT NULL"), 2);
    assert_eq!(db.count("SELECT count(*) FROM ops.run_events"), 12);
    assert_eq!(
        db.count("SELECT count(*) FROM ops.do_droplets WHERE deleted_at IS NOT NULL"),
        0
    );
    assert_eq!(db.count("SELECT count(*) FROM ops.schema_migrations"), 1);
    // The human summary: one line per type, then the run.
    assert!(
        second
            .stdout
            .lines()
            .next()
            .unwrap()
            .starts_with("droplets"),
        "{}",
        second.stdout
    );
    assert!(
        second.stdout.contains("ingest run 2: success"),
        "{}",
        second.stdout
    );
    assert!(
        second.stdout.contains("postgres://stagecraft_test:***@") || !db.url.contains(':'),
        "{}",
        second.stdout
    );
}

#[test]
fn postgres_a_droplet_deleted_between_runs_is_marked_not_dropped() {
    let Some(db) = test_db("postgres_deleted") else {
        return;
    };
    let world = World::new();
    world.seed(json!({"droplets": 5}));
    assert_eq!(
        world
            .ingest(&["--db", &db.url, "--resources", "droplets"])
            .code,
        0
    );
    let (_, list) = world.call("GET", "/v2/droplets", None);
    let gone = list["droplets"][2]["id"].as_i64().unwrap();
    assert_eq!(
        world
            .call("DELETE", &format!("/v2/droplets/{gone}"), None)
            .0,
        204
    );
    let out = world.ingest(&["--db", &db.url, "--resources", "droplets", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(summary(&out)["deleted"], 1);
    assert_eq!(db.count("SELECT count(*) FROM ops.do_droplets"), 5);
    assert_eq!(
        db.count("SELECT do_id FROM ops.do_droplets WHERE deleted_at IS NOT NULL"),
        gone
    );
}

#[test]
fn postgres_a_fault_mid_run_makes_it_partial_and_keeps_earlier_data() {
    let Some(db) = test_db("postgres_fault") else {
        return;
    };
    let world = World::new();
    world.seed(standard_seed());
    assert_eq!(world.ingest(&["--db", &db.url]).code, 0);
    // Run 2: droplets fail on page 2 (after page 1 was written inside the transaction), firewalls fail
    // outright. 403 is never retried, so the binary does not sleep.
    world.call(
        "DELETE",
        &format!("/v2/droplets/{}", first_droplet(&world)),
        None,
    );
    world.fault(json!({"method": "GET", "path": "/v2/droplets", "kind": "status", "status": 403, "after": 1}));
    world.fault(json!({"method": "GET", "path": "/v2/firewalls", "kind": "status", "status": 403}));
    let out = world.ingest(&["--db", &db.url, "--json"]);
    world.clear_faults();
    assert_eq!(out.code, 1, "{out:?}");
    let s = summary(&out);
    assert_eq!(s["status"], "partial", "{s}");
    assert_eq!(s["resources_failed"], 2);
    assert!(
        s["last_error"].as_str().unwrap().starts_with("firewalls: "),
        "{s}"
    );
    let run2 = s["run_id"].as_i64().unwrap();
    assert_eq!(
        db.count(&format!("SELECT count(*) FROM ops.do_ingest_runs WHERE id = {run2} AND status = 'partial' AND last_error LIKE '%403%'")),
        1
    );
    // Rolled back: no droplet row moved to run 2, none marked deleted although one is gone.
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM ops.do_droplets WHERE last_seen_run_id = {run2}"
        )),
        0
    );
    assert_eq!(
        db.count("SELECT count(*) FROM ops.do_droplets WHERE deleted_at IS NULL"),
        450
    );
    assert_eq!(
        db.count("SELECT count(*) FROM ops.do_firewalls WHERE last_seen_run_id = 1"),
        30
    );
    // Types after the failures still ran.
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM ops.do_domains WHERE last_seen_run_id = {run2}"
        )),
        2
    );
    assert_eq!(
        db.count(&format!("SELECT count(*) FROM ops.run_events WHERE run_id = {run2} AND status = 'partial' AND error_count >= 1")),
        2
    );
    // Run 3, healthy again: now the deletion is seen.
    assert_eq!(world.ingest(&["--db", &db.url]).code, 0);
    assert_eq!(
        db.count("SELECT count(*) FROM ops.do_droplets WHERE deleted_at IS NOT NULL"),
        1
    );
}

fn first_droplet(world: &World) -> i64 {
    let (_, list) = world.call("GET", "/v2/droplets", None);
    list["droplets"][0]["id"].as_i64().unwrap()
}

#[test]
fn postgres_concurrent_ingests_both_succeed_on_a_fresh_database() {
    let Some(db) = test_db("postgres_concurrent") else {
        return;
    };
    let world = World::new();
    world.seed(standard_seed());
    // All start before any has migrated: the advisory locks must serialise schema and writes.
    world.ingest_concurrently(3, &["--db", &db.url]);
    assert_eq!(
        db.count("SELECT count(*) FROM ops.do_ingest_runs WHERE status = 'success'"),
        3
    );
    assert_eq!(db.count("SELECT count(*) FROM ops.schema_migrations"), 1);
    assert_eq!(db.count("SELECT count(*) FROM ops.do_droplets"), 450);
    assert_eq!(
        db.count("SELECT count(*) FROM ops.do_droplets WHERE deleted_at IS NOT NULL"),
        0
    );
    assert_eq!(
        db.count("SELECT count(*) FROM ops.do_firewalls WHERE deleted_at IS NOT NULL"),
        0
    );
}

/// The "ingest running" lock through the store API: a live run is left alone by another ingest; once its
/// ingest is gone (its connection or lock file closed, as when the process dies) the next one closes it.
/// Returns the abandoned run's id.
fn a_run_is_closed_only_once_its_ingest_is_gone(dsn: &Dsn) -> i64 {
    let open = || store::open(dsn, WriteMode::Batched).unwrap();
    let now = "2026-11-22T00:00:00Z";
    let mut live = open();
    assert!(live.close_abandoned_runs(now).unwrap().is_empty());
    let run = live
        .start_run(&NewRun {
            started_at: now,
            resources: "droplets",
            api_base_url: "http://127.0.0.1:1",
        })
        .unwrap();
    let mut other = open();
    assert!(
        other.close_abandoned_runs(now).unwrap().is_empty(),
        "a run whose ingest is alive is never closed"
    );
    drop(other);
    drop(live);
    assert_eq!(open().close_abandoned_runs(now).unwrap(), vec![run]);
    assert!(
        open().close_abandoned_runs(now).unwrap().is_empty(),
        "closed once"
    );
    run
}

#[test]
fn sqlite_abandoned_runs_are_closed_only_once_their_ingest_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inv.sqlite3");
    let run = a_run_is_closed_only_once_its_ingest_is_gone(&Dsn::Sqlite { path: path.clone() });
    let conn = rusqlite::Connection::open(&path).unwrap();
    let (status, error): (String, String) = conn
        .query_row(
            "SELECT status, last_error FROM do_ingest_runs WHERE id = ?1",
            [run],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(status, "error");
    assert!(error.starts_with("interrupted"), "{error}");
}

#[test]
fn postgres_abandoned_runs_are_closed_only_once_their_ingest_is_gone() {
    let Some(db) = test_db("postgres_abandoned") else {
        return;
    };
    let run = a_run_is_closed_only_once_its_ingest_is_gone(&Dsn::Postgres {
        url: db.url.clone(),
    });
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM ops.do_ingest_runs WHERE id = {run} AND status = 'error'
                 AND finished_at IS NOT NULL AND last_error LIKE 'interrupted%'"
        )),
        1
    );
}

/// The real binary, killed mid-run (while it waits out a 503 on its second listing): the next ingest
/// closes the dead run as `error` and says so.
#[test]
fn sqlite_a_killed_ingest_is_closed_by_the_next() {
    let world = World::new();
    world.seed(json!({"droplets": 3}));
    world.fault(json!({"method": "GET", "path": "/v2/databases", "kind": "status", "status": 503, "times": 1}));
    let mut child = world
        .project
        .command(&["ingest", "-v"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // The droplets outcome comes after the run's `running` row was committed.
    let seen = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find(|l| l.contains("droplets: success"));
    assert!(seen.is_some(), "the first ingest never finished droplets");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "killed, not finished: {status:?}");

    let out = world.ingest(&[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("closed earlier run 1 as error: left running by an ingest that stopped"),
        "{}",
        out.stdout
    );
    let conn = rusqlite::Connection::open(world.default_sqlite()).unwrap();
    let statuses: Vec<String> = conn
        .prepare("SELECT status FROM do_ingest_runs ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(statuses, ["error", "success"]);
}

#[test]
fn sqlite_concurrent_ingests_both_succeed() {
    let world = World::new();
    world.seed(json!({"droplets": 300, "firewalls": 10}));
    world.ingest_concurrently(2, &[]);
    let conn = rusqlite::Connection::open(world.default_sqlite()).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM do_ingest_runs WHERE status = 'success'"),
        2
    );
    assert_eq!(
        count("SELECT count(*) FROM do_droplets WHERE deleted_at IS NULL"),
        300
    );
}

#[test]
fn bad_dsns_get_clear_errors_without_the_password() {
    let world = World::new();
    let cases = [
        (
            "postgres://stagecraft:hunter2secret@127.0.0.1:1/inventory",
            "cannot connect to PostgreSQL at postgres://stagecraft:***@127.0.0.1:1/inventory",
        ),
        ("mysql://root:hunter2secret@127.0.0.1/x", "does not support"),
        (
            "postgres://stagecraft:hunter2secret@127.0.0.1:1",
            "names no database",
        ),
    ];
    for (dsn, expected) in cases {
        let out = world.ingest(&["--db", dsn]);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(out.stderr.contains(expected), "{dsn}: {}", out.stderr);
        assert!(
            !out.stderr.contains("hunter2secret") && !out.stdout.contains("hunter2secret"),
            "{out:?}"
        );
    }
    // The same through STAGECRAFT_DATABASE_URL.
    let project = Project::new(&config_with_hosts(
        &world.base,
        "          app-1: { role: app }\n",
    ))
    .env(
        "STAGECRAFT_DATABASE_URL",
        "postgres://stagecraft:hunter2secret@127.0.0.1:1/inventory",
    );
    let out = project.run(&["ingest"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("postgres://stagecraft:***@127.0.0.1:1/inventory"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("hunter2secret"));
}

#[test]
fn postgres_wrong_password_is_reported_without_it() {
    let Some(db) = test_db("postgres_wrong_password") else {
        return;
    };
    let world = World::new();
    let wrong = db.url.replacen(":stagecraft_test@", ":wrong-pass-1234@", 1);
    if wrong == db.url {
        eprintln!("SKIPPED postgres_wrong_password: the test URL has no password to replace");
        return;
    }
    let out = world.ingest(&["--db", &wrong]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("password authentication failed"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("wrong-pass-1234"), "{}", out.stderr);
}

/// libpq's sslmode meanings against a server whose certificate names `localhost` only, as a role that
/// pg_hba admits over TLS only: every success below was an encrypted connection.
#[test]
fn postgres_tls_sslmodes_and_certificate_checks() {
    let Some(db) = test_db("postgres_tls") else {
        return;
    };
    let Some((url, ca)) = db.tls_only("postgres_tls") else {
        return;
    };
    let world = World::new();
    world.seed(json!({"vpcs": 2}));
    let with = |url: &str, query: &str| format!("{url}?{query}");
    let by_ip = url.replacen("@localhost:", "@127.0.0.1:", 1);
    let ingest = |db: &str| world.ingest(&["--db", db, "--resources", "vpcs"]);

    let refused = ingest(&with(&url, "sslmode=disable"));
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("no encryption"),
        "the TLS-only role must be refused in plain text: {}",
        refused.stderr
    );

    for (run, (target, query)) in [
        (&url, String::new()),
        (&url, "sslmode=require".to_string()),
        (&url, format!("sslmode=verify-full&sslrootcert={ca}")),
        (&by_ip, format!("sslmode=verify-ca&sslrootcert={ca}")),
        (&by_ip, format!("sslmode=require&sslrootcert={ca}")),
    ]
    .into_iter()
    .enumerate()
    {
        let db = if query.is_empty() {
            target.clone()
        } else {
            with(target, &query)
        };
        let out = ingest(&db);
        assert_eq!(out.code, 0, "{db}: {out:?}");
        // One database throughout: the runs count up, so each really wrote there.
        assert!(
            out.stdout
                .contains(&format!("ingest run {}: success", run + 1)),
            "{}",
            out.stdout
        );
        assert!(!out.stdout.contains(":stagecraft_test@"), "{}", out.stdout);
    }

    let wrong_name = ingest(&with(
        &by_ip,
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ));
    assert_eq!(wrong_name.code, 1, "{wrong_name:?}");
    assert!(
        wrong_name
            .stderr
            .contains("not valid for name \"127.0.0.1\"")
            && wrong_name
                .stderr
                .contains("sslmode=verify-ca skips the name check"),
        "{}",
        wrong_name.stderr
    );

    let unknown_ca = ingest(&with(&url, "sslmode=verify-full&sslrootcert=system"));
    assert_eq!(unknown_ca.code, 1, "{unknown_ca:?}");
    assert!(
        unknown_ca.stderr.contains("UnknownIssuer"),
        "{}",
        unknown_ca.stderr
    );

    let no_ca = ingest(&with(&url, "sslmode=verify-ca"));
    assert_eq!(no_ca.code, 1, "{no_ca:?}");
    assert!(
        no_ca.stderr.contains("add sslrootcert=PATH"),
        "{}",
        no_ca.stderr
    );
    for out in [&refused, &wrong_name, &unknown_ca, &no_ca] {
        assert!(
            !out.stderr.contains(":stagecraft_test@"),
            "password shown: {}",
            out.stderr
        );
    }
}

#[test]
fn postgres_the_token_never_reaches_any_table() {
    let Some(db) = test_db("postgres_canary") else {
        return;
    };
    let world = World::new();
    world.seed(standard_seed());
    assert_eq!(world.ingest(&["--db", &db.url]).code, 0);
    let mut recorder = stagecraft::ingest::ActionRecorder::open(&db.url).unwrap();
    let row = recorder.pending("staging-app-1", None, "create").unwrap();
    recorder
        .finish(row, false, None, None, Some("HTTP 500"))
        .unwrap();
    let dump = db.dump_ops();
    assert!(
        dump.contains("seed-droplet-"),
        "the dump should hold the inventory"
    );
    assert!(
        !dump.contains(CANARY) && !dump.contains("canarycanary"),
        "the token reached a table"
    );
}

#[test]
fn sqlite_default_file_and_the_token_never_reaches_it() {
    let world = World::new();
    world.seed(standard_seed());
    let out = world.ingest(&["--resources", "droplets,databases,firewalls,vpcs"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 5, "{}", out.stdout);
    let file = world.default_sqlite();
    assert!(
        out.stdout.contains(&format!("sqlite:{}", file.display())),
        "{}",
        out.stdout
    );
    let conn = rusqlite::Connection::open(&file).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM do_droplets"), 450);
    assert_eq!(count("SELECT count(*) FROM do_databases"), 4);
    assert_eq!(count("SELECT count(*) FROM do_domains"), 0, "not requested");
    assert_eq!(count("SELECT count(*) FROM run_events"), 4);
    drop(conn);
    let bytes = std::fs::read(&file).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("canarycanary"),
        "the token reached the SQLite file"
    );
}

#[test]
fn unknown_resources_are_refused() {
    let world = World::new();
    let out = world.ingest(&["--resources", "droplets,kubernetes"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("unknown resource `kubernetes`"),
        "{}",
        out.stderr
    );
}

#[test]
fn postgres_action_recorder_records_pending_then_outcome() {
    let Some(db) = test_db("postgres_actions") else {
        return;
    };
    let mut recorder = stagecraft::ingest::ActionRecorder::open(&db.url).unwrap();
    assert!(!format!("{recorder:?}").contains("stagecraft_test@"));
    let a = recorder.pending("staging-app-1", None, "create").unwrap();
    let b = recorder
        .pending("staging-app-2", Some(77), "resize")
        .unwrap();
    assert_eq!(
        db.count("SELECT count(*) FROM ops.do_actions WHERE status = 'pending'"),
        2
    );
    recorder
        .finish(a, true, Some(9001), Some(1234), None)
        .unwrap();
    recorder
        .finish(b, false, None, None, Some("digitalocean provider: 422"))
        .unwrap();
    assert_eq!(
        db.count(&format!("SELECT do_action_id FROM ops.do_actions WHERE id = {a} AND status = 'success' AND droplet_id = 1234")),
        9001
    );
    assert_eq!(
        db.count(&format!("SELECT droplet_id FROM ops.do_actions WHERE id = {b} AND status = 'error' AND error LIKE '%422%' AND finished_at IS NOT NULL")),
        77
    );
}

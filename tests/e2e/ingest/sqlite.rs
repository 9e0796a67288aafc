//! Ingest into the default SQLite file: what it holds, concurrent ingests, and a killed ingest closed by
//! the next.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::json;

use super::{World, standard_seed};
use crate::case;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(sqlite_default_file_and_the_token_never_reaches_it),
        case!(sqlite_concurrent_ingests_both_succeed),
        case!(sqlite_a_killed_ingest_is_closed_by_the_next),
    ]
}

fn sqlite_default_file_and_the_token_never_reaches_it() {
    let world = World::new();
    world.seed(standard_seed());
    let out = world
        .ingest(&["--resources", "droplets,databases,firewalls,vpcs"])
        .success();
    assert_eq!(out.stdout.lines().count(), 5, "{}", out.stdout);
    let file = world.default_sqlite();
    out.assert_stdout_has(&format!("sqlite:{}", file.display()));
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

/// The real binary, killed mid-run (while it waits out a 503 on its second listing): the next ingest
/// closes the dead run as `error` and says so.
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

    let out = world.ingest(&[]).success();
    out.assert_stdout_has("closed earlier run 1 as error: left running by an ingest that stopped");
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

//! `apply --db`: every action recorded in the audit table, in SQLite and in PostgreSQL.

use super::hosts;
use crate::case;
use crate::support::harness::Case;
use crate::support::postgres::test_db;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![
        case!(a_failure_to_record_is_reported_and_fails_the_apply),
        case!(apply_with_db_records_every_action_in_sqlite),
        case!(apply_with_db_records_actions_in_postgres),
    ]
}

fn a_failure_to_record_is_reported_and_fails_the_apply() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(1)));
    let db = project.path().join("ops.sqlite3");
    let url = format!("sqlite:{}", db.display());
    project
        .run(&["apply", "--auto-approve", "--db", &url])
        .success();
    // The database starts refusing new rows (a full disk, a revoked grant...).
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER refuse BEFORE INSERT ON do_actions BEGIN SELECT RAISE(ABORT, 'no space left (test)'); END;",
    )
    .unwrap();
    project.write("stagecraft.yml", &config_with_hosts(&sb.url, &hosts(2)));
    let out = project
        .run(&["apply", "--auto-approve", "--db", &url])
        .code(1);
    out.assert_stdout_has("ok      staging-app-2  create");
    out.assert_stderr_has("recording actions in the database failed 1 time");
    out.assert_stderr_has("no space left (test)");
    assert_eq!(
        sb.names(),
        ["staging-app-1", "staging-app-2"],
        "the apply itself went on"
    );
}

fn apply_with_db_records_every_action_in_sqlite() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(2)));
    let db = project.path().join("ops.sqlite3");
    let url = format!("sqlite:{}", db.display());
    project
        .run(&["apply", "--auto-approve", "--db", &url])
        .success();
    project.write("stagecraft.yml", &config_with_hosts(&sb.url, &hosts(1)));
    project
        .run(&["apply", "--auto-approve", "--db", &url])
        .success();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn.prepare("SELECT droplet_name, action, status, droplet_id IS NOT NULL, do_action_id IS NOT NULL FROM do_actions ORDER BY id").unwrap();
    let rows: Vec<(String, String, String, bool, bool)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "staging-app-1".into(),
                "create".into(),
                "success".into(),
                true,
                true
            ),
            (
                "staging-app-2".into(),
                "create".into(),
                "success".into(),
                true,
                true
            ),
            (
                "staging-app-2".into(),
                "delete".into(),
                "success".into(),
                true,
                false
            ),
        ]
    );
    let dump: String = conn
        .query_row(
            "SELECT group_concat(coalesce(error, '') || droplet_name) FROM do_actions",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!dump.contains("canary"));
}

fn apply_with_db_records_actions_in_postgres() {
    let db = test_db("apply_with_db");
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(2)));
    let out = project
        .run(&["apply", "--auto-approve", "--db", &db.url])
        .success();
    assert!(
        !out.stderr.contains(&db.url) && !out.stdout.contains(&db.url),
        "the DSN (with its password) was printed"
    );
    assert_eq!(db.count("SELECT count(*) FROM ops.do_actions WHERE action = 'create' AND status = 'success' AND do_action_id IS NOT NULL"), 2);
    assert_eq!(
        db.count("SELECT count(*) FROM ops.do_actions WHERE status = 'pending'"),
        0
    );
}

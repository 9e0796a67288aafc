//! The "ingest running" lock through the store API: a run is closed as abandoned only once its ingest is
//! gone, in SQLite and in PostgreSQL.

use stagecraft::ingest::Dsn;
use stagecraft::ingest::store::{self, NewRun, WriteMode};

use crate::case;
use crate::support::harness::Case;
use crate::support::postgres::test_db;

pub fn tests() -> Vec<Case> {
    vec![
        case!(sqlite_abandoned_runs_are_closed_only_once_their_ingest_is_gone),
        case!(postgres_abandoned_runs_are_closed_only_once_their_ingest_is_gone),
    ]
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

fn postgres_abandoned_runs_are_closed_only_once_their_ingest_is_gone() {
    let db = test_db("postgres_abandoned");
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

//! The schema as the code sees it: table columns, migration bookkeeping, and the action recorder's rows.

use super::*;

#[test]
fn tables_have_exactly_the_columns_the_code_writes() {
    let db = Db::new();
    store::open(&db.options(WriteMode::Batched).dsn, WriteMode::Batched).unwrap();
    let conn = db.conn();
    for resource in Resource::ALL {
        let table = resource.table().trim_start_matches("ops.");
        let mut stmt = conn
            .prepare(&format!("PRAGMA table_info({table})"))
            .unwrap();
        let actual: Vec<String> = stmt
            .query_map([], |r| r.get(1))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut expected = vec!["do_id".to_string()];
        expected.extend(resource.columns().iter().map(|(n, _)| n.to_string()));
        expected.extend(
            [
                "raw",
                "first_seen_at",
                "last_seen_at",
                "last_seen_run_id",
                "deleted_at",
            ]
            .map(String::from),
        );
        assert_eq!(actual, expected, "{table}");
    }
}

#[test]
fn migrations_run_once_and_an_edited_migration_is_refused() {
    let db = Db::new();
    let dsn = db.options(WriteMode::Batched).dsn;
    store::open(&dsn, WriteMode::Batched).unwrap();
    store::open(&dsn, WriteMode::Batched).unwrap();
    assert_eq!(
        db.count("SELECT count(*) FROM schema_migrations"),
        migrations::latest()
    );
    db.conn()
        .execute(
            "UPDATE schema_migrations SET checksum = 'x' WHERE version = 1",
            [],
        )
        .unwrap();
    let e = store::open(&dsn, WriteMode::Batched).err().unwrap();
    assert!(matches!(e, IngestError::MigrationChanged { .. }), "{e}");
    db.conn()
        .execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'future', 'y')",
            [],
        )
        .unwrap();
    db.conn()
        .execute(
            "UPDATE schema_migrations SET checksum = ?1 WHERE version = 1",
            [migrations::checksum(migrations::MIGRATIONS[0].sqlite)],
        )
        .unwrap();
    let e = store::open(&dsn, WriteMode::Batched).err().unwrap();
    assert!(e.to_string().contains("upgrade stagecraft"), "{e}");
}

#[test]
fn the_action_recorder_keeps_pending_then_the_outcome() {
    let db = Db::new();
    let mut rec = ActionRecorder::open(&format!("sqlite:{}", db.path.display())).unwrap();
    let create = rec.pending("staging-app-1", None, "create").unwrap();
    let delete = rec.pending("staging-old-1", Some(42), "delete").unwrap();
    assert_eq!(
        db.count("SELECT count(*) FROM do_actions WHERE status = 'pending'"),
        2
    );
    rec.finish(create, true, Some(7001), Some(1234), None)
        .unwrap();
    rec.finish(delete, false, None, None, Some("HTTP 500"))
        .unwrap();
    let (status, action_id, droplet_id): (String, i64, i64) = db
        .conn()
        .query_row(
            &format!("SELECT status, do_action_id, droplet_id FROM do_actions WHERE id = {create}"),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (status.as_str(), action_id, droplet_id),
        ("success", 7001, 1234)
    );
    assert_eq!(
        db.count(&format!("SELECT droplet_id FROM do_actions WHERE id = {delete} AND status = 'error' AND error = 'HTTP 500' AND finished_at IS NOT NULL")),
        42
    );
}

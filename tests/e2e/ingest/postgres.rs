//! Ingest into PostgreSQL: a first run and an idempotent rerun, deletions, a fault mid-run, concurrent
//! ingests, the token kept out of every table, and the action recorder.

use serde_json::json;

use super::{World, standard_seed, summary};
use crate::case;
use crate::support::CANARY;
use crate::support::harness::Case;
use crate::support::postgres::test_db;

pub fn tests() -> Vec<Case> {
    vec![
        case!(postgres_first_run_then_an_idempotent_rerun),
        case!(postgres_a_droplet_deleted_between_runs_is_marked_not_dropped),
        case!(postgres_a_fault_mid_run_makes_it_partial_and_keeps_earlier_data),
        case!(postgres_concurrent_ingests_both_succeed_on_a_fresh_database),
        case!(postgres_the_token_never_reaches_any_table),
        case!(postgres_action_recorder_records_pending_then_outcome),
        case!(postgres_raw_is_the_api_text_and_an_older_schema_upgrades_in_place),
    ]
}

fn postgres_first_run_then_an_idempotent_rerun() {
    let db = test_db("postgres_first_run");
    let world = World::new();
    world.seed(standard_seed());
    let first = world.ingest(&["--db", &db.url, "--json"]).success();
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
        db.count("SELECT count(*) FROM ops.do_droplets WHERE json_typeof(raw) = 'object' AND raw->>'name' = name AND region IS NOT NULL AND created_at IS NOT NULL"),
        450
    );
    let second = world.ingest(&["--db", &db.url]).success();
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
    assert_eq!(
        db.count("SELECT count(*) FROM ops.schema_migrations"),
        stagecraft::ingest::migrations::latest()
    );
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
    second.assert_stdout_has("ingest run 2: success");
    assert!(
        second.stdout.contains("postgres://stagecraft_test:***@") || !db.url.contains(':'),
        "{}",
        second.stdout
    );
}

fn postgres_a_droplet_deleted_between_runs_is_marked_not_dropped() {
    let db = test_db("postgres_deleted");
    let world = World::new();
    world.seed(json!({"droplets": 5}));
    world
        .ingest(&["--db", &db.url, "--resources", "droplets"])
        .success();
    let list = world.get("/v2/droplets").json;
    let gone = list["droplets"][2]["id"].as_i64().unwrap();
    assert_eq!(world.delete(&format!("/v2/droplets/{gone}")).status, 204);
    let out = world
        .ingest(&["--db", &db.url, "--resources", "droplets", "--json"])
        .success();
    assert_eq!(summary(&out)["deleted"], 1);
    assert_eq!(db.count("SELECT count(*) FROM ops.do_droplets"), 5);
    assert_eq!(
        db.count("SELECT do_id FROM ops.do_droplets WHERE deleted_at IS NOT NULL"),
        gone
    );
}

fn postgres_a_fault_mid_run_makes_it_partial_and_keeps_earlier_data() {
    let db = test_db("postgres_fault");
    let world = World::new();
    world.seed(standard_seed());
    world.ingest(&["--db", &db.url]).success();
    // Run 2: droplets fail on page 2 (after page 1 was written inside the transaction), firewalls fail
    // outright. 403 is never retried, so the binary does not sleep.
    world.delete(&format!("/v2/droplets/{}", first_droplet(&world)));
    world.fault(json!({"method": "GET", "path": "/v2/droplets", "kind": "status", "status": 403, "after": 1}));
    world.fault(json!({"method": "GET", "path": "/v2/firewalls", "kind": "status", "status": 403}));
    let out = world.ingest(&["--db", &db.url, "--json"]);
    world.clear_faults();
    let out = out.code(1);
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
    world.ingest(&["--db", &db.url]).success();
    assert_eq!(
        db.count("SELECT count(*) FROM ops.do_droplets WHERE deleted_at IS NOT NULL"),
        1
    );
}

fn first_droplet(world: &World) -> i64 {
    world.get("/v2/droplets").json["droplets"][0]["id"]
        .as_i64()
        .unwrap()
}

fn postgres_concurrent_ingests_both_succeed_on_a_fresh_database() {
    let db = test_db("postgres_concurrent");
    let world = World::new();
    world.seed(standard_seed());
    // All start before any has migrated: the advisory locks must serialise schema and writes.
    world.ingest_concurrently(3, &["--db", &db.url]);
    assert_eq!(
        db.count("SELECT count(*) FROM ops.do_ingest_runs WHERE status = 'success'"),
        3
    );
    assert_eq!(
        db.count("SELECT count(*) FROM ops.schema_migrations"),
        stagecraft::ingest::migrations::latest()
    );
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

fn postgres_the_token_never_reaches_any_table() {
    let db = test_db("postgres_canary");
    let world = World::new();
    world.seed(standard_seed());
    world.ingest(&["--db", &db.url]).success();
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

fn postgres_action_recorder_records_pending_then_outcome() {
    let db = test_db("postgres_actions");
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

/// `raw` holds the API's own text (spacing and key order as the page had them), and a database from before
/// that (schema version 1, `raw` as `jsonb`, rows in it) is upgraded by the next ingest without loss.
fn postgres_raw_is_the_api_text_and_an_older_schema_upgrades_in_place() {
    let db = test_db("postgres_raw_as_sent");
    let world = World::new();
    world.seed(standard_seed());
    world.ingest(&["--db", &db.url]).success();
    let page = world.get_text("/v2/droplets?page=1&per_page=200");
    let mut client = db.client();
    let first_raw = |client: &mut postgres::Client| -> String {
        client
            .query_one(
                "SELECT raw::text FROM ops.do_droplets ORDER BY do_id LIMIT 1",
                &[],
            )
            .unwrap()
            .get(0)
    };
    let raw = first_raw(&mut client);
    assert!(
        page.contains(&raw),
        "raw is a verbatim slice of the page: {raw}"
    );

    // Back to version 1's shape, rows and all, as a database an earlier build made.
    let tables = [
        "do_droplets",
        "do_databases",
        "do_firewalls",
        "do_vpcs",
        "do_load_balancers",
        "do_domains",
    ];
    for table in tables {
        client
            .batch_execute(&format!(
                "ALTER TABLE ops.{table} ALTER COLUMN raw TYPE jsonb USING raw::jsonb"
            ))
            .unwrap();
    }
    client
        .batch_execute("DELETE FROM ops.schema_migrations WHERE version = 2")
        .unwrap();
    world.ingest(&["--db", &db.url]).success();
    assert_eq!(
        db.count("SELECT count(*) FROM ops.schema_migrations"),
        stagecraft::ingest::migrations::latest()
    );
    assert_eq!(
        db.count(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'ops' AND column_name = 'raw' AND data_type = 'json'"
        ),
        tables.len() as i64
    );
    assert_eq!(db.count("SELECT count(*) FROM ops.do_droplets"), 450);
    let raw = first_raw(&mut client);
    assert!(page.contains(&raw), "rewritten as sent by the rerun: {raw}");
}

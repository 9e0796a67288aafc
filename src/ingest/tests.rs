//! The run protocol end to end on SQLite against a scripted API (mockito), with a fake clock so the
//! 5xx retry budget is exercised without sleeping. PostgreSQL is covered by tests/e2e/ingest.rs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::clock::FakeClock;
use crate::provider::{Client, ClientOptions, Token};

/// The scripted account: objects per resource type, and a failure per path from a given page on.
#[derive(Default)]
struct Account {
    items: BTreeMap<Resource, Vec<Value>>,
    /// path → (HTTP status, first failing page).
    faults: BTreeMap<String, (usize, usize)>,
}

struct FakeApi {
    server: mockito::ServerGuard,
    account: Arc<Mutex<Account>>,
}

fn page_of(path_and_query: &str) -> usize {
    path_and_query
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("page="))
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
}

impl FakeApi {
    fn new(account: Account) -> FakeApi {
        let mut server = mockito::Server::new();
        let account = Arc::new(Mutex::new(account));
        let base = server.url();
        for resource in Resource::ALL {
            let (a1, a2) = (account.clone(), account.clone());
            let base = base.clone();
            server
                .mock("GET", resource.collection().path())
                .match_query(mockito::Matcher::Any)
                .with_status_code_from_request(move |req| {
                    let a = a1.lock().unwrap();
                    match a.faults.get(resource.collection().path()) {
                        Some((status, from)) if page_of(req.path_and_query()) >= *from => *status,
                        _ => 200,
                    }
                })
                .with_body_from_request(move |req| {
                    let a = a2.lock().unwrap();
                    let page = page_of(req.path_and_query());
                    if let Some((status, from)) = a.faults.get(resource.collection().path())
                        && page >= *from
                    {
                        return json!({"id": "fault", "message": format!("injected {status}")})
                            .to_string()
                            .into_bytes();
                    }
                    let all = a.items.get(&resource).cloned().unwrap_or_default();
                    if !resource.collection().paginated() {
                        return json!({ resource.collection().key(): all }).to_string().into_bytes();
                    }
                    let per_page = 200;
                    let start = (page - 1) * per_page;
                    let slice: Vec<Value> = all.iter().skip(start).take(per_page).cloned().collect();
                    let mut body = json!({ resource.collection().key(): slice, "links": {}, "meta": {"total": all.len()} });
                    if start + per_page < all.len() {
                        body["links"] = json!({"pages": {"next": format!("{base}{}?page={}&per_page=200", resource.collection().path(), page + 1)}});
                    }
                    body.to_string().into_bytes()
                })
                .create();
        }
        FakeApi { server, account }
    }

    fn client(&self, clock: &FakeClock) -> Client {
        let mut options =
            ClientOptions::new(&self.server.url(), Token::new("dop_v1_unit_test_token"));
        options.clock = Arc::new(clock.clone());
        Client::new(options).unwrap()
    }

    fn edit(&self, f: impl FnOnce(&mut Account)) {
        f(&mut self.account.lock().unwrap());
    }
}

fn droplet(id: i64) -> Value {
    json!({
        "id": id, "name": format!("web-{id}"), "status": "active", "memory": 1024, "vcpus": 1, "disk": 25,
        "region": {"slug": "nyc3"}, "size_slug": "s-1vcpu-1gb", "image": {"slug": "ubuntu-22-04-x64"},
        "networks": {"v4": [{"ip_address": "10.0.0.1", "type": "private"}, {"ip_address": "203.0.113.1", "type": "public"}]},
        "tags": ["web"], "vpc_uuid": "vpc-1", "created_at": "2024-01-01T00:00:00Z"
    })
}

fn uuid_item(prefix: &str, n: usize) -> Value {
    json!({"id": format!("{prefix}-{n}"), "name": format!("{prefix}-{n}"), "created_at": "2024-01-01T00:00:00Z",
           "inbound_rules": [], "outbound_rules": [], "droplet_ids": [1], "tags": [], "region": "nyc3",
           "default": n == 0})
}

fn account(droplets: usize) -> Account {
    let mut a = Account::default();
    a.items.insert(
        Resource::Droplets,
        (1..=droplets as i64).map(droplet).collect(),
    );
    a.items.insert(
        Resource::Databases,
        (0..2).map(|n| uuid_item("db", n)).collect(),
    );
    a.items.insert(
        Resource::Firewalls,
        (0..450).map(|n| uuid_item("fw", n)).collect(),
    );
    a.items.insert(
        Resource::Vpcs,
        (0..3).map(|n| uuid_item("vpc", n)).collect(),
    );
    a.items.insert(
        Resource::LoadBalancers,
        (0..1).map(|n| uuid_item("lb", n)).collect(),
    );
    a.items.insert(
        Resource::Domains,
        vec![json!({"name": "example.com", "ttl": 1800})],
    );
    a
}

struct Db {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inv.sqlite3");
        Db { _dir: dir, path }
    }
    fn options(&self, mode: WriteMode) -> IngestOptions {
        IngestOptions {
            dsn: Dsn::Sqlite {
                path: self.path.clone(),
            },
            resources: Resource::ALL.to_vec(),
            mode,
        }
    }
    fn conn(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).unwrap()
    }
    fn count(&self, sql: &str) -> i64 {
        self.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

fn ingest(api: &FakeApi, db: &Db, clock: &FakeClock) -> RunSummary {
    run(
        &api.client(clock),
        clock,
        &db.options(WriteMode::Batched),
        &mut |_| {},
    )
    .unwrap()
}

#[test]
fn first_run_writes_every_type_and_a_rerun_changes_no_counts() {
    let api = FakeApi::new(account(450));
    let db = Db::new();
    let clock = FakeClock::new();
    let first = ingest(&api, &db, &clock);
    assert_eq!(first.status, RunStatus::Success, "{first:?}");
    assert_eq!(first.rows, 450 + 2 + 450 + 3 + 1 + 1);
    assert_eq!(first.resources[0].pages, 3);
    assert_eq!(
        db.count("SELECT count(*) FROM do_droplets WHERE deleted_at IS NULL"),
        450
    );
    assert_eq!(db.count("SELECT count(*) FROM do_firewalls"), 450);
    assert_eq!(
        db.count("SELECT count(*) FROM do_droplets WHERE public_ipv4 = '203.0.113.1' AND region = 'nyc3' AND memory_mb = 1024"),
        450
    );
    clock.advance(Duration::from_secs(60));
    let second = ingest(&api, &db, &clock);
    assert_eq!(second.status, RunStatus::Success);
    assert_eq!(second.rows, first.rows);
    assert_eq!(second.deleted, 0);
    assert_eq!(db.count("SELECT count(*) FROM do_droplets"), 450);
    assert_eq!(
        db.count("SELECT count(*) FROM do_ingest_runs WHERE status = 'success'"),
        2
    );
    assert_eq!(db.count("SELECT count(*) FROM run_events"), 12);
    // first_seen_at stays from run 1, last_seen moves to run 2.
    assert_eq!(
        db.count(&format!("SELECT count(*) FROM do_droplets WHERE last_seen_run_id = {} AND first_seen_at < last_seen_at", second.run_id)),
        450
    );
    // No sleeping: nothing failed.
    assert!(clock.sleeps().is_empty());
}

#[test]
fn a_resource_gone_from_a_complete_listing_is_marked_deleted_and_revived_when_back() {
    let api = FakeApi::new(account(5));
    let db = Db::new();
    let clock = FakeClock::new();
    ingest(&api, &db, &clock);
    api.edit(|a| {
        a.items
            .get_mut(&Resource::Droplets)
            .unwrap()
            .retain(|d| d["id"] != 3)
    });
    let run = ingest(&api, &db, &clock);
    assert_eq!(run.deleted, 1);
    assert_eq!(
        db.count("SELECT count(*) FROM do_droplets WHERE deleted_at IS NOT NULL"),
        1
    );
    assert_eq!(
        db.count("SELECT do_id FROM do_droplets WHERE deleted_at IS NOT NULL"),
        3
    );
    assert_eq!(
        db.count("SELECT count(*) FROM do_droplets"),
        5,
        "never dropped"
    );
    api.edit(|a| {
        a.items
            .get_mut(&Resource::Droplets)
            .unwrap()
            .push(droplet(3))
    });
    ingest(&api, &db, &clock);
    assert_eq!(
        db.count("SELECT count(*) FROM do_droplets WHERE deleted_at IS NOT NULL"),
        0
    );
}

#[test]
fn a_type_failing_after_the_retry_budget_is_partial_and_leaves_earlier_data_intact() {
    let api = FakeApi::new(account(10));
    let db = Db::new();
    let clock = FakeClock::new();
    let first = ingest(&api, &db, &clock);
    // Run 2: firewall page 1 answers (with a renamed firewall and one gone), page 2 keeps failing with 503.
    api.edit(|a| {
        let fws = a.items.get_mut(&Resource::Firewalls).unwrap();
        fws[0]["name"] = json!("renamed");
        fws.remove(1);
        a.faults.insert("/v2/firewalls".into(), (503, 2));
        a.items
            .get_mut(&Resource::Droplets)
            .unwrap()
            .push(droplet(99));
    });
    let second = ingest(&api, &db, &clock);
    assert_eq!(second.status, RunStatus::Partial);
    let fw = second
        .resources
        .iter()
        .find(|r| r.resource == "firewalls")
        .unwrap();
    assert_eq!(fw.status, ResourceStatus::Partial);
    assert_eq!(fw.rows, 0);
    assert_eq!(fw.errors, 6, "one attempt and five retries: {fw:?}");
    assert!(fw.error.as_deref().unwrap().contains("503"), "{fw:?}");
    assert!(
        second
            .last_error
            .as_deref()
            .unwrap()
            .starts_with("firewalls: ")
    );
    // The client's backoff for a 5xx, through the injected clock: 2, 4, 8, 16, 32 seconds.
    let waits: Vec<u64> = clock.sleeps().iter().map(Duration::as_secs).collect();
    assert_eq!(waits, [2, 4, 8, 16, 32]);
    // The failed type's page 1 was rolled back; nothing marked deleted; earlier types written.
    assert_eq!(
        db.count("SELECT count(*) FROM do_firewalls WHERE name = 'renamed'"),
        0
    );
    assert_eq!(
        db.count("SELECT count(*) FROM do_firewalls WHERE deleted_at IS NOT NULL"),
        0
    );
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM do_firewalls WHERE last_seen_run_id = {}",
            first.run_id
        )),
        450
    );
    assert_eq!(db.count("SELECT count(*) FROM do_droplets"), 11);
    // Later types still ran.
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM do_vpcs WHERE last_seen_run_id = {}",
            second.run_id
        )),
        3
    );
    let (status, error): (String, String) = db
        .conn()
        .query_row(
            &format!(
                "SELECT status, last_error FROM do_ingest_runs WHERE id = {}",
                second.run_id
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(status, "partial");
    assert!(error.contains("/v2/firewalls"), "{error}");
    assert_eq!(
        db.count(
            "SELECT error_count FROM run_events WHERE resource = 'firewalls' AND status = 'partial'"
        ),
        6
    );
}

#[test]
fn a_4xx_is_not_retried_and_every_type_failing_is_an_error() {
    let api = FakeApi::new(account(1));
    api.edit(|a| {
        for r in Resource::ALL {
            a.faults.insert(r.collection().path().into(), (403, 1));
        }
    });
    let db = Db::new();
    let clock = FakeClock::new();
    let client = api.client(&clock);
    let summary = run(
        &client,
        &clock,
        &db.options(WriteMode::Batched),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(summary.status, RunStatus::Error);
    assert_eq!(summary.resources_failed, 6);
    assert_eq!(
        client.request_count(),
        6,
        "one request per type, no retries"
    );
    assert!(clock.sleeps().is_empty());
    assert_eq!(
        db.count("SELECT count(*) FROM do_ingest_runs WHERE status = 'error'"),
        1
    );
}

#[test]
fn row_at_a_time_writes_the_same_tables() {
    let api = FakeApi::new(account(250));
    let (batched, single) = (Db::new(), Db::new());
    let clock = FakeClock::new();
    let client = api.client(&clock);
    run(
        &client,
        &clock,
        &batched.options(WriteMode::Batched),
        &mut |_| {},
    )
    .unwrap();
    run(
        &client,
        &clock,
        &single.options(WriteMode::RowAtATime),
        &mut |_| {},
    )
    .unwrap();
    let dump = |db: &Db| -> Vec<String> {
        let conn = db.conn();
        let mut stmt = conn
            .prepare("SELECT do_id || name || raw || last_seen_at FROM do_droplets ORDER BY do_id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(dump(&batched).len(), 250);
    assert_eq!(dump(&batched), dump(&single));
}

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

//! The run protocol end to end on SQLite against a scripted API (mockito), with a fake clock so the
//! 5xx retry budget is exercised without sleeping. PostgreSQL is covered by tests/e2e/ingest.rs. This
//! file holds the scripted account and the scratch database the tests share.

mod raw;
mod runs;
mod schema;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

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

/// A scripted account with `droplets` droplets, an empty database and a fresh clock.
fn world(droplets: usize) -> (FakeApi, Db, FakeClock) {
    (FakeApi::new(account(droplets)), Db::new(), FakeClock::new())
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

//! PostgreSQL's bulk path (a binary COPY into a temporary table, then one merge) against the
//! row-at-a-time upserts, on a scripted account whose values are hard to encode: escapes, tabs and line
//! breaks, non-ASCII text, numbers out of range, nested JSON, credentials, and an object listed twice.

use serde_json::{Value, json};

use stagecraft::clock::SystemClock;
use stagecraft::ingest::{self, Dsn, IngestOptions, Resource, RunStatus, WriteMode};
use stagecraft::provider::{Client, ClientOptions, Collection, Token};

use crate::case;
use crate::support::harness::Case;
use crate::support::postgres::test_db;

pub fn tests() -> Vec<Case> {
    vec![case!(
        postgres_bulk_copy_writes_what_row_at_a_time_writes_and_keeps_an_object_listed_twice_once
    )]
}

const ODD_NAME: &str = "tab\there\nline \\ back\\slash \"quoted\" é ☃ 😀 \u{7f}";

fn droplets_page_1() -> Value {
    json!([
        {"id": 1, "name": ODD_NAME, "status": "active", "memory": 1024, "vcpus": 1, "disk": 25,
         "region": {"slug": "nyc3", "name": "New York 3"}, "size_slug": "s-1vcpu-1gb",
         "image": {"slug": null, "name": "custom \\ image"}, "vpc_uuid": "vpc-1",
         "networks": {"v4": [{"ip_address": "10.0.0.1", "type": "private"}, {"ip_address": "203.0.113.1", "type": "public"}]},
         "tags": ["a\tb", {"nested": [1, null, "\\u0041"]}], "created_at": "2024-01-01T00:00:00Z"},
        {"id": 2, "name": "before", "created_at": "2020-01-01T00:00:00Z"},
        {"id": 3, "name": "odd numbers", "memory": 1e30, "vcpus": -2, "disk": 18446744073709551615_u64,
         "region": "nyc3", "tags": null, "created_at": "not a time", "networks": {"v4": "none"}}
    ])
}

fn droplets_page_2() -> Value {
    // Droplet 4's `raw` is over 2 kB: PostgreSQL compresses it.
    let features: Vec<String> = (0..400).map(|i| format!("feature-{i}")).collect();
    json!([
        {"id": 2, "name": "after: listed again on the next page", "status": "off",
         "created_at": "2024-01-01T00:00:00.123+02:00"},
        {"id": 4, "features": features}
    ])
}

/// Serves two pages of droplets (droplet 2 on both) and one database cluster with its credentials.
fn scripted_api() -> mockito::ServerGuard {
    let mut server = mockito::Server::new();
    let droplets = Collection::Droplets.path();
    let next = format!("{}{droplets}?page=2&per_page=200", server.url());
    server
        .mock("GET", droplets)
        .match_query(mockito::Matcher::UrlEncoded("page".into(), "2".into()))
        .with_body(
            json!({"droplets": droplets_page_2(), "links": {}, "meta": {"total": 5}}).to_string(),
        )
        .create();
    server
        .mock("GET", droplets)
        .match_query(mockito::Matcher::Exact("per_page=200".into()))
        .with_body(
            json!({"droplets": droplets_page_1(), "links": {"pages": {"next": next}}, "meta": {"total": 5}})
                .to_string(),
        )
        .create();
    let database = json!({
        "id": "db-1", "name": "main", "engine": "pg", "num_nodes": 1, "tags": [],
        "connection": {"uri": "postgres://doadmin:s3cr3t-pw@h:25060/d?sslmode=require", "password": "s3cr3t-pw"},
        "users": [{"name": "doadmin", "password": "s3cr3t-pw"}]
    });
    server
        .mock("GET", Collection::Databases.path())
        .with_body(json!({"databases": [database]}).to_string())
        .create();
    server
}

fn ingest_into(api: &mockito::ServerGuard, url: &str, mode: WriteMode) {
    let client = Client::new(ClientOptions::new(
        &api.url(),
        Token::new("dop_v1_e2e_bulk_token"),
    ))
    .unwrap();
    let options = IngestOptions {
        dsn: Dsn::Postgres {
            url: url.to_string(),
        },
        resources: vec![Resource::Droplets, Resource::Databases],
        mode,
    };
    let summary = ingest::run(&client, &SystemClock, &options, &mut |_| {}).unwrap();
    assert_eq!(summary.status, RunStatus::Success, "{mode:?}: {summary:?}");
    assert_eq!(
        summary.rows, 6,
        "five droplets listed (one twice) and a database: {summary:?}"
    );
}

/// Every column but the two stamped with the pass's own time, row by row.
fn tables(db: &crate::support::postgres::TestDb) -> Vec<String> {
    let mut client = db.client();
    let mut rows = Vec::new();
    for table in ["do_droplets", "do_databases"] {
        let sql = format!(
            "SELECT (to_jsonb(t) - 'first_seen_at' - 'last_seen_at')::text FROM ops.{table} t ORDER BY do_id"
        );
        rows.extend(
            client
                .query(&sql, &[])
                .unwrap()
                .iter()
                .map(|r| r.get::<_, String>(0)),
        );
    }
    rows
}

fn postgres_bulk_copy_writes_what_row_at_a_time_writes_and_keeps_an_object_listed_twice_once() {
    let api = scripted_api();
    let (bulk, single) = (test_db("bulk_copy"), test_db("bulk_single"));
    ingest_into(&api, &bulk.url, WriteMode::Batched);
    ingest_into(&api, &single.url, WriteMode::RowAtATime);
    let written = tables(&bulk);
    assert_eq!(written.len(), 5, "{written:#?}");
    assert_eq!(written, tables(&single));

    let mut client = bulk.client();
    let mut one = |sql: &str| -> Option<String> { client.query_one(sql, &[]).unwrap().get(0) };
    assert_eq!(
        one("SELECT name FROM ops.do_droplets WHERE do_id = 1").as_deref(),
        Some(ODD_NAME)
    );
    assert_eq!(
        one("SELECT raw->>'name' FROM ops.do_droplets WHERE do_id = 1").as_deref(),
        Some(ODD_NAME)
    );
    assert_eq!(
        one("SELECT concat_ws(' ', region, image, public_ipv4, private_ipv4, tags::text) FROM ops.do_droplets WHERE do_id = 1")
            .as_deref(),
        Some(r#"nyc3 custom \ image 203.0.113.1 10.0.0.1 ["a\tb", {"nested": [1, null, "\\u0041"]}]"#)
    );
    // Listed twice: one row, as last listed.
    assert_eq!(
        bulk.count("SELECT count(*) FROM ops.do_droplets WHERE do_id = 2"),
        1
    );
    assert_eq!(
        one("SELECT name || ' ' || status FROM ops.do_droplets WHERE do_id = 2").as_deref(),
        Some("after: listed again on the next page off")
    );
    // Out-of-range numbers, a plain-string region and an odd time leave their columns empty, not the row.
    assert_eq!(
        bulk.count("SELECT count(*) FROM ops.do_droplets WHERE do_id = 3 AND memory_mb IS NULL AND disk_gb IS NULL
             AND vcpus = -2 AND region IS NULL AND created_at IS NULL AND tags IS NULL AND raw->>'created_at' = 'not a time'"),
        1
    );
    assert_eq!(
        bulk.count("SELECT count(*) FROM ops.do_droplets WHERE do_id = 2 AND created_at = '2023-12-31T22:00:00.123Z'"),
        1
    );
    // Compressed with lz4 where the server has it (pglz, the default, costs as much as parsing the JSON).
    let lz4 = bulk.count(
        "SELECT count(*) FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)",
    );
    assert_eq!(
        bulk.count("SELECT count(*) FROM ops.do_droplets WHERE pg_column_compression(raw) = 'lz4'"),
        lz4
    );
    let dump = bulk.dump_ops();
    assert!(
        !dump.contains("s3cr3t-pw"),
        "a database password was stored"
    );
    assert!(
        dump.contains("doadmin:***@h:25060"),
        "the uri is kept, its password cut out"
    );
}

//! `raw` holds the API's own bytes: spacing and key order as sent, credentials cut out in place.

use super::*;
use crate::provider::Collection;

#[test]
fn raw_is_the_bytes_the_api_sent_with_only_credentials_rewritten() {
    let droplet = r#"{"name": "odd  spacing",   "id": 7, "zeta": [1, 2.50, {"b": 1, "a": 2}], "alpha": "\u00e9"}"#;
    let cluster = r#"{ "id" : "db-1", "connection": {"uri": "postgres://doadmin:s3cr3t@h:25060/d", "password":"s3cr3t", "port": 25060}, "name": "main" }"#;
    let cluster_stored = r#"{ "id" : "db-1", "connection": {"uri": "postgres://doadmin:***@h:25060/d", "password":"[redacted]", "port": 25060}, "name": "main" }"#;
    let mut server = mockito::Server::new();
    server
        .mock("GET", Collection::Droplets.path())
        .match_query(mockito::Matcher::Any)
        .with_body(format!(
            r#"{{"droplets": [{droplet}], "links": {{}}, "meta": {{"total": 1}}}}"#
        ))
        .create();
    server
        .mock("GET", Collection::Databases.path())
        .with_body(format!(r#"{{"databases": [ {cluster} ]}}"#))
        .create();
    let client = Client::new(ClientOptions::new(
        &server.url(),
        Token::new("dop_v1_unit_test_token"),
    ))
    .unwrap();
    let db = Db::new();
    let mut options = db.options(WriteMode::Batched);
    options.resources = vec![Resource::Droplets, Resource::Databases];
    let clock = FakeClock::new();
    let summary = run(&client, &clock, &options, &mut |_| {}).unwrap();
    assert_eq!(summary.status, RunStatus::Success, "{summary:?}");
    let raw = |sql: &str| -> String { db.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(raw("SELECT raw FROM do_droplets"), droplet);
    assert_eq!(raw("SELECT raw FROM do_databases"), cluster_stored);
}

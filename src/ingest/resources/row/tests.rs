//! Reading rows from page text: every column of the spec's examples, borrowing, exact raw bytes,
//! credentials, leniency and the objects refused.

use std::borrow::Cow;

use serde_json::value::RawValue;

use super::*;
use crate::ingest::pages::items;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/do-api-examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

fn raw(json: &str) -> &RawValue {
    serde_json::from_str(json).unwrap()
}

fn row_of(resource: Resource, json: &str) -> Result<Row<'_>, String> {
    let mut row = Row::new();
    resource.read_row(raw(json), &mut row).map(|()| row)
}

#[test]
fn every_example_object_becomes_a_row_with_all_columns_and_its_exact_bytes() {
    for (resource, file) in [
        (Resource::Droplets, "droplets_list.json"),
        (Resource::Databases, "databases_list.json"),
        (Resource::Firewalls, "firewalls_list.json"),
        (Resource::Vpcs, "vpcs_list.json"),
        (Resource::LoadBalancers, "load_balancers_list.json"),
        (Resource::Domains, "domains_list.json"),
    ] {
        let page = fixture(file);
        let list = items(&page, resource.collection().key()).unwrap();
        assert!(!list.is_empty(), "{file}");
        let mut row = Row::new();
        for item in list {
            resource.read_row(item, &mut row).unwrap();
            assert_eq!(row.values.len(), resource.columns().len(), "{file}");
            // The name-like column is always filled from the official examples.
            assert!(
                row.values
                    .iter()
                    .any(|v| matches!(v, SqlValue::Text(Some(_)))),
                "{file}"
            );
            if resource != Resource::Databases {
                // Pretty-printed as the fixture is: the very bytes of the page, not a re-serialisation.
                assert!(
                    matches!(row.raw, Cow::Borrowed(r) if page.contains(r) && r.contains('\n'))
                );
            }
        }
    }
}

#[test]
fn droplet_columns_are_typed_and_borrow_from_the_page() {
    let page = fixture("droplets_list.json");
    let list = items(&page, "droplets").unwrap();
    let mut row = Row::new();
    Resource::Droplets.read_row(list[0], &mut row).unwrap();
    assert_eq!(row.do_id, SqlValue::Int(Some(3164444)));
    assert!(matches!(
        &row.values[2],
        SqlValue::Text(Some(Cow::Borrowed("nyc3")))
    ));
    assert_eq!(row.values[5], SqlValue::Int(Some(1024)));
    assert!(matches!(&row.values[7], SqlValue::Text(Some(s)) if s == "ubuntu-20-04-x64"));
    assert!(matches!(&row.values[9], SqlValue::Text(Some(ip)) if ip == "192.241.165.154"));
    assert!(matches!(&row.values[10], SqlValue::Text(Some(ip)) if ip == "10.128.192.124"));
    assert!(matches!(&row.values[11], SqlValue::Json(Some(t)) if t.starts_with('[')));
    assert!(matches!(&row.values[12], SqlValue::Time(Some(t)) if t.starts_with("2020-")));
}

#[test]
fn database_passwords_never_reach_the_row_and_the_rest_is_kept_byte_for_byte() {
    let page = fixture("databases_list.json");
    let item = items(&page, "databases").unwrap()[0];
    let mut row = Row::new();
    Resource::Databases.read_row(item, &mut row).unwrap();
    assert!(!row.raw.contains("wv78n3zpz42xezdk"), "{}", row.raw);
    assert!(row.raw.contains("doadmin:***@"));
    assert!(row.raw.contains(r#""password": "[redacted]""#));
    // Only the credentials changed: the same length give or take the edits, whitespace intact.
    let same: Vec<&str> = item
        .get()
        .lines()
        .filter(|l| !l.contains("password") && !l.contains("uri"))
        .collect();
    assert!(same.iter().all(|l| row.raw.contains(l)));
    assert_eq!(
        row.do_id,
        SqlValue::Text(Some("9cc10173-e9ea-4176-9dbc-a4cee4c4ff30".into()))
    );
}

#[test]
fn credentials_in_a_json_column_are_cut_out_of_the_column_too() {
    let json = r#"{"id": "fw-1", "tags": [{"Password": "hunter22"}], "droplet_ids": [1]}"#;
    let row = row_of(Resource::Firewalls, json).unwrap();
    assert!(
        matches!(&row.values[3], SqlValue::Json(Some(t)) if t.contains("[redacted]") && !t.contains("hunter22"))
    );
    assert!(!row.raw.contains("hunter22"));
}

#[test]
fn odd_values_leave_their_column_empty_and_the_row_stands() {
    let json = r#"{"id": 7, "name": 5, "memory": "big", "region": "nyc3", "image": null,
        "networks": {"v4": "none"}, "tags": null, "created_at": "yesterday", "extra": {"deep": [1]}}"#;
    let row = row_of(Resource::Droplets, json).unwrap();
    assert_eq!(row.do_id, SqlValue::Int(Some(7)));
    assert!(
        row.values.iter().all(|v| matches!(
            v,
            SqlValue::Text(None)
                | SqlValue::Int(None)
                | SqlValue::Json(None)
                | SqlValue::Time(None)
        )),
        "{:?}",
        row.values
    );
    let lb = row_of(
        Resource::LoadBalancers,
        r#"{"id": "lb-1", "region": "ams3"}"#,
    )
    .unwrap();
    assert_eq!(
        lb.values[3],
        SqlValue::Text(Some("ams3".into())),
        "a plain region slug"
    );
}

#[test]
fn objects_without_ids_are_refused() {
    assert!(row_of(Resource::Droplets, r#"{"name": "x"}"#).is_err());
    assert!(row_of(Resource::Droplets, r#"{"id": "12"}"#).is_err());
    assert!(row_of(Resource::Droplets, "[1]").is_err());
    assert!(row_of(Resource::Vpcs, r#"{"id": ""}"#).is_err());
    assert!(row_of(Resource::Domains, r#"{"ttl": 1}"#).is_err());
    let e = row_of(Resource::Firewalls, "3").unwrap_err();
    assert_eq!(e, "an item of `firewalls` without an `id`");
}

#[test]
fn odd_times_stay_untyped() {
    assert!(looks_like_rfc3339("2020-07-21T18:37:44Z"));
    assert!(looks_like_rfc3339("2020-07-21T18:37:44.123+02:00"));
    assert!(!looks_like_rfc3339("yesterday"));
    assert!(!looks_like_rfc3339("2020-07-21"));
}

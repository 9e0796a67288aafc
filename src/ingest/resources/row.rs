//! How one API object becomes one typed table row, its credentials blanked first.

use serde_json::Value;

use super::{Resource, Row, SqlValue};
use crate::ingest::redact::redact_secrets;

impl Resource {
    /// Turns one API object into a row. Fails only when the object has no usable id.
    pub fn row(self, mut item: Value) -> Result<Row, String> {
        redact_secrets(&mut item);
        let v = &item;
        let do_id = match self {
            Resource::Droplets => SqlValue::Int(Some(
                v.get("id")
                    .and_then(Value::as_i64)
                    .ok_or("a droplet without an integer `id`")?,
            )),
            Resource::Domains => SqlValue::Text(Some(
                v.get("name")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .ok_or("a domain without a `name`")?
                    .to_string(),
            )),
            _ => SqlValue::Text(Some(
                v.get("id")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| format!("an item of `{}` without an `id`", self.name()))?
                    .to_string(),
            )),
        };
        let values = match self {
            Resource::Droplets => vec![
                text(v, "/name"),
                text(v, "/status"),
                text(v, "/region/slug"),
                text(v, "/size_slug"),
                int(v, "/vcpus"),
                int(v, "/memory"),
                int(v, "/disk"),
                SqlValue::Text(str_at(v, "/image/slug").or_else(|| str_at(v, "/image/name"))),
                text(v, "/vpc_uuid"),
                SqlValue::Text(ipv4(v, "public")),
                SqlValue::Text(ipv4(v, "private")),
                json(v, "/tags"),
                time(v, "/created_at"),
            ],
            Resource::Databases => vec![
                text(v, "/name"),
                text(v, "/engine"),
                text(v, "/version"),
                text(v, "/status"),
                text(v, "/region"),
                text(v, "/size"),
                int(v, "/num_nodes"),
                int(v, "/storage_size_mib"),
                text(v, "/private_network_uuid"),
                json(v, "/tags"),
                time(v, "/created_at"),
            ],
            Resource::Firewalls => vec![
                text(v, "/name"),
                text(v, "/status"),
                json(v, "/droplet_ids"),
                json(v, "/tags"),
                count(v, "/inbound_rules"),
                count(v, "/outbound_rules"),
                time(v, "/created_at"),
            ],
            Resource::Vpcs => vec![
                text(v, "/urn"),
                text(v, "/name"),
                text(v, "/description"),
                text(v, "/region"),
                text(v, "/ip_range"),
                SqlValue::Bool(v.pointer("/default").and_then(Value::as_bool)),
                time(v, "/created_at"),
            ],
            Resource::LoadBalancers => vec![
                text(v, "/name"),
                text(v, "/ip"),
                text(v, "/status"),
                SqlValue::Text(str_at(v, "/region/slug").or_else(|| str_at(v, "/region"))),
                int(v, "/size_unit"),
                json(v, "/droplet_ids"),
                text(v, "/vpc_uuid"),
                time(v, "/created_at"),
            ],
            Resource::Domains => vec![text(v, "/name"), int(v, "/ttl")],
        };
        Ok(Row {
            do_id,
            values,
            raw: item.to_string(),
        })
    }
}

fn str_at(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn text(v: &Value, pointer: &str) -> SqlValue {
    SqlValue::Text(str_at(v, pointer))
}

fn int(v: &Value, pointer: &str) -> SqlValue {
    SqlValue::Int(v.pointer(pointer).and_then(Value::as_i64))
}

fn count(v: &Value, pointer: &str) -> SqlValue {
    SqlValue::Int(
        v.pointer(pointer)
            .and_then(Value::as_array)
            .map(|a| a.len() as i64),
    )
}

fn json(v: &Value, pointer: &str) -> SqlValue {
    SqlValue::Json(
        v.pointer(pointer)
            .filter(|x| !x.is_null())
            .map(Value::to_string),
    )
}

/// Only well-formed RFC 3339 times are typed; anything else stays in `raw` alone, so one odd value cannot
/// fail a whole resource type on the PostgreSQL cast.
fn time(v: &Value, pointer: &str) -> SqlValue {
    SqlValue::Time(str_at(v, pointer).filter(|s| looks_like_rfc3339(s)))
}

pub(crate) fn looks_like_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && (s.ends_with('Z') || s[19..].contains(['+', '-']))
        && s.bytes().all(|c| c.is_ascii_graphic())
}

/// The first IPv4 address of `kind` (`public` or `private`) in `networks.v4`.
fn ipv4(v: &Value, kind: &str) -> Option<String> {
    v.pointer("/networks/v4")?
        .as_array()?
        .iter()
        .find(|n| n.get("type").and_then(Value::as_str) == Some(kind))
        .and_then(|n| n.get("ip_address"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::provider::models::spec_example as example;

    #[test]
    fn every_example_object_becomes_a_row_with_all_columns() {
        for (resource, file) in [
            (Resource::Droplets, "droplets_list.json"),
            (Resource::Databases, "databases_list.json"),
            (Resource::Firewalls, "firewalls_list.json"),
            (Resource::Vpcs, "vpcs_list.json"),
            (Resource::LoadBalancers, "load_balancers_list.json"),
            (Resource::Domains, "domains_list.json"),
        ] {
            let body = example(file);
            let items = body[resource.collection().key()]
                .as_array()
                .unwrap()
                .clone();
            assert!(!items.is_empty(), "{file}");
            for item in items {
                let row = resource.row(item).unwrap();
                assert_eq!(row.values.len(), resource.columns().len(), "{file}");
                // The name-like column is always filled from the official examples.
                assert!(
                    row.values
                        .iter()
                        .any(|v| matches!(v, SqlValue::Text(Some(_)))),
                    "{file}"
                );
            }
        }
    }

    #[test]
    fn droplet_columns_are_typed() {
        let body = example("droplets_list.json");
        let row = Resource::Droplets.row(body["droplets"][0].clone()).unwrap();
        assert_eq!(row.do_id, SqlValue::Int(Some(3164444)));
        assert_eq!(row.values[2], SqlValue::Text(Some("nyc3".into())));
        assert_eq!(row.values[5], SqlValue::Int(Some(1024)));
        assert!(matches!(&row.values[9], SqlValue::Text(Some(ip)) if ip.contains('.')));
        assert!(matches!(&row.values[12], SqlValue::Time(Some(t)) if t.starts_with("2020-")));
    }

    #[test]
    fn database_passwords_never_reach_the_row() {
        let body = example("databases_list.json");
        let row = Resource::Databases
            .row(body["databases"][0].clone())
            .unwrap();
        assert!(!row.raw.contains("wv78n3zpz42xezdk"), "{}", row.raw);
        assert!(row.raw.contains("doadmin:***@"));
    }

    #[test]
    fn objects_without_ids_are_refused() {
        assert!(
            Resource::Droplets
                .row(serde_json::json!({"name": "x"}))
                .is_err()
        );
        assert!(Resource::Vpcs.row(serde_json::json!({"id": ""})).is_err());
        assert!(
            Resource::Domains
                .row(serde_json::json!({"ttl": 1}))
                .is_err()
        );
    }

    #[test]
    fn odd_times_stay_untyped() {
        assert!(looks_like_rfc3339("2020-07-21T18:37:44Z"));
        assert!(looks_like_rfc3339("2020-07-21T18:37:44.123+02:00"));
        assert!(!looks_like_rfc3339("yesterday"));
        assert!(!looks_like_rfc3339("2020-07-21"));
    }
}

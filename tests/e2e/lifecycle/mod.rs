//! The lifecycle rules end to end against the sandbox over real HTTP: what changes in place, what is
//! replaced, adoption, protection, and droplets made by earlier builds. One file per subject; shared here:
//! reading droplets and the actions sent.

mod adopt;
mod earlier;
mod hidden;
mod inplace;
mod protect;

use serde_json::Value;

use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;

pub fn tests() -> Vec<Case> {
    [
        adopt::tests(),
        earlier::tests(),
        hidden::tests(),
        inplace::tests(),
        protect::tests(),
    ]
    .concat()
}

/// The droplet named `name`; panics when there is not exactly one.
fn droplet(sb: &TestSandbox, name: &str) -> Value {
    let found: Vec<Value> = sb
        .droplets()
        .into_iter()
        .filter(|d| d["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "one droplet named {name}: {found:?}");
    found.into_iter().next().unwrap()
}

/// Droplet ids by name, sorted by name.
fn ids(sb: &TestSandbox) -> Vec<(String, u64)> {
    sb.ids()
}

/// The types of every droplet action the account has seen (creates included), oldest first.
fn action_types(sb: &TestSandbox) -> Vec<String> {
    let reply = sb.get("/v2/actions?per_page=200");
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let mut actions: Vec<(u64, String)> = reply.json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_u64().unwrap(),
                a["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    actions.sort();
    actions.into_iter().map(|(_, t)| t).collect()
}

fn features(droplet: &Value) -> Vec<&str> {
    droplet["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect()
}

use crate::apply::tags_of as tags;

/// The `field`s of one plan entry's changes, from `plan --json`.
fn change_fields(plan: &Value, list: &str, droplet_name: &str) -> Vec<(String, String)> {
    plan[list]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["droplet_name"] == droplet_name)
        .flat_map(|e| e["changes"].as_array().cloned().unwrap_or_default())
        .map(|c| {
            (
                c["field"].as_str().unwrap().to_string(),
                c["effect"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

//! `apply` and `destroy` end to end against the sandbox over real HTTP, one file per subject; shared
//! here: host lines, the names they become, and a droplet's tags.

mod audit;
mod changes;
mod converge;
mod crash;
mod faults;

use serde_json::Value;

use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    [
        audit::tests(),
        changes::tests(),
        converge::tests(),
        crash::tests(),
        faults::tests(),
    ]
    .concat()
}

/// Host lines `app-1..app-n`, all of role `app`.
fn hosts(n: usize) -> String {
    (1..=n)
        .map(|i| format!("          app-{i}: {{ role: app }}\n"))
        .collect()
}

/// A droplet's tags, as given by the API.
pub(crate) fn tags_of(droplet: &Value) -> Vec<&str> {
    droplet["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect()
}

/// The droplet names `hosts(n)` becomes in env `staging`, sorted like `names()`.
fn expected_names(n: usize) -> Vec<String> {
    let mut names: Vec<String> = (1..=n).map(|i| format!("staging-app-{i}")).collect();
    names.sort();
    names
}

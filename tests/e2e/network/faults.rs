//! Networking under faults and config edits: a create whose reply is lost is found, not made twice; a
//! firewall whose key left the config is deleted; 5xx on the listings are retried.

use serde_json::json;

use super::{HOSTS, config, firewalls, records, sandbox};
use crate::case;
use crate::support::Project;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(lost_replies_to_creates_make_nothing_twice),
        case!(a_firewall_whose_key_left_the_config_is_deleted),
    ]
}

fn lost_replies_to_creates_make_nothing_twice() {
    let sb = sandbox();
    for path in ["/v2/firewalls", "/v2/domains/{id}/records", "/v2/projects"] {
        sb.fault(json!({"method": "POST", "path": path, "kind": "reply_lost", "times": 1}));
    }
    sb.fault(json!({"method": "GET", "path": "/v2/firewalls", "kind": "status", "status": 503, "times": 1}));
    let project = Project::new(&config(&sb.url, HOSTS));
    project.run(&["apply", "--auto-approve"]).success();
    let names: Vec<String> = firewalls(&sb)
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    let mut names = names;
    // Created in parallel: in either order.
    names.sort();
    assert_eq!(names, ["staging-db", "staging-web"]);
    let a_records = records(&sb).into_iter().filter(|r| r.0 == "A").count();
    assert_eq!(a_records, 3);
    let projects = sb.get("/v2/projects").json;
    let shops = (projects["projects"].as_array().unwrap().iter())
        .filter(|p| p["name"] == "shop staging")
        .count();
    assert_eq!(shops, 1);
    project.run(&["plan", "--detailed-exitcode"]).success();
}

fn a_firewall_whose_key_left_the_config_is_deleted() {
    let sb = sandbox();
    let project = Project::new(&config(&sb.url, HOSTS));
    project.run(&["apply", "--auto-approve"]).success();
    let without_db = config(&sb.url, HOSTS).replace(
        "        db:\n          roles: [db]\n          inbound:\n            - { protocol: tcp, ports: 5432, from_roles: [app] }\n          outbound:\n            - { protocol: tcp, ports: all, to: [\"0.0.0.0/0\"] }\n",
        "",
    );
    assert_ne!(without_db, config(&sb.url, HOSTS));
    project.write("stagecraft.yml", &without_db);
    let plan = project.run(&["plan"]).success();
    assert!(
        plan.stdout.contains("- firewall staging-db"),
        "{}",
        plan.stdout
    );
    project.run(&["apply", "--auto-approve"]).success();
    let names: Vec<String> = firewalls(&sb)
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["staging-web"]);
    project.run(&["plan", "--detailed-exitcode"]).success();
}

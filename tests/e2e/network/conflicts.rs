//! What has one of our names but is not provably ours is never touched: a hand-made firewall or record,
//! a reserved IP held by someone else's droplet. The plan refuses with its id; apply sends nothing.

use serde_json::json;

use super::{HOSTS, IP, config, firewall, firewalls, records, sandbox};
use crate::case;
use crate::support::Project;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(a_hand_made_firewall_with_our_name_is_a_conflict_never_touched),
        case!(a_hand_made_record_with_our_name_is_a_conflict_never_touched),
        case!(a_reserved_ip_on_a_droplet_not_ours_is_never_taken),
    ]
}

fn a_hand_made_firewall_with_our_name_is_a_conflict_never_touched() {
    let sb = sandbox();
    sb.post("/v2/tags", json!({"name": "office"}));
    let made = sb.post(
        "/v2/firewalls",
        json!({"name": "staging-web", "tags": ["office"], "inbound_rules": [{"protocol": "tcp", "ports": "22", "sources": {"addresses": ["10.0.0.0/8"]}}]}),
    );
    let id = made.json["firewall"]["id"].as_str().unwrap().to_string();
    let project = Project::new(&config(&sb.url, HOSTS));
    let plan = project.run(&["plan"]).code(1);
    assert!(
        plan.stderr
            .contains(&format!("firewall `staging-web` (id {id})")),
        "{}",
        plan.stderr
    );
    project.run(&["apply", "--auto-approve"]).code(1);
    assert!(sb.droplets().is_empty(), "nothing was sent");
    let all = firewalls(&sb);
    assert_eq!(all.len(), 1);
    assert_eq!(
        firewall(&all, "staging-web").unwrap()["tags"],
        json!(["office"])
    );
}

fn a_hand_made_record_with_our_name_is_a_conflict_never_touched() {
    let sb = sandbox();
    let made = sb.post(
        "/v2/domains/example.com/records",
        json!({"type": "A", "name": "app-2.staging", "data": "198.51.100.200"}),
    );
    let id = made.json["domain_record"]["id"].as_u64().unwrap();
    let project = Project::new(&config(&sb.url, HOSTS));
    let plan = project.run(&["plan"]).code(1);
    assert!(
        plan.stderr.contains(&format!(
            "`app-2.staging.example.com` (id {id}) points at 198.51.100.200"
        )),
        "{}",
        plan.stderr
    );
    project.run(&["apply", "--auto-approve"]).code(1);
    assert!(records(&sb).contains(&("A".into(), "app-2.staging".into(), "198.51.100.200".into())));
    assert!(sb.droplets().is_empty());
}

fn a_reserved_ip_on_a_droplet_not_ours_is_never_taken() {
    let sb = sandbox();
    sb.seed(json!({"droplets": 1, "name_prefix": "someone-else"}));
    let theirs = sb.droplets()[0]["id"].as_u64().unwrap();
    sb.post(
        &format!("/v2/reserved_ips/{IP}/actions"),
        json!({"type": "assign", "droplet_id": theirs}),
    );
    sb.advance(1);
    let project = Project::new(&config(&sb.url, HOSTS));
    let plan = project.run(&["plan"]).code(1);
    assert!(
        plan.stderr
            .contains(&format!("reserved IP {IP} is assigned to droplet {theirs}")),
        "{}",
        plan.stderr
    );
    assert_eq!(super::ip_holder(&sb), Some(theirs));
}

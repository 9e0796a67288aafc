//! `stagecraft adopt HOST --id ID` refuses, changing nothing, a droplet it must not take: one that does
//! not exist, one named for another host, and one whose name a managed droplet already has.

use serde_json::{Value, json};

use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![case!(adopt_refuses_a_missing_misnamed_or_second_droplet)]
}

fn by_hand(sb: &TestSandbox, name: &str) -> u64 {
    let reply = sb.post(
        "/v2/droplets",
        json!({"name": name, "region": "nyc1", "size": "s-1vcpu-1gb", "image": "ubuntu-22-04-x64", "tags": ["team-db"]}),
    );
    assert_eq!(reply.status, 202, "{}", reply.raw);
    reply.json["droplet"]["id"].as_u64().unwrap()
}

fn adopt_refuses_a_missing_misnamed_or_second_droplet() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, "          db-1: {}\n"));
    project.run(&["apply", "--auto-approve"]).success();
    let managed = sb.droplets()[0]["id"].as_u64().unwrap();
    let misnamed = by_hand(&sb, "db-one");
    let second = by_hand(&sb, "staging-db-1");
    let before: Vec<Value> = sb.droplets();
    // (the id given, what the refusal says)
    let cases = [
        (
            "999999".to_string(),
            "no droplet has id 999999 in this account".to_string(),
        ),
        (
            misnamed.to_string(),
            format!("droplet {misnamed} is named `db-one`, but host `db-1` is `staging-db-1`"),
        ),
        (
            second.to_string(),
            format!(
                "environment `staging` already has a managed droplet `staging-db-1` (id {managed}); adopting {second} would make two"
            ),
        ),
    ];
    for (id, says) in cases {
        let out = project
            .run(&["adopt", "db-1", "--id", &id])
            .code(1)
            .no_canary();
        out.assert_stderr_has(&says);
    }
    assert_eq!(sb.droplets(), before, "nothing changed");
}

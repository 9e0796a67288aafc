//! Firewalls, domains and records, projects and reserved IPs: status codes, the waiting period, full
//! replacement, the limits, default records and projects, the asynchronous IP actions, and faults.

use serde_json::{Value, json};

use super::{assert_error, create_body, start};
use crate::case;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(firewalls_wait_replace_and_refuse),
        case!(domains_records_and_default_name_servers),
        case!(projects_default_create_assign_and_refuse_delete),
        case!(reserved_ips_assign_unassign_by_actions),
    ]
}

fn rule(ports: &str, from: Value) -> Value {
    json!({"protocol": "tcp", "ports": ports, "sources": from})
}

fn firewalls_wait_replace_and_refuse() {
    let sb = start();
    sb.post("/v2/tags", json!({"name": "web"}));
    let d = sb.post("/v2/droplets", {
        let mut b = create_body("fw-1");
        b["tags"] = json!(["web"]);
        b
    });
    let droplet = d.json["droplet"]["id"].as_u64().unwrap();
    let body = json!({"name": "staging-web", "tags": ["web"],
        "inbound_rules": [rule("22", json!({"addresses": ["0.0.0.0/0", "::/0"]}))]});
    let created = sb.post("/v2/firewalls", body.clone());
    assert_eq!(created.status, 202, "{}", created.raw);
    let fw = &created.json["firewall"];
    assert_eq!(fw["status"], "waiting");
    assert_eq!(fw["pending_changes"][0]["droplet_id"], droplet);
    let id = fw["id"].as_str().unwrap().to_string();
    sb.advance(61);
    let got = sb.get(&format!("/v2/firewalls/{id}"));
    assert_eq!(got.json["firewall"]["status"], "succeeded");
    assert_eq!(got.json["firewall"]["pending_changes"], json!([]));
    // The droplet's firewalls include those that reach it through a tag.
    let of = sb.get(&format!("/v2/droplets/{droplet}/firewalls"));
    assert_eq!(of.json["firewalls"][0]["id"], id.as_str());
    // Sub-resources answer 204 without a body; a GET shows the change.
    let r = sb.call(
        "POST",
        &format!("/v2/firewalls/{id}/rules"),
        Some(json!({"outbound_rules": [{"protocol": "udp", "ports": "53", "destinations": {"addresses": ["0.0.0.0/0"]}}]})),
    );
    assert_eq!((r.status, r.raw.as_str()), (204, ""));
    let got = sb.get(&format!("/v2/firewalls/{id}")).json;
    assert_eq!(got["firewall"]["outbound_rules"][0]["ports"], "53");
    assert_eq!(got["firewall"]["status"], "waiting");
    // PUT replaces everything: leaving out the tags and the outbound rules drops them.
    let put = sb.call(
        "PUT",
        &format!("/v2/firewalls/{id}"),
        Some(json!({"name": "staging-web", "inbound_rules": [rule("443", json!({"addresses": ["10.0.0.0/8"]}))]})),
    );
    assert_eq!(put.status, 200, "{}", put.raw);
    assert_eq!(put.json["firewall"]["tags"], json!([]));
    assert_eq!(put.json["firewall"]["outbound_rules"], json!([]));
    // Refusals: a tag that does not exist, `all` as ports, a bad address, no rules, too many tags.
    let refused = |body: Value| sb.post("/v2/firewalls", body);
    assert_error(
        &refused(
            json!({"name": "x1", "tags": ["nope"], "inbound_rules": [rule("22", json!({"addresses": ["0.0.0.0/0"]}))]}),
        ),
        422,
        "unprocessable_entity",
    );
    assert_error(
        &refused(
            json!({"name": "x1", "inbound_rules": [rule("all", json!({"addresses": ["0.0.0.0/0"]}))]}),
        ),
        422,
        "unprocessable_entity",
    );
    assert_error(
        &refused(
            json!({"name": "x1", "inbound_rules": [rule("22", json!({"addresses": ["10.0.0.0/40"]}))]}),
        ),
        422,
        "unprocessable_entity",
    );
    assert_error(&refused(json!({"name": "x1"})), 422, "unprocessable_entity");
    for t in ["a", "b", "c", "d", "e", "f"] {
        sb.post("/v2/tags", json!({"name": t}));
    }
    assert_error(
        &refused(
            json!({"name": "x1", "tags": ["a", "b", "c", "d", "e", "f"], "inbound_rules": [rule("22", json!({"addresses": ["0.0.0.0/0"]}))]}),
        ),
        422,
        "unprocessable_entity",
    );
    // Faults apply to these routes like any other.
    sb.fault(json!({"method": "GET", "path": "/v2/firewalls", "kind": "status", "status": 503, "times": 1}));
    assert_eq!(sb.get("/v2/firewalls").status, 503);
    assert_eq!(sb.get("/v2/firewalls").status, 200);
    assert_eq!(sb.delete(&format!("/v2/firewalls/{id}")).status, 204);
    assert_eq!(sb.get(&format!("/v2/firewalls/{id}")).status, 404);
    sb.shutdown();
}

fn domains_records_and_default_name_servers() {
    let sb = start();
    let d = sb.post("/v2/domains", json!({"name": "example.com"}));
    assert_eq!(d.status, 201, "{}", d.raw);
    assert_eq!(d.json["domain"]["zone_file"], Value::Null);
    let list = sb.get("/v2/domains/example.com/records").json;
    let ns: Vec<&str> = (list["domain_records"].as_array().unwrap().iter())
        .map(|r| r["data"].as_str().unwrap())
        .collect();
    assert_eq!(
        ns,
        [
            "ns1.digitalocean.com",
            "ns2.digitalocean.com",
            "ns3.digitalocean.com"
        ]
    );
    assert_error(
        &sb.post("/v2/domains", json!({"name": "example.com"})),
        422,
        "unprocessable_entity",
    );
    let a = sb.post(
        "/v2/domains/example.com/records",
        json!({"type": "A", "name": "app-1.staging", "data": "203.0.113.5", "ttl": 300}),
    );
    assert_eq!(a.status, 201, "{}", a.raw);
    let rid = a.json["domain_record"]["id"].as_u64().unwrap();
    // Filtered by the fully qualified name.
    let found = sb
        .get("/v2/domains/example.com/records?name=app-1.staging.example.com&type=A")
        .json;
    assert_eq!(found["meta"]["total"], 1);
    assert_eq!(found["domain_records"][0]["name"], "app-1.staging");
    let put = sb.call(
        "PUT",
        &format!("/v2/domains/example.com/records/{rid}"),
        Some(json!({"data": "203.0.113.6"})),
    );
    assert_eq!(put.json["domain_record"]["data"], "203.0.113.6");
    assert_eq!(put.json["domain_record"]["ttl"], 300);
    let refused = |body: Value| sb.post("/v2/domains/example.com/records", body);
    assert_error(
        &refused(json!({"type": "AAAA", "name": "x", "data": "203.0.113.5"})),
        422,
        "unprocessable_entity",
    );
    assert_error(
        &refused(json!({"type": "A", "name": "bad name", "data": "203.0.113.5"})),
        422,
        "unprocessable_entity",
    );
    assert_error(
        &refused(json!({"type": "A", "name": "x", "data": "203.0.113.5", "ttl": 5})),
        422,
        "unprocessable_entity",
    );
    assert_eq!(
        sb.post(
            "/v2/domains/nope.com/records",
            json!({"type": "A", "name": "x", "data": "203.0.113.5"})
        )
        .status,
        404
    );
    assert_eq!(
        sb.delete(&format!("/v2/domains/example.com/records/{rid}"))
            .status,
        204
    );
    assert_eq!(
        sb.delete(&format!("/v2/domains/example.com/records/{rid}"))
            .status,
        404
    );
    sb.shutdown();
}

fn projects_default_create_assign_and_refuse_delete() {
    let sb = start();
    let default = sb.get("/v2/projects/default").json["project"].clone();
    assert_eq!(default["is_default"], true);
    let droplet = sb.post("/v2/droplets", create_body("p-1")).json["droplet"]["id"]
        .as_u64()
        .unwrap();
    // New droplets land in the default project.
    let in_default = sb.get("/v2/projects/default/resources").json;
    assert!(
        in_default["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["urn"] == format!("do:droplet:{droplet}"))
    );
    let p = sb.post(
        "/v2/projects",
        json!({"name": "shop staging", "purpose": "Web Application", "environment": "Staging"}),
    );
    assert_eq!(p.status, 201, "{}", p.raw);
    let pid = p.json["project"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        sb.post(
            "/v2/projects",
            json!({"name": "shop staging", "purpose": "x"})
        )
        .status,
        409
    );
    let assigned = sb.post(
        &format!("/v2/projects/{pid}/resources"),
        json!({"resources": [format!("do:droplet:{droplet}"), "do:droplet:1"]}),
    );
    assert_eq!(assigned.status, 200, "{}", assigned.raw);
    let statuses: Vec<&str> = (assigned.json["resources"].as_array().unwrap().iter())
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["ok", "not_found"]);
    // Moved: it left the default project.
    let in_default = sb.get("/v2/projects/default/resources").json;
    assert_eq!(in_default["meta"]["total"], 0);
    assert_error(
        &sb.delete(&format!("/v2/projects/{pid}")),
        412,
        "precondition_failed",
    );
    sb.delete(&format!("/v2/droplets/{droplet}"));
    assert_eq!(sb.delete(&format!("/v2/projects/{pid}")).status, 204);
    sb.shutdown();
}

fn reserved_ips_assign_unassign_by_actions() {
    let sb = start();
    sb.seed(json!({"reserved_ip_addresses": ["203.0.113.200"]}));
    let ip = "203.0.113.200";
    let d = sb.post("/v2/droplets", create_body("r-1")).json["droplet"]["id"]
        .as_u64()
        .unwrap();
    // Still booting: refused.
    let act = |body: Value| sb.post(&format!("/v2/reserved_ips/{ip}/actions"), body);
    assert_error(
        &act(json!({"type": "assign", "droplet_id": d})),
        422,
        "unprocessable_entity",
    );
    sb.advance(61);
    let a = act(json!({"type": "assign", "droplet_id": d}));
    assert_eq!(a.status, 201, "{}", a.raw);
    assert_eq!(a.json["action"]["type"], "assign_ip");
    assert_eq!(a.json["action"]["resource_type"], "reserved_ip");
    let got = sb.get(&format!("/v2/reserved_ips/{ip}")).json;
    assert_eq!(
        (
            got["reserved_ip"]["locked"].clone(),
            got["reserved_ip"]["droplet"].clone()
        ),
        (json!(true), Value::Null)
    );
    // Locked while the action runs.
    assert_error(
        &act(json!({"type": "unassign"})),
        422,
        "unprocessable_entity",
    );
    sb.advance(61);
    let got = sb.get(&format!("/v2/reserved_ips/{ip}")).json;
    assert_eq!(got["reserved_ip"]["droplet"]["id"], d);
    assert_eq!(got["reserved_ip"]["locked"], false);
    let actions = sb.get(&format!("/v2/reserved_ips/{ip}/actions")).json;
    assert_eq!(actions["actions"][0]["status"], "completed");
    // Deleting the droplet leaves the address held, pointing at nothing.
    sb.delete(&format!("/v2/droplets/{d}"));
    let got = sb.get(&format!("/v2/reserved_ips/{ip}")).json;
    assert_eq!(got["reserved_ip"]["droplet"], Value::Null);
    assert_error(
        &act(json!({"type": "unassign"})),
        422,
        "unprocessable_entity",
    );
    assert_eq!(sb.get("/v2/reserved_ips/198.51.100.99").status, 404);
    sb.shutdown();
}

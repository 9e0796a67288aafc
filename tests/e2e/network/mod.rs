//! An environment, not just droplets: firewalls, DNS records, a project and reserved IPs, end to end
//! through the binary against the sandbox. Shared here: the config and the sandbox's view of them.

mod conflicts;
mod faults;
mod lifecycle;
mod validate;

use serde_json::{Value, json};

use crate::support::config_with_hosts;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;

pub fn tests() -> Vec<Case> {
    [
        conflicts::tests(),
        faults::tests(),
        lifecycle::tests(),
        validate::tests(),
    ]
    .concat()
}

pub const DOMAIN: &str = "example.com";
pub const IP: &str = "198.18.7.7";

/// Two firewalls (web for `app`, db for `db` reachable from `app`), DNS, a project and a reserved IP on
/// app-1; `hosts` are the host lines of `staging`.
pub fn config(api_url: &str, hosts: &str) -> String {
    let network = format!(
        "      project: {{ name: \"shop {{env}}\", purpose: \"Web Application\" }}
      firewalls:
        web:
          roles: [app]
          inbound:
            - {{ protocol: tcp, ports: \"22\", from: [\"0.0.0.0/0\", \"::/0\"] }}
            - {{ protocol: tcp, ports: \"443\", from: [\"0.0.0.0/0\", \"::/0\"] }}
        db:
          roles: [db]
          inbound:
            - {{ protocol: tcp, ports: 5432, from_roles: [app] }}
          outbound:
            - {{ protocol: tcp, ports: all, to: [\"0.0.0.0/0\"] }}
      dns: {{ domain: {DOMAIN}, name: \"{{host}}.{{env}}\", ttl: 300 }}
      hosts:
"
    );
    config_with_hosts(api_url, hosts).replacen("      hosts:\n", &network, 1)
}

pub const HOSTS: &str = "          app-1: { role: app, reserved_ip: 198.18.7.7 }\n          app-2: { role: app }\n          db-1: { role: db }\n";

/// A sandbox holding the domain and the reserved IP the config names.
pub fn sandbox() -> TestSandbox {
    let sb = TestSandbox::start();
    sb.seed(json!({"domain_names": [DOMAIN], "reserved_ip_addresses": [IP]}));
    sb
}

pub fn firewalls(sb: &TestSandbox) -> Vec<Value> {
    sb.get("/v2/firewalls").json["firewalls"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub fn firewall<'a>(all: &'a [Value], name: &str) -> Option<&'a Value> {
    all.iter().find(|f| f["name"] == name)
}

/// The domain's records as `(type, name, data)`, sorted.
pub fn records(sb: &TestSandbox) -> Vec<(String, String, String)> {
    let list = sb.get(&format!("/v2/domains/{DOMAIN}/records")).json;
    let mut out: Vec<(String, String, String)> =
        (list["domain_records"].as_array().unwrap().iter())
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                (s("type"), s("name"), s("data"))
            })
            .collect();
    out.sort();
    out
}

/// The droplet of `name`, as listed.
pub fn droplet(sb: &TestSandbox, name: &str) -> Value {
    sb.droplets()
        .into_iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no droplet {name}"))
}

pub fn public_ip(d: &Value) -> String {
    (d["networks"]["v4"].as_array().unwrap().iter())
        .find(|n| n["type"] == "public")
        .and_then(|n| n["ip_address"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// Which droplet holds the reserved IP now.
pub fn ip_holder(sb: &TestSandbox) -> Option<u64> {
    sb.get(&format!("/v2/reserved_ips/{IP}")).json["reserved_ip"]["droplet"]["id"].as_u64()
}

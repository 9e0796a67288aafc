//! Generated resources: the defaults every account has (a default VPC per region, the default
//! project) and the bulk objects `/_sandbox/seed` creates (firewalls, databases, VPCs, domains, ...).

use serde_json::{Value, json};

use super::catalogue::{REGIONS, Region};
use super::clock::iso8601;
use super::ids;
use super::model::{Data, Domain};

/// Account owner uuid, shared by the account and projects.
pub fn owner_uuid() -> String {
    ids::hex40("sandbox-account")
}

fn uuid(data: &mut Data, ns: &str) -> String {
    data.next_uuid += 1;
    ids::uuid(ns, data.next_uuid)
}

fn available_regions() -> Vec<&'static Region> {
    REGIONS.iter().filter(|r| r.available).collect()
}

/// One default VPC per region (`default-<slug>`, 10.<octet>.0.0/16) and the default project.
pub fn defaults(data: &mut Data, now_ms: i64) {
    for (i, r) in REGIONS.iter().enumerate() {
        data.vpcs.push(json!({
            "id": ids::uuid("default-vpc", i as u64),
            "urn": format!("do:vpc:{}", ids::uuid("default-vpc", i as u64)),
            "name": format!("default-{}", r.slug),
            "description": "",
            "region": r.slug,
            "ip_range": format!("10.{}.0.0/16", r.private_octet),
            "created_at": iso8601(now_ms),
            "default": true,
        }));
    }
    let id = ids::uuid("default-project", 0);
    data.projects.push(json!({
        "id": id,
        "owner_uuid": owner_uuid(),
        "owner_id": 258992,
        "name": "Default",
        "description": "Default project",
        "purpose": "Just trying out DigitalOcean",
        "environment": "Development",
        "is_default": true,
        "created_at": iso8601(now_ms),
        "updated_at": iso8601(now_ms),
    }));
}

pub fn vpcs(data: &mut Data, n: usize, now_ms: i64) {
    let regions = available_regions();
    for i in 0..n {
        let k = data.vpcs.len();
        let id = uuid(data, "vpc");
        data.vpcs.push(json!({
            "id": id,
            "urn": format!("do:vpc:{id}"),
            "name": format!("vpc-{}", k + 1),
            "description": format!("Seeded VPC {}", k + 1),
            "region": regions[i % regions.len()].slug,
            "ip_range": format!("172.{}.{}.0/24", 16 + (k / 256) % 16, k % 256),
            "created_at": iso8601(now_ms),
            "default": false,
        }));
    }
}

pub fn firewalls(data: &mut Data, n: usize, now_ms: i64) {
    for _ in 0..n {
        let k = data.firewalls.len() + 1;
        let id = uuid(data, "firewall");
        let lbs: Vec<Value> = data
            .load_balancers
            .iter()
            .take(1)
            .map(|l| l["id"].clone())
            .collect();
        data.firewalls.push(json!({
            "id": id,
            "name": format!("firewall-{k}"),
            "status": "succeeded",
            // HTTP from the load balancers, SSH from a gateway tag and a range (the spec example's rules).
            "inbound_rules": [
                {"protocol": "tcp", "ports": "80", "sources": {"load_balancer_uids": lbs}},
                {"protocol": "tcp", "ports": "22", "sources": {"tags": ["gateway"], "addresses": ["10.0.0.0/8"]}},
            ],
            "outbound_rules": [
                {"protocol": "tcp", "ports": "0", "destinations": {"addresses": ["0.0.0.0/0", "::/0"]}},
            ],
            "created_at": iso8601(now_ms),
            "droplet_ids": [],
            "tags": [],
            "pending_changes": [],
        }));
    }
}

pub fn databases(data: &mut Data, n: usize, now_ms: i64) {
    let regions = available_regions();
    for i in 0..n {
        let k = data.databases.len() + 1;
        let id = uuid(data, "database");
        let region = regions[i % regions.len()].slug;
        let vpc = data
            .vpcs
            .iter()
            .find(|v| v["region"] == region && v["default"] == true)
            .map(|v| v["id"].clone())
            .unwrap_or(Value::Null);
        let password = &ids::hex40(&id)[..16];
        let host = format!("db-{k}-do-user-0-0.db.ondigitalocean.example");
        let conn = |host: &str| {
            json!({
                "uri": format!("postgres://doadmin:{password}@{host}:25060/defaultdb?sslmode=require"),
                "database": "defaultdb",
                "host": host,
                "port": 25060,
                "user": "doadmin",
                "password": password,
                "ssl": true,
            })
        };
        data.databases.push(json!({
            "id": id,
            "name": format!("db-{k}"),
            "engine": "pg",
            "version": "16",
            "connection": conn(&host),
            "private_connection": conn(&format!("private-{host}")),
            "users": [{"name": "doadmin", "role": "primary", "password": password}],
            "db_names": ["defaultdb"],
            "num_nodes": 1,
            "region": region,
            "status": "online",
            "created_at": iso8601(now_ms),
            "maintenance_window": {"day": "saturday", "hour": "08:45:12", "pending": false, "description": []},
            "size": "db-s-1vcpu-1gb",
            "tags": [],
            "private_network_uuid": vpc,
            "version_end_of_life": "2028-11-09T00:00:00Z",
            "version_end_of_availability": "2028-05-09T00:00:00Z",
            "storage_size_mib": 10240,
        }));
    }
}

pub fn domains(data: &mut Data, n: usize) {
    for _ in 0..n {
        let k = data.domains.len() + 1;
        let name = format!("example-{k}.com");
        let mut records = Vec::new();
        for (kind, value) in [
            ("NS", "ns1.digitalocean.com"),
            ("NS", "ns2.digitalocean.com"),
            ("NS", "ns3.digitalocean.com"),
            ("A", "203.0.113.10"),
        ] {
            let id = data.next_record_id;
            data.next_record_id += 1;
            records.push(json!({
                "id": id, "type": kind, "name": "@", "data": value, "priority": null,
                "port": null, "ttl": 1800, "weight": null, "flags": null, "tag": null,
            }));
        }
        data.domains.push(Domain {
            name,
            ttl: 1800,
            records,
        });
    }
}

pub fn projects(data: &mut Data, n: usize, now_ms: i64) {
    for _ in 0..n {
        let k = data.projects.len();
        let id = uuid(data, "project");
        data.projects.push(json!({
            "id": id,
            "owner_uuid": owner_uuid(),
            "owner_id": 258992,
            "name": format!("project-{k}"),
            "description": format!("Seeded project {k}"),
            "purpose": "Service or API",
            "environment": "Staging",
            "is_default": false,
            "created_at": iso8601(now_ms),
            "updated_at": iso8601(now_ms),
        }));
    }
}

pub fn load_balancers(data: &mut Data, n: usize, now_ms: i64) {
    let regions = available_regions();
    for i in 0..n {
        let k = data.load_balancers.len() + 1;
        let id = uuid(data, "load-balancer");
        let region = regions[i % regions.len()];
        let vpc = data
            .vpcs
            .iter()
            .find(|v| v["region"] == region.slug && v["default"] == true)
            .map(|v| v["id"].clone())
            .unwrap_or(Value::Null);
        data.load_balancers.push(json!({
            "id": id,
            "name": format!("lb-{k}"),
            "ip": format!("198.51.100.{}", 2 + (k % 250)),
            "size": "lb-small",
            "algorithm": "round_robin",
            "status": "active",
            "created_at": iso8601(now_ms),
            "forwarding_rules": [{
                "entry_protocol": "http", "entry_port": 80, "target_protocol": "http",
                "target_port": 80, "certificate_id": "", "tls_passthrough": false,
            }],
            "health_check": {
                "protocol": "http", "port": 80, "path": "/", "check_interval_seconds": 10,
                "response_timeout_seconds": 5, "healthy_threshold": 5, "unhealthy_threshold": 3,
            },
            "sticky_sessions": {"type": "none"},
            "region": region.to_json(),
            "tag": "",
            "droplet_ids": [],
            "redirect_http_to_https": false,
            "enable_proxy_protocol": false,
            "enable_backend_keepalive": false,
            "vpc_uuid": vpc,
            "disable_lets_encrypt_dns_records": false,
            "firewall": {"deny": [], "allow": []},
        }));
    }
}

/// Functions namespaces in the shape the API lists them, `key` included (a secret the client must never
/// show; the sandbox hands one out so that tests can check it does not).
pub fn functions_namespaces(data: &mut Data, n: usize, now_ms: i64) {
    let regions = available_regions();
    for i in 0..n {
        let k = data.functions_namespaces.len() + 1;
        let id = uuid(data, "functions-namespace");
        let region = regions[i % regions.len()].slug;
        data.functions_namespaces.push(json!({
            "api_host": format!("https://faas-{region}-{}.doserverless.example", &ids::hex40(&id)[..8]),
            "namespace": format!("fn-{id}"),
            "created_at": iso8601(now_ms),
            "updated_at": iso8601(now_ms),
            "label": format!("namespace-{k}"),
            "region": region,
            "uuid": id,
            "key": format!("sandboxkey{}", ids::hex40(&format!("fn-key-{id}"))),
        }));
    }
}

/// Reserved IPs held in nyc1 and assigned to no droplet, from 198.18.0.0/15 (never a droplet's range).
pub fn reserved_ips(data: &mut Data, n: usize) {
    let region = REGIONS
        .iter()
        .find(|r| r.slug == "nyc1")
        .unwrap_or(&REGIONS[0]);
    let project = data.projects.first().map(|p| p["id"].clone());
    for _ in 0..n {
        let k = data.reserved_ips.len();
        data.reserved_ips.push(json!({
            "ip": format!("198.18.{}.{}", k / 250, 1 + k % 250),
            "region": region.to_json(),
            "droplet": null,
            "locked": false,
            "project_id": project,
        }));
    }
}

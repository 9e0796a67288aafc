//! JSON renderings of stored resources in the API's shapes. Droplets are rendered to strings (with
//! catalogue fragments pre-rendered once) and cached, so a 200-droplet page is mostly copying.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::sync::OnceLock;

use serde_json::{Value, json};

use super::catalogue::{self, IMAGES, REGIONS, SIZES};
use super::clock::iso8601;
use super::model::{Action, BACKUP_WINDOW_MS, Domain, Droplet, STATUS_NEW, SshKey};
use super::seed::owner_uuid;
use super::state::State;

struct Fragments {
    regions: HashMap<&'static str, String>,
    sizes: HashMap<&'static str, String>,
    images: HashMap<u64, String>,
}

fn fragments() -> &'static Fragments {
    static F: OnceLock<Fragments> = OnceLock::new();
    F.get_or_init(|| Fragments {
        regions: REGIONS
            .iter()
            .map(|r| (r.slug, r.to_json().to_string()))
            .collect(),
        // As in the spec examples: GPU droplets' sizes carry disk_info, the others do not.
        sizes: SIZES
            .iter()
            .map(|s| (s.slug, s.to_json(s.gpu.is_some()).to_string()))
            .collect(),
        images: IMAGES
            .iter()
            .map(|i| (i.id, i.to_json().to_string()))
            .collect(),
    })
}

fn js(s: &str) -> String {
    // Serializing a &str cannot fail.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Public IPv4 for the n-th networked droplet: the three documentation ranges first
/// (192.0.2/24, 198.51.100/24, 203.0.113/24; .1 is the gateway), then 100.64.0.0/10.
pub fn public_ipv4(index: u64) -> Ipv4Addr {
    let per = 254u64;
    let nets = [[192, 0, 2], [198, 51, 100], [203, 0, 113]];
    if index < per * 3 {
        let n = nets[(index / per) as usize];
        return Ipv4Addr::new(n[0], n[1], n[2], (index % per + 2) as u8);
    }
    let j = index - per * 3;
    let block = j / per;
    Ipv4Addr::new(
        100,
        64 + ((block / 256) % 64) as u8,
        (block % 256) as u8,
        (j % per + 2) as u8,
    )
}

/// Private IPv4 inside the region's default VPC range 10.<octet>.0.0/16.
pub fn private_ipv4(octet: u8, index: u64) -> Ipv4Addr {
    Ipv4Addr::new(
        10,
        octet,
        ((index / 254) % 256) as u8,
        (index % 254 + 2) as u8,
    )
}

fn gateway(ip: Ipv4Addr) -> String {
    let o = ip.octets();
    format!("{}.{}.{}.1", o[0], o[1], o[2])
}

/// The full Droplet object (`droplets/models/droplet.yml`), cached on the droplet.
pub fn droplet(d: &mut Droplet, public_ip: Option<Ipv4Addr>) -> &str {
    if d.rendered.is_none() {
        d.rendered = Some(render_droplet(d, public_ip));
    }
    d.rendered.as_deref().unwrap_or("{}")
}

fn render_droplet(d: &Droplet, public_ip: Option<Ipv4Addr>) -> String {
    let f = fragments();
    let size = catalogue::size(&d.size);
    let region = catalogue::region(&d.region);
    let mut s = String::with_capacity(4096);
    // In the order the API lists them. Every droplet sits in a VPC, so private networking is on.
    let features: Vec<&str> = [
        ("backups", d.backups),
        ("private_networking", true),
        ("ipv6", d.ipv6),
        ("monitoring", d.monitoring),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect();
    let _ = write!(
        s,
        "{{\"id\":{},\"name\":{},\"memory\":{},\"vcpus\":{},\"disk\":{},\"disk_info\":[{{\"type\":\"local\",\"size\":{{\"amount\":{},\"unit\":\"gib\"}}}}],\"locked\":{},\"status\":{},\"kernel\":null,\"created_at\":\"{}\",\"features\":{},\"backup_ids\":{},",
        d.id,
        js(&d.name),
        size.map(|s| s.memory).unwrap_or(0),
        size.map(|s| s.vcpus).unwrap_or(0),
        d.disk,
        d.disk,
        d.locked,
        js(&d.status),
        iso8601(d.created_ms),
        json!(features),
        json!(d.backup_ids),
    );
    // A droplet still being created shows no window yet, even with backups requested.
    match d
        .next_backup_ms
        .filter(|_| d.backups && d.status != STATUS_NEW)
    {
        Some(start) => {
            let _ = write!(
                s,
                "\"next_backup_window\":{{\"start\":\"{}\",\"end\":\"{}\"}},",
                iso8601(start),
                iso8601(start + BACKUP_WINDOW_MS)
            );
        }
        None => s.push_str("\"next_backup_window\":null,"),
    }
    let _ = write!(
        s,
        "\"snapshot_ids\":[],\"image\":{},\"volume_ids\":[],\"size\":{},\"size_slug\":{},",
        f.images.get(&d.image).map(String::as_str).unwrap_or("{}"),
        f.sizes
            .get(d.size.as_str())
            .map(String::as_str)
            .unwrap_or("{}"),
        js(&d.size),
    );
    s.push_str("\"networks\":{\"v4\":[");
    if d.networked && d.status != STATUS_NEW {
        let octet = region.map(|r| r.private_octet).unwrap_or(100);
        let private = private_ipv4(octet, d.net_index);
        let public = public_ip.unwrap_or_else(|| public_ipv4(d.net_index));
        // The API gives private addresses the literal string "nil" as gateway; clients see it too.
        let _ = write!(
            s,
            "{{\"ip_address\":\"{private}\",\"netmask\":\"255.255.0.0\",\"gateway\":\"nil\",\"type\":\"private\"}},{{\"ip_address\":\"{public}\",\"netmask\":\"255.255.255.0\",\"gateway\":\"{}\",\"type\":\"public\"}}",
            gateway(public)
        );
        s.push_str("],\"v6\":[");
        if d.ipv6 {
            let _ = write!(
                s,
                "{{\"ip_address\":\"2001:db8:{octet:x}::{:x}\",\"netmask\":64,\"gateway\":\"2001:db8:{octet:x}::1\",\"type\":\"public\"}}",
                d.net_index + 2
            );
        }
        s.push_str("]},");
    } else {
        s.push_str("],\"v6\":[]},");
    }
    let _ = write!(
        s,
        "\"region\":{},\"tags\":{},\"vpc_uuid\":{}",
        f.regions
            .get(d.region.as_str())
            .map(String::as_str)
            .unwrap_or("{}"),
        json!(d.tags),
        js(&d.vpc_uuid),
    );
    if let Some((count, model, vram)) = size.and_then(|s| s.gpu) {
        let _ = write!(
            s,
            ",\"gpu_info\":{{\"count\":{count},\"model\":{},\"vram\":{{\"amount\":{vram},\"unit\":\"gib\"}}}}",
            js(model)
        );
    }
    s.push('}');
    s
}

/// Renders a droplet as a Value (for small responses).
pub fn droplet_value(state: &mut State, id: u64) -> Value {
    let public_ip = state.settings.public_ip;
    match state.data.droplets.get_mut(&id) {
        Some(d) => serde_json::from_str(droplet(d, public_ip)).unwrap_or(Value::Null),
        None => Value::Null,
    }
}

/// Action object (`actions/models/action.yml`).
pub fn action(a: &Action) -> Value {
    let region = catalogue::region(&a.region)
        .map(|r| r.to_json())
        .unwrap_or(Value::Null);
    json!({
        "id": a.id,
        "status": a.status,
        "type": a.kind,
        "started_at": iso8601(a.started_ms),
        "completed_at": a.completed_ms.map(iso8601),
        "resource_id": a.resource_id,
        "resource_type": if a.kind.ends_with("_ip") { "reserved_ip" } else { "droplet" },
        "region": region,
        "region_slug": a.region,
    })
}

pub fn ssh_key(k: &SshKey) -> Value {
    json!({"id": k.id, "fingerprint": k.fingerprint, "public_key": k.public_key, "name": k.name})
}

/// Tag object with its `resources` counts (droplets and databases are counted; the sandbox has no
/// images, volumes or volume snapshots, so those are 0 with an empty `last_tagged_uri`).
pub fn tag(state: &State, name: &str, base_url: &str) -> Value {
    let (droplets, last_droplet) = state.tag_droplet_count(name);
    let dbs: Vec<&Value> = state
        .data
        .databases
        .iter()
        .filter(|d| {
            d["tags"]
                .as_array()
                .map(|t| t.iter().any(|x| x == name))
                .unwrap_or(false)
        })
        .collect();
    let droplet_uri = last_droplet
        .map(|id| format!("{base_url}/v2/droplets/{id}"))
        .unwrap_or_default();
    let db_uri = dbs
        .last()
        .and_then(|d| d["id"].as_str())
        .map(|id| format!("{base_url}/v2/databases/{id}"))
        .unwrap_or_default();
    let last = if droplet_uri.is_empty() {
        db_uri.clone()
    } else {
        droplet_uri.clone()
    };
    let empty = json!({"count": 0, "last_tagged_uri": ""});
    json!({
        "name": name,
        "resources": {
            "count": droplets + dbs.len(),
            "last_tagged_uri": last,
            "droplets": {"count": droplets, "last_tagged_uri": droplet_uri},
            "images": empty,
            "volumes": empty,
            "volume_snapshots": empty,
            "databases": {"count": dbs.len(), "last_tagged_uri": db_uri},
        }
    })
}

pub fn domain(d: &Domain) -> Value {
    let mut zone = format!(
        "$ORIGIN {n}.\n$TTL {t}\n{n}. IN SOA ns1.digitalocean.com. hostmaster.{n}. 1415982609 10800 3600 604800 1800\n",
        n = d.name,
        t = d.ttl
    );
    for r in &d.records {
        let _ = writeln!(
            zone,
            "{}. {} IN {} {}",
            d.name,
            r["ttl"],
            r["type"].as_str().unwrap_or("A"),
            r["data"].as_str().unwrap_or("")
        );
    }
    json!({"name": d.name, "ttl": d.ttl, "zone_file": zone})
}

pub fn account(droplet_limit: u32) -> Value {
    json!({
        "droplet_limit": droplet_limit,
        "floating_ip_limit": 5,
        "email": "sandbox@stagecraft.invalid",
        "name": "Stagecraft Sandbox",
        "uuid": owner_uuid(),
        "email_verified": true,
        "status": "active",
        "status_message": "",
        "team": {"uuid": super::ids::hex40("sandbox-team"), "name": "Sandbox Team"},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_allocation() {
        let cases: &[(u64, &str)] = &[
            (0, "192.0.2.2"),
            (253, "192.0.2.255"),
            (254, "198.51.100.2"),
            (508, "203.0.113.2"),
            (762, "100.64.0.2"),
            (762 + 254, "100.64.1.2"),
        ];
        for (i, want) in cases {
            assert_eq!(public_ipv4(*i).to_string(), *want, "index {i}");
        }
        assert_eq!(private_ipv4(100, 0).to_string(), "10.100.0.2");
        assert_eq!(private_ipv4(100, 254).to_string(), "10.100.1.2");
    }
}

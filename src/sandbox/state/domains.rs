//! Domains and their records. A new domain gets DigitalOcean's three NS records at the apex (and an apex
//! A record when `ip_address` is given); records are checked per type (A needs an IPv4 address, AAAA an
//! IPv6 one, names are relative to the domain, TTL at least 30 seconds).

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{Value, json};

use super::State;
use super::net_requests::{NetError, RecordSpec};
use crate::sandbox::model::Domain;

pub const RECORD_TYPES: [&str; 9] = ["A", "AAAA", "CAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT"];
/// The shortest TTL DigitalOcean's DNS accepts.
pub const MIN_TTL: u64 = 30;
const DEFAULT_TTL: u64 = 1800;
const NAME_SERVERS: [&str; 3] = [
    "ns1.digitalocean.com",
    "ns2.digitalocean.com",
    "ns3.digitalocean.com",
];

impl State {
    pub fn domain(&self, name: &str) -> Option<&Domain> {
        self.data
            .domains
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
    }

    fn domain_mut(&mut self, name: &str) -> Result<&mut Domain, NetError> {
        (self.data.domains.iter_mut())
            .find(|d| d.name.eq_ignore_ascii_case(name))
            .ok_or(NetError::NotFound)
    }

    pub fn create_domain(&mut self, name: &str, ip_address: Option<&str>) -> Result<(), NetError> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if !valid_hostname(&name) || !name.contains('.') {
            return Err(NetError::invalid(format!(
                "domain name {name:?} is invalid"
            )));
        }
        if self.domain(&name).is_some() {
            return Err(NetError::invalid(format!("domain {name:?} already exists")));
        }
        if let Some(ip) = ip_address
            && ip.parse::<Ipv4Addr>().is_err()
        {
            return Err(NetError::invalid(format!(
                "ip_address {ip:?} is not an IPv4 address"
            )));
        }
        let mut records: Vec<(&str, &str)> = NAME_SERVERS.iter().map(|ns| ("NS", *ns)).collect();
        if let Some(ip) = ip_address {
            records.push(("A", ip));
        }
        let mut domain = Domain {
            name,
            ttl: DEFAULT_TTL as u32,
            records: Vec::new(),
        };
        for (kind, data) in records {
            let id = self.next_record_id();
            domain.records.push(record_json(
                id,
                &RecordSpec {
                    kind: Some(kind.into()),
                    name: Some("@".into()),
                    data: Some(data.into()),
                    ..RecordSpec::default()
                },
            ));
        }
        self.data.domains.push(domain);
        Ok(())
    }

    pub fn delete_domain(&mut self, name: &str) -> bool {
        let before = self.data.domains.len();
        self.data
            .domains
            .retain(|d| !d.name.eq_ignore_ascii_case(name));
        self.data
            .project_of
            .remove(&format!("do:domain:{}", name.to_ascii_lowercase()));
        before != self.data.domains.len()
    }

    pub fn create_record(&mut self, domain: &str, spec: &RecordSpec) -> Result<Value, NetError> {
        self.domain(domain).ok_or(NetError::NotFound)?;
        check_record(spec)?;
        let id = self.next_record_id();
        let record = record_json(id, spec);
        self.domain_mut(domain)?.records.push(record.clone());
        Ok(record)
    }

    /// PUT and PATCH: the fields given replace the record's; the result is checked as a whole.
    pub fn update_record(
        &mut self,
        domain: &str,
        id: u64,
        spec: &RecordSpec,
    ) -> Result<Value, NetError> {
        let d = self.domain_mut(domain)?;
        let slot = (d.records.iter_mut())
            .find(|r| r["id"].as_u64() == Some(id))
            .ok_or(NetError::NotFound)?;
        let mut merged = spec_of(slot);
        if spec
            .kind
            .as_ref()
            .is_some_and(|k| Some(k) != merged.kind.as_ref())
        {
            return Err(NetError::invalid("a record's type cannot be changed"));
        }
        let set = |to: &mut Option<String>, from: &Option<String>| {
            if from.is_some() {
                to.clone_from(from);
            }
        };
        set(&mut merged.name, &spec.name);
        set(&mut merged.data, &spec.data);
        set(&mut merged.tag, &spec.tag);
        for (to, from) in [
            (&mut merged.ttl, spec.ttl),
            (&mut merged.priority, spec.priority),
            (&mut merged.port, spec.port),
            (&mut merged.weight, spec.weight),
            (&mut merged.flags, spec.flags),
        ] {
            if from.is_some() {
                *to = from;
            }
        }
        check_record(&merged)?;
        *slot = record_json(id, &merged);
        Ok(slot.clone())
    }

    pub fn delete_record(&mut self, domain: &str, id: u64) -> Result<(), NetError> {
        let d = self.domain_mut(domain)?;
        let before = d.records.len();
        d.records.retain(|r| r["id"].as_u64() != Some(id));
        if before == d.records.len() {
            return Err(NetError::NotFound);
        }
        Ok(())
    }

    fn next_record_id(&mut self) -> u64 {
        let id = self.data.next_record_id;
        self.data.next_record_id += 1;
        id
    }
}

fn check_record(spec: &RecordSpec) -> Result<(), NetError> {
    let kind = spec.kind.as_deref().unwrap_or("");
    if !RECORD_TYPES.contains(&kind) {
        return Err(NetError::invalid(format!(
            "type {kind:?} is invalid: one of {}",
            RECORD_TYPES.join(", ")
        )));
    }
    if kind == "SOA" {
        return Err(NetError::invalid("SOA records are managed by DigitalOcean"));
    }
    let data = spec.data.as_deref().unwrap_or("");
    if data.is_empty() {
        return Err(NetError::invalid("data is required"));
    }
    if kind != "MX" {
        let name = spec.name.as_deref().unwrap_or("");
        if name != "@" && !valid_record_name(name) {
            return Err(NetError::invalid(format!(
                "record name {name:?} is invalid"
            )));
        }
    }
    match kind {
        "A" if data.parse::<Ipv4Addr>().is_err() => {
            return Err(NetError::invalid(format!(
                "data {data:?} is not an IPv4 address"
            )));
        }
        "AAAA" if data.parse::<Ipv6Addr>().is_err() => {
            return Err(NetError::invalid(format!(
                "data {data:?} is not an IPv6 address"
            )));
        }
        "MX" | "SRV" if spec.priority.is_none() => {
            return Err(NetError::invalid(
                "priority is required for MX and SRV records",
            ));
        }
        _ => {}
    }
    if let Some(ttl) = spec.ttl
        && ttl < MIN_TTL
    {
        return Err(NetError::invalid(format!(
            "ttl must be at least {MIN_TTL} seconds"
        )));
    }
    Ok(())
}

/// A relative record name: dot-separated labels of letters, digits, `-` and `_` (and a leading `*`).
pub fn valid_record_name(name: &str) -> bool {
    let name = name.strip_prefix("*.").unwrap_or(name);
    name == "*" || valid_labels(name, true)
}

fn valid_hostname(name: &str) -> bool {
    valid_labels(name, false)
}

fn valid_labels(name: &str, underscore: bool) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || (underscore && c == '_'))
        })
}

fn record_json(id: u64, spec: &RecordSpec) -> Value {
    json!({
        "id": id,
        "type": spec.kind,
        "name": spec.name.clone().unwrap_or_else(|| "@".into()),
        "data": spec.data,
        "priority": spec.priority,
        "port": spec.port,
        "ttl": spec.ttl.unwrap_or(DEFAULT_TTL),
        "weight": spec.weight,
        "flags": spec.flags,
        "tag": spec.tag,
    })
}

fn spec_of(r: &Value) -> RecordSpec {
    let s = |k: &str| r[k].as_str().map(String::from);
    let n = |k: &str| r[k].as_u64();
    RecordSpec {
        kind: s("type"),
        name: s("name"),
        data: s("data"),
        ttl: n("ttl"),
        priority: n("priority"),
        port: n("port"),
        weight: n("weight"),
        flags: n("flags"),
        tag: s("tag"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_names() {
        for ok in ["www", "app-1.staging", "_acme-challenge", "*.staging", "a"] {
            assert!(valid_record_name(ok), "{ok}");
        }
        for bad in ["", "a..b", "-a", "a b", "x.", "é"] {
            assert!(!valid_record_name(bad), "{bad}");
        }
    }
}

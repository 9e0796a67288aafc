//! A replacement's hand-over of DNS: the host's A and AAAA records that point at the old droplet are
//! pointed at the new one before the old one is deleted (one listing of the domain, one PUT per record).

use crate::ownership::net_owner::canonical_ip;
use crate::provider::domains::RecordRequest;
use crate::provider::{Client, Droplet, ProviderError};

/// Moves the records named `name` from `old`'s addresses to `new`'s; what was moved (`name TYPE`), and
/// how it went.
pub fn records(
    client: &Client,
    domain: &str,
    name: &str,
    old: &Droplet,
    new: &Droplet,
    ttl: u64,
) -> Vec<(String, Result<(), ProviderError>)> {
    let pairs = [
        ("A", old.public_ipv4(), new.public_ipv4()),
        ("AAAA", old.public_ipv6(), new.public_ipv6()),
    ];
    let live = match client.domain_records(domain) {
        Ok(live) => live,
        Err(e) => return vec![(name.to_string(), Err(e))],
    };
    let mut out = Vec::new();
    for (kind, from, to) in pairs {
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        let from = canonical_ip(from);
        for r in live.iter().filter(|r| {
            r.kind == kind && r.name.eq_ignore_ascii_case(name) && canonical_ip(&r.data) == from
        }) {
            let request = RecordRequest {
                kind: kind.into(),
                name: name.into(),
                data: to.into(),
                ttl,
            };
            let outcome = client.update_record(domain, r.id, &request).map(|_| ());
            out.push((format!("{name} {kind}"), outcome));
        }
    }
    out
}

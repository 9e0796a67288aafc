//! Firewall rules compared as sets: each rule normalised (ports `"0"` for every port, whatever way it was
//! written; addresses in one canonical form; targets sorted and without duplicates), so a firewall the API
//! gives back in another order or spelling is not seen as changed.

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::provider::firewalls::{Firewall, InboundRule, OutboundRule, RuleTargets};

/// One rule in the form two rules are compared in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NormRule {
    pub inbound: bool,
    pub protocol: String,
    pub ports: String,
    pub addresses: BTreeSet<String>,
    pub tags: BTreeSet<String>,
    pub droplet_ids: BTreeSet<u64>,
    pub load_balancer_uids: BTreeSet<String>,
    pub kubernetes_ids: BTreeSet<String>,
}

/// `"22"`, `"80-80"` → `"80"`, `"8000-9000"`, and every way of saying "all ports" (`all`, `0`,
/// `1-65535`) → `"0"`, the form the API answers with.
pub fn normalise_ports(ports: &str) -> Result<String, String> {
    let text = ports.trim();
    if text.eq_ignore_ascii_case("all") || text == "0" {
        return Ok("0".into());
    }
    let port = |p: &str| {
        p.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=65535).contains(n))
    };
    let bad =
        || format!("ports `{ports}` must be a port (1-65535), a range such as 8000-9000, or all");
    match text.split_once('-') {
        None => port(text).map(|p| p.to_string()).ok_or_else(bad),
        Some((a, b)) => match (port(a), port(b)) {
            (Some(1), Some(65535)) => Ok("0".into()),
            (Some(a), Some(b)) if a == b => Ok(a.to_string()),
            (Some(a), Some(b)) if a < b => Ok(format!("{a}-{b}")),
            _ => Err(bad()),
        },
    }
}

/// An address or CIDR in canonical form: the network address of a CIDR (`10.1.2.3/8` → `10.0.0.0/8`),
/// a full-length prefix written as the bare address, IPv6 in its shortest form (`::/0`, `2001:db8::1`).
pub fn normalise_address(text: &str) -> Result<String, String> {
    let bad =
        || format!("`{text}` is not an IPv4 or IPv6 address or CIDR (such as 10.0.0.0/8 or ::/0)");
    let (addr, prefix) = match text.trim().split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text.trim(), None),
    };
    let ip: IpAddr = addr.parse().map_err(|_| bad())?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) => p.parse::<u8>().ok().filter(|n| *n <= max).ok_or_else(bad)?,
    };
    if prefix == max {
        return Ok(ip.to_string());
    }
    let network = match ip {
        IpAddr::V4(v4) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix)
            };
            IpAddr::V4((u32::from(v4) & mask).into())
        }
        IpAddr::V6(v6) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix)
            };
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    };
    Ok(format!("{network}/{prefix}"))
}

fn norm(inbound: bool, protocol: &str, ports: &str, t: &RuleTargets) -> NormRule {
    let ports = if protocol == "icmp" {
        "0".to_string()
    } else {
        normalise_ports(ports).unwrap_or_else(|_| ports.to_string())
    };
    NormRule {
        inbound,
        protocol: protocol.to_ascii_lowercase(),
        ports,
        addresses: (t.addresses.iter())
            .map(|a| normalise_address(a).unwrap_or_else(|_| a.clone()))
            .collect(),
        tags: t.tags.iter().cloned().collect(),
        droplet_ids: t.droplet_ids.iter().copied().collect(),
        load_balancer_uids: t.load_balancer_uids.iter().cloned().collect(),
        kubernetes_ids: t.kubernetes_ids.iter().cloned().collect(),
    }
}

/// A firewall's rules as one set.
pub fn rule_set(inbound: &[InboundRule], outbound: &[OutboundRule]) -> BTreeSet<NormRule> {
    (inbound.iter())
        .map(|r| norm(true, &r.protocol, &r.ports, &r.sources))
        .chain(
            outbound
                .iter()
                .map(|r| norm(false, &r.protocol, &r.ports, &r.destinations)),
        )
        .collect()
}

/// Whether a live firewall already is what `want` describes: same rules (as sets) and same tags, no
/// droplets attached by id.
pub fn same_firewall(
    live: &Firewall,
    want_inbound: &[InboundRule],
    want_outbound: &[OutboundRule],
    want_tags: &[String],
) -> bool {
    let tags = |t: &[String]| t.iter().cloned().collect::<BTreeSet<String>>();
    rule_set(&live.inbound_rules, &live.outbound_rules) == rule_set(want_inbound, want_outbound)
        && tags(&live.tags) == tags(want_tags)
        && live.droplet_ids.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_normalise_to_the_api_form() {
        let cases = [
            ("22", Ok("22")),
            ("all", Ok("0")),
            ("ALL", Ok("0")),
            ("0", Ok("0")),
            ("1-65535", Ok("0")),
            ("80-80", Ok("80")),
            ("8000-9000", Ok("8000-9000")),
            ("9000-8000", Err(())),
            ("0-10", Err(())),
            ("65536", Err(())),
            ("http", Err(())),
            ("", Err(())),
        ];
        for (text, want) in cases {
            assert_eq!(
                normalise_ports(text).map_err(|_| ()),
                want.map(String::from),
                "{text}"
            );
        }
    }

    #[test]
    fn addresses_normalise_to_one_form() {
        let cases = [
            ("0.0.0.0/0", Ok("0.0.0.0/0")),
            ("::/0", Ok("::/0")),
            ("0:0:0:0:0:0:0:0/0", Ok("::/0")),
            ("10.1.2.3/8", Ok("10.0.0.0/8")),
            ("203.0.113.7/32", Ok("203.0.113.7")),
            ("203.0.113.7", Ok("203.0.113.7")),
            ("2001:DB8:0::1", Ok("2001:db8::1")),
            ("2001:db8::1/128", Ok("2001:db8::1")),
            ("2001:db8:1::/48", Ok("2001:db8:1::/48")),
            ("10.0.0.0/33", Err(())),
            ("example.com", Err(())),
            ("10.0.0/8", Err(())),
        ];
        for (text, want) in cases {
            assert_eq!(
                normalise_address(text).map_err(|_| ()),
                want.map(String::from),
                "{text}"
            );
        }
    }

    fn inbound(protocol: &str, ports: &str, addresses: &[&str], tags: &[&str]) -> InboundRule {
        InboundRule {
            protocol: protocol.into(),
            ports: ports.into(),
            sources: RuleTargets {
                addresses: addresses.iter().map(|s| s.to_string()).collect(),
                tags: tags.iter().map(|s| s.to_string()).collect(),
                ..RuleTargets::default()
            },
        }
    }

    #[test]
    fn rules_compare_as_sets_whatever_the_order_and_spelling() {
        let a = vec![
            inbound("tcp", "22", &["0.0.0.0/0", "::/0"], &[]),
            inbound("tcp", "5432", &[], &["stagecraft:group:staging:app"]),
            inbound("icmp", "", &["0.0.0.0/0"], &[]),
        ];
        let b = vec![
            inbound("icmp", "0", &["0.0.0.0/0"], &[]),
            inbound(
                "tcp",
                "5432",
                &[],
                &[
                    "stagecraft:group:staging:app",
                    "stagecraft:group:staging:app",
                ],
            ),
            inbound("tcp", "22", &["0:0:0:0:0:0:0:0/0", "0.0.0.0/0"], &[]),
        ];
        assert_eq!(rule_set(&a, &[]), rule_set(&b, &[]));
        let c = vec![inbound("tcp", "22", &["0.0.0.0/0"], &[])];
        assert_ne!(rule_set(&a, &[]), rule_set(&c, &[]));
        let d = vec![inbound("udp", "22", &["0.0.0.0/0", "::/0"], &[])];
        assert_ne!(rule_set(&a[..1], &[]), rule_set(&d, &[]));
    }
}

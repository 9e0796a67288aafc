//! Which live firewalls and DNS records are this config's. Neither can carry tags, so ownership is read
//! from names and targets: a firewall is ours when its name is one we derive for the env and it targets
//! only our group tags; a record when its name is one we derive for the env and it points at an address
//! our droplets hold (or held before this apply replaced them). Anything else with one of our names is a
//! conflict: reported, never touched.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::net_names::is_our_group_tag;
use crate::provider::domains::DomainRecord;
use crate::provider::firewalls::Firewall;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Not named like ours: someone else's, never looked at again.
    Unrelated,
    Ours,
    /// Named like ours but not provably ours: never touched, reported.
    Conflict,
}

/// A live firewall against the names the config derives for the env (`names`), and the prefix every
/// firewall name of the env starts with (`{env}-`, `{name}-{env}-`), which finds ours whose key left the
/// config.
pub fn firewall_owner(
    fw: &Firewall,
    names: &BTreeSet<String>,
    name_prefix: &str,
    config_name: Option<&str>,
    env: &str,
) -> Owner {
    let named = names.contains(&fw.name);
    let targets_ours = !fw.tags.is_empty()
        && fw.droplet_ids.is_empty()
        && fw
            .tags
            .iter()
            .all(|t| is_our_group_tag(t, config_name, env));
    match (named, targets_ours) {
        (true, true) => Owner::Ours,
        (true, false) => Owner::Conflict,
        // A firewall of a key no longer in the config: ours only when it targets our tags alone.
        (false, true) if fw.name.starts_with(name_prefix) => Owner::Ours,
        (false, _) => Owner::Unrelated,
    }
}

/// An address in the form records are compared in (IPv6 shortest form); the text itself if it is none.
pub fn canonical_ip(text: &str) -> String {
    text.parse::<IpAddr>()
        .map_or_else(|_| text.to_string(), |ip| ip.to_string())
}

/// A live record against the env's record names (`names`, relative and lower-cased), the addresses the
/// env's droplets hold now (`held`) and held before this apply replaced them (`held_before`), both in
/// canonical form.
pub fn record_owner(
    record: &DomainRecord,
    names: &BTreeSet<String>,
    held: &BTreeSet<String>,
    held_before: &BTreeSet<String>,
) -> Owner {
    if !matches!(record.kind.as_str(), "A" | "AAAA")
        || !names.contains(&record.name.to_ascii_lowercase())
    {
        return Owner::Unrelated;
    }
    let data = canonical_ip(&record.data);
    if held.contains(&data) || held_before.contains(&data) {
        Owner::Ours
    } else {
        Owner::Conflict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fw(name: &str, tags: &[&str], droplets: &[u64]) -> Firewall {
        Firewall {
            id: "f".into(),
            name: name.into(),
            status: "succeeded".into(),
            inbound_rules: Vec::new(),
            outbound_rules: Vec::new(),
            droplet_ids: droplets.to_vec(),
            tags: tags.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn firewall_ownership() {
        let names: BTreeSet<String> = ["staging-web".to_string()].into();
        let ours = "stagecraft:group:staging:app";
        let cases = [
            (fw("staging-web", &[ours], &[]), Owner::Ours),
            (fw("staging-web", &[ours, "gateway"], &[]), Owner::Conflict),
            (fw("staging-web", &[ours], &[7]), Owner::Conflict),
            (fw("staging-web", &[], &[]), Owner::Conflict),
            (
                fw("staging-web", &["stagecraft:group:prod:app"], &[]),
                Owner::Conflict,
            ),
            (
                fw("staging-web", &["stagecraft:group-shop:staging:app"], &[]),
                Owner::Conflict,
            ),
            (fw("staging-old", &[ours], &[]), Owner::Ours),
            (fw("staging-old", &["gateway"], &[]), Owner::Unrelated),
            (fw("prod-web", &[ours], &[]), Owner::Unrelated),
            (fw("office", &[], &[]), Owner::Unrelated),
        ];
        for (f, want) in cases {
            assert_eq!(
                firewall_owner(&f, &names, "staging-", None, "staging"),
                want,
                "{f:?}"
            );
        }
    }

    fn rec(kind: &str, name: &str, data: &str) -> DomainRecord {
        DomainRecord {
            id: 1,
            kind: kind.into(),
            name: name.into(),
            data: data.into(),
            ttl: Some(300),
        }
    }

    #[test]
    fn record_ownership() {
        let names: BTreeSet<String> = ["app-1.staging".to_string()].into();
        let held: BTreeSet<String> = ["203.0.113.5".to_string(), "2001:db8::5".to_string()].into();
        let before: BTreeSet<String> = ["203.0.113.9".to_string()].into();
        let cases = [
            (rec("A", "app-1.staging", "203.0.113.5"), Owner::Ours),
            (rec("A", "APP-1.staging", "203.0.113.5"), Owner::Ours),
            (rec("AAAA", "app-1.staging", "2001:DB8:0:0::5"), Owner::Ours),
            (rec("A", "app-1.staging", "203.0.113.9"), Owner::Ours),
            (rec("A", "app-1.staging", "198.51.100.1"), Owner::Conflict),
            (
                rec("CNAME", "app-1.staging", "elsewhere.example."),
                Owner::Unrelated,
            ),
            (rec("A", "www", "203.0.113.5"), Owner::Unrelated),
            (rec("NS", "@", "ns1.digitalocean.com"), Owner::Unrelated),
        ];
        for (r, want) in cases {
            assert_eq!(record_owner(&r, &names, &held, &before), want, "{r:?}");
        }
    }
}

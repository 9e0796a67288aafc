//! The offline checks of the networking keys, each problem with its file:line: ports, protocols,
//! addresses and CIDRs, roles that exist, the firewall and record names the API accepts, the documented
//! firewall limits, and reserved IPs given once.

use std::collections::{BTreeMap, BTreeSet};

use super::network::{
    DEFAULT_RECORD_NAME, DnsSettings, FirewallSettings, MAX_FIREWALL_RULES, MAX_FIREWALL_TAGS,
    Outbound, OutboundRule, Ports, Protocol,
};
use super::{Config, Problem};
use crate::ownership::net_names::{
    check_firewall_name, firewall_name, group_tag, project_name, record_name, valid_domain,
};
use crate::ownership::net_rules::{normalise_address, normalise_ports};

/// Problems with their positions, gathered for the whole config.
struct Sink<'a> {
    config: &'a Config,
    problems: Vec<Problem>,
}

impl Sink<'_> {
    /// A problem at `path` under `cloud.providers.digitalocean`.
    fn push(&mut self, path: &[&str], message: String) {
        let path: Vec<&str> = path.iter().copied().filter(|p| !p.is_empty()).collect();
        let mut full = vec!["cloud", "providers", "digitalocean"];
        full.extend_from_slice(&path);
        self.problems.push(Problem {
            pos: self.config.position(&full),
            path: path.join("."),
            message,
        });
    }

    fn roles(&mut self, path: &[&str], roles: &[String], all_ok: bool, known: &BTreeSet<String>) {
        if roles.is_empty() {
            self.push(path, "names no role".into());
        }
        for role in roles.iter().filter(|r| !(all_ok && *r == "all")) {
            if !known.contains(role) {
                let listed: Vec<&str> = known.iter().map(String::as_str).collect();
                self.push(
                    path,
                    format!(
                        "role `{role}` is not the role of any host (roles: {}){}",
                        listed.join(", "),
                        if all_ok {
                            "; `all` means every host"
                        } else {
                            ""
                        }
                    ),
                );
            }
        }
    }
}

/// Every networking problem of the config, each with its position.
pub fn check(config: &Config) -> Vec<Problem> {
    let mut sink = Sink {
        config,
        problems: Vec::new(),
    };
    let provider = config.provider();
    let envs = config.env_names();
    let roles_of = |env: &str| -> BTreeSet<String> {
        config
            .desired_hosts(env)
            .into_iter()
            .map(|h| h.role)
            .collect()
    };
    let all_roles: BTreeSet<String> = envs.iter().flat_map(|e| roles_of(e)).collect();
    for (key, fw) in provider.firewalls.iter().flatten() {
        check_firewall(&mut sink, key, fw, &envs, &all_roles);
        let name = config.file.name.as_deref();
        for env in &envs {
            let env_roles = roles_of(env);
            let targets: BTreeSet<&str> = if fw.roles.iter().any(|r| r == "all") {
                env_roles.iter().map(String::as_str).collect()
            } else {
                fw.roles.iter().map(String::as_str).collect()
            };
            let at = ["firewalls", key.as_str(), "roles"];
            if targets.len() > MAX_FIREWALL_TAGS {
                sink.push(&at, format!(
                    "firewall `{key}` covers {} roles in `{env}`; DigitalOcean allows {MAX_FIREWALL_TAGS} tags per firewall (one per role)",
                    targets.len()
                ));
            }
            for role in targets {
                let tag = group_tag(name, env, role);
                if !super::names::is_valid_tag(&tag) {
                    sink.push(
                        &at,
                        format!("the tag `{tag}` for role `{role}` is longer than 255 characters"),
                    );
                }
            }
        }
    }
    if let Some(dns) = &provider.dns {
        check_dns(&mut sink, dns, &envs);
    }
    if let Some(project) = &provider.project {
        for env in &envs {
            let n = project_name(&project.name, env);
            if n.trim().is_empty() || n.chars().count() > 175 {
                sink.push(
                    &["project", "name"],
                    format!("the project name `{n}` must be 1 to 175 characters"),
                );
            }
        }
    }
    let mut by_ip: BTreeMap<String, String> = BTreeMap::new();
    for (env, hosts) in &provider.hosts {
        for (key, host) in hosts {
            let Some(ip) = &host.reserved_ip else {
                continue;
            };
            let at = ["hosts", env.as_str(), key.as_str(), "reserved_ip"];
            if ip.parse::<std::net::Ipv4Addr>().is_err() {
                sink.push(&at, format!("reserved_ip `{ip}` is not an IPv4 address"));
                continue;
            }
            if host.count.is_some() {
                sink.push(
                    &at,
                    format!(
                        "host `{key}` has a `count`; one reserved IP cannot go to several droplets"
                    ),
                );
            }
            if let Some(other) = by_ip.insert(ip.clone(), format!("{env}.{key}")) {
                sink.push(
                    &at,
                    format!("reserved_ip `{ip}` is also given to `{other}`"),
                );
            }
        }
    }
    sink.problems
}

fn check_firewall(
    sink: &mut Sink,
    key: &str,
    fw: &FirewallSettings,
    envs: &[&str],
    known: &BTreeSet<String>,
) {
    let name = sink.config.file.name.clone();
    let at = |field: &'static str| -> Vec<&str> {
        let mut p = vec!["firewalls", key];
        if !field.is_empty() {
            p.push(field);
        }
        p
    };
    if let Some(env) = envs.first() {
        let fw_name = firewall_name(name.as_deref(), env, key);
        if let Err(why) = check_firewall_name(&fw_name) {
            sink.push(
                &at(""),
                format!("firewall `{key}` gives the name `{fw_name}`: {why}"),
            );
        }
    }
    sink.roles(&at("roles"), &fw.roles, true, known);
    let outbound: &[OutboundRule] = match &fw.outbound {
        Some(Outbound::Rules(r)) => r,
        Some(Outbound::All(word)) if word != "all" => {
            sink.push(
                &at("outbound"),
                format!("outbound is `all` or a list of rules, not `{word}`"),
            );
            &[]
        }
        _ => &[],
    };
    for (i, rule) in fw.inbound.iter().enumerate() {
        let index = i.to_string();
        let here =
            |field: &'static str| -> Vec<&str> { vec!["firewalls", key, "inbound", &index, field] };
        for (field, m) in rule_problems(
            rule.protocol,
            rule.ports.as_ref(),
            rule.from.as_deref(),
            "from",
        ) {
            sink.push(&here(field), m);
        }
        if rule.from.is_none() && rule.from_roles.is_none() {
            sink.push(
                &here(""),
                "an inbound rule needs `from`, `from_roles` or both".into(),
            );
        }
        if let Some(r) = &rule.from_roles {
            sink.roles(&here("from_roles"), r, false, known);
        }
    }
    for (i, rule) in outbound.iter().enumerate() {
        let index = i.to_string();
        let here = |field: &'static str| -> Vec<&str> {
            vec!["firewalls", key, "outbound", &index, field]
        };
        for (field, m) in
            rule_problems(rule.protocol, rule.ports.as_ref(), rule.to.as_deref(), "to")
        {
            sink.push(&here(field), m);
        }
        if rule.to.is_none() && rule.to_roles.is_none() {
            sink.push(
                &here(""),
                "an outbound rule needs `to`, `to_roles` or both".into(),
            );
        }
        if let Some(r) = &rule.to_roles {
            sink.roles(&here("to_roles"), r, false, known);
        }
    }
    // `all` outbound is three rules: tcp, udp and icmp to anywhere.
    let rules = fw.inbound.len()
        + match &fw.outbound {
            Some(Outbound::Rules(r)) => r.len(),
            _ => 3,
        };
    if rules > MAX_FIREWALL_RULES {
        sink.push(
            &at(""),
            format!("firewall `{key}` has {rules} rules; DigitalOcean allows {MAX_FIREWALL_RULES}"),
        );
    }
    if fw.inbound.is_empty() && matches!(&fw.outbound, Some(Outbound::Rules(r)) if r.is_empty()) {
        sink.push(&at(""), format!("firewall `{key}` has no rules"));
    }
}

fn check_dns(sink: &mut Sink, dns: &DnsSettings, envs: &[&str]) {
    let template = dns.name.as_deref().unwrap_or(DEFAULT_RECORD_NAME);
    if !valid_domain(&dns.domain) {
        sink.push(
            &["dns", "domain"],
            format!("`{}` is not a domain name", dns.domain),
        );
    }
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for env in envs {
        for host in sink.config.desired_hosts(env) {
            let who = format!("`{}` in `{env}`", host.name);
            let problem = match record_name(template, &host.name, env, &host.role) {
                Err(why) => Some(format!("`{template}` for host {who}: {why}")),
                Ok(rel) => seen.insert(rel.clone(), who.clone()).map(|other| format!(
                    "`{template}` gives the record `{rel}` to both {other} and {who}; use {{host}} and {{env}} to tell them apart"
                )),
            };
            if let Some(message) = problem {
                // One is enough: the same template fails the same way for the other hosts.
                sink.push(&["dns", "name"], message);
                return;
            }
        }
    }
}

/// The problems of one rule's protocol, ports and addresses, each with the key it is about.
fn rule_problems(
    protocol: Protocol,
    ports: Option<&Ports>,
    addresses: Option<&[String]>,
    addresses_key: &'static str,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    match (protocol, ports) {
        (Protocol::Icmp, Some(p)) => out.push((
            "ports",
            format!("icmp has no ports; remove `ports: {}`", p.text()),
        )),
        (Protocol::Icmp, None) => {}
        (p, None) => out.push((
            "",
            format!(
                "a {} rule needs `ports` (a port, a range such as 8000-9000, or all)",
                p.as_str()
            ),
        )),
        (_, Some(p)) => {
            if let Err(why) = normalise_ports(&p.text()) {
                out.push(("ports", why));
            }
        }
    }
    for a in addresses.into_iter().flatten() {
        if let Err(why) = normalise_address(a) {
            out.push((addresses_key, why));
        }
    }
    out
}

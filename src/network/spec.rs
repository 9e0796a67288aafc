//! What the config asks of one env's networking, resolved: firewalls as the whole requests the API takes
//! (roles turned into group tags, `all` outbound into its three rules), the DNS domain and record names,
//! the project, and which droplet holds which reserved IP.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::network::{DEFAULT_RECORD_NAME, DEFAULT_TTL, Outbound};
use crate::config::{Config, DesiredHost};
use crate::ownership::net_names::{firewall_name, group_tag, project_name, record_name};
use crate::ownership::net_rules::{normalise_address, normalise_ports};
use crate::provider::firewalls::{FirewallRequest, InboundRule, OutboundRule, RuleTargets};

/// Everywhere, as the `all` outbound rules name it.
const ANYWHERE: [&str; 2] = ["0.0.0.0/0", "::/0"];
pub const DEFAULT_PURPOSE: &str = "Web Application";

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSpec {
    pub env: String,
    pub config_name: Option<String>,
    /// Sorted by name.
    pub firewalls: Vec<FirewallRequest>,
    pub dns: Option<DnsSpec>,
    pub project: Option<ProjectSpec>,
    /// Droplet name -> the reserved IP it should hold.
    pub reserved_ips: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DnsSpec {
    pub domain: String,
    pub ttl: u64,
    pub template: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectSpec {
    pub name: String,
    pub purpose: String,
    pub description: String,
    /// The projects this config names for its other envs: a DNS domain the envs share stays in the one
    /// it is in, rather than moving back and forth with every env's apply.
    pub siblings: Vec<String>,
}

impl NetworkSpec {
    pub fn new(config: &Config, env: &str) -> NetworkSpec {
        let provider = config.provider();
        let hosts = config.desired_hosts(env);
        let name = config.file.name.clone();
        let env_roles: BTreeSet<&str> = hosts.iter().map(|h| h.role.as_str()).collect();
        let tags = |roles: &[String]| -> Vec<String> {
            let roles: BTreeSet<&str> = if roles.iter().any(|r| r == "all") {
                env_roles.clone()
            } else {
                roles.iter().map(String::as_str).collect()
            };
            roles
                .into_iter()
                .map(|r| group_tag(name.as_deref(), env, r))
                .collect()
        };
        let targets = |addresses: &Option<Vec<String>>, roles: &Option<Vec<String>>| RuleTargets {
            addresses: (addresses.iter().flatten())
                .map(|a| normalise_address(a).unwrap_or_else(|_| a.clone()))
                .collect(),
            tags: roles.as_deref().map(&tags).unwrap_or_default(),
            ..RuleTargets::default()
        };
        let ports = |p: &Option<crate::config::network::Ports>| {
            let text = p.as_ref().map_or("0".to_string(), |p| p.text());
            normalise_ports(&text).unwrap_or(text)
        };
        let mut firewalls: Vec<FirewallRequest> = (provider.firewalls.iter().flatten())
            .map(|(key, fw)| FirewallRequest {
                name: firewall_name(name.as_deref(), env, key),
                inbound_rules: (fw.inbound.iter())
                    .map(|r| InboundRule {
                        protocol: r.protocol.as_str().into(),
                        ports: ports(&r.ports),
                        sources: targets(&r.from, &r.from_roles),
                    })
                    .collect(),
                outbound_rules: match &fw.outbound {
                    Some(Outbound::Rules(rules)) => (rules.iter())
                        .map(|r| OutboundRule {
                            protocol: r.protocol.as_str().into(),
                            ports: ports(&r.ports),
                            destinations: targets(&r.to, &r.to_roles),
                        })
                        .collect(),
                    _ => ["tcp", "udp", "icmp"]
                        .iter()
                        .map(|p| OutboundRule {
                            protocol: p.to_string(),
                            ports: "0".into(),
                            destinations: RuleTargets {
                                addresses: ANYWHERE.iter().map(|a| a.to_string()).collect(),
                                ..RuleTargets::default()
                            },
                        })
                        .collect(),
                },
                tags: tags(&fw.roles),
                droplet_ids: Vec::new(),
            })
            .collect();
        firewalls.sort_by(|a, b| a.name.cmp(&b.name));
        NetworkSpec {
            env: env.to_string(),
            config_name: name.clone(),
            firewalls,
            dns: provider.dns.as_ref().map(|d| DnsSpec {
                domain: d.domain.to_ascii_lowercase(),
                ttl: u64::from(d.ttl.unwrap_or(DEFAULT_TTL)),
                template: d.name.clone().unwrap_or_else(|| DEFAULT_RECORD_NAME.into()),
            }),
            project: provider.project.as_ref().map(|p| ProjectSpec {
                name: project_name(&p.name, env),
                purpose: p.purpose.clone().unwrap_or_else(|| DEFAULT_PURPOSE.into()),
                description: p.description.clone().unwrap_or_default(),
                siblings: (config.env_names().into_iter())
                    .filter(|e| *e != env)
                    .map(|e| project_name(&p.name, e))
                    .filter(|n| *n != project_name(&p.name, env))
                    .collect(),
            }),
            reserved_ips: (hosts.iter())
                .filter_map(|h| Some((h.droplet_name.clone(), h.reserved_ip.clone()?)))
                .collect(),
        }
    }

    /// Nothing configured: what a destroy made without the config looks at.
    pub fn none(scope: &crate::ownership::Scope) -> NetworkSpec {
        NetworkSpec {
            env: scope.env.clone(),
            config_name: scope.name.clone(),
            firewalls: Vec::new(),
            dns: None,
            project: None,
            reserved_ips: BTreeMap::new(),
        }
    }

    /// Nothing networking is configured.
    pub fn is_empty(&self) -> bool {
        self.firewalls.is_empty()
            && self.dns.is_none()
            && self.project.is_none()
            && self.reserved_ips.is_empty()
    }

    /// What every firewall name of this env starts with.
    pub fn firewall_prefix(&self) -> String {
        firewall_name(self.config_name.as_deref(), &self.env, "")
    }

    /// The record name of a host (by its config name and role), when DNS is configured and the template
    /// gives one (it was checked when the config was loaded).
    pub fn record_name(&self, host: &str, role: &str) -> Option<String> {
        let dns = self.dns.as_ref()?;
        record_name(&dns.template, host, &self.env, role).ok()
    }

    /// Every group tag the firewalls name (they must exist before a firewall can name them).
    pub fn group_tags(&self) -> BTreeSet<String> {
        let mut tags = BTreeSet::new();
        for fw in &self.firewalls {
            tags.extend(fw.tags.iter().cloned());
            for r in &fw.inbound_rules {
                tags.extend(r.sources.tags.iter().cloned());
            }
            for r in &fw.outbound_rules {
                tags.extend(r.destinations.tags.iter().cloned());
            }
        }
        tags
    }
}

/// The config's host name of a droplet of `env` (`staging-app-1` -> `app-1`).
pub fn host_of<'a>(droplet_name: &'a str, env: &str) -> Option<&'a str> {
    droplet_name.strip_prefix(env)?.strip_prefix('-')
}

/// The desired host of a droplet name, if any.
pub fn desired<'a>(hosts: &'a [DesiredHost], droplet_name: &str) -> Option<&'a DesiredHost> {
    hosts.iter().find(|h| h.droplet_name == droplet_name)
}

//! The GETs an env's networking needs, few whatever the number of hosts: one firewall listing, one
//! record listing of the DNS domain, one project listing (and the resources of ours), one reserved-IP
//! listing. They do not depend on each other and go out together.

use std::collections::BTreeSet;

use super::spec::NetworkSpec;
use crate::provider::account_view::{Project, ReservedIp};
use crate::provider::domains::DomainRecord;
use crate::provider::firewalls::Firewall;
use crate::provider::{Client, ProviderError};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetLive {
    pub firewalls: Vec<Firewall>,
    /// The DNS domain's records; None when no DNS is configured.
    pub records: Option<Vec<DomainRecord>>,
    /// DNS is configured but the account has no such domain.
    pub domain_missing: bool,
    /// The project of that name, when it exists.
    pub project: Option<Project>,
    /// The URNs already in that project.
    pub project_urns: BTreeSet<String>,
    /// The DNS domain is not in that project but in the one of another env of this config: named here.
    pub domain_in_sibling: Option<String>,
    pub reserved_ips: Vec<ReservedIp>,
}

/// What to look at: the firewalls when the config has some or the env's droplets still carry group tags
/// (firewalls of ours may be left to delete).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wants {
    pub firewalls: bool,
    pub records: bool,
    pub project: bool,
    pub reserved_ips: bool,
}

impl Wants {
    pub fn of(spec: &NetworkSpec, grouped_droplets: bool) -> Wants {
        Wants {
            firewalls: !spec.firewalls.is_empty() || grouped_droplets,
            records: spec.dns.is_some(),
            project: spec.project.is_some(),
            reserved_ips: !spec.reserved_ips.is_empty(),
        }
    }

    pub fn any(&self) -> bool {
        self.firewalls || self.records || self.project || self.reserved_ips
    }
}

/// Whether any of the droplets carries a group tag of this config (the env had firewalls).
pub fn grouped(spec: &NetworkSpec, droplets: &[crate::provider::Droplet]) -> bool {
    let prefix = crate::ownership::net_names::group_prefix(spec.config_name.as_deref());
    (droplets.iter()).any(|d| d.tags.iter().any(|t| t.starts_with(&prefix)))
}

/// Reads what `wants` names, in parallel.
pub fn fetch(client: &Client, spec: &NetworkSpec, wants: Wants) -> Result<NetLive, ProviderError> {
    if !wants.any() {
        return Ok(NetLive::default());
    }
    std::thread::scope(|s| {
        let firewalls = s.spawn(|| match wants.firewalls {
            true => client.list_firewalls(),
            false => Ok(Vec::new()),
        });
        let records = s.spawn(|| match (&spec.dns, wants.records) {
            (Some(dns), true) => match client.domain_records(&dns.domain) {
                Ok(r) => Ok((Some(r), false)),
                Err(e) if is_not_found(&e) => Ok((Some(Vec::new()), true)),
                Err(e) => Err(e),
            },
            _ => Ok((None, false)),
        });
        let ips = s.spawn(|| match wants.reserved_ips {
            true => client.reserved_ips(),
            false => Ok(Vec::new()),
        });
        // The project and its resources, one after the other (the second needs the first's id).
        let (project, project_urns, domain_in_sibling) = match (&spec.project, wants.project) {
            (Some(p), true) => {
                let projects = client.projects()?;
                let urns: BTreeSet<String> = match projects.iter().find(|f| f.name == p.name) {
                    Some(found) => (client.project_resources(&found.id)?.into_iter())
                        .map(|r| r.urn)
                        .collect(),
                    None => BTreeSet::new(),
                };
                let domain = spec.dns.as_ref().map(|d| format!("do:domain:{}", d.domain));
                let sibling = match domain {
                    Some(urn) if !urns.contains(&urn) => {
                        holding_sibling(client, &projects, &p.siblings, &urn)?
                    }
                    _ => None,
                };
                let ours = projects.into_iter().find(|f| f.name == p.name);
                (ours, urns, sibling)
            }
            _ => (None, BTreeSet::new(), None),
        };
        let (records, domain_missing) = join(records)?;
        Ok(NetLive {
            firewalls: join(firewalls)?,
            records,
            domain_missing,
            project,
            project_urns,
            domain_in_sibling,
            reserved_ips: join(ips)?,
        })
    })
}

/// The first of this config's other envs' projects (in config order) that holds `urn`: one resource
/// listing per existing sibling project, and only while the domain is not in ours.
fn holding_sibling(
    client: &Client,
    projects: &[Project],
    siblings: &[String],
    urn: &str,
) -> Result<Option<String>, ProviderError> {
    for name in siblings {
        let Some(p) = projects.iter().find(|p| p.name == *name) else {
            continue;
        };
        if (client.project_resources(&p.id)?.iter()).any(|r| r.urn == urn) {
            return Ok(Some(name.clone()));
        }
    }
    Ok(None)
}

fn join<T>(
    h: std::thread::ScopedJoinHandle<'_, Result<T, ProviderError>>,
) -> Result<T, ProviderError> {
    h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
}

/// A listing of a missing domain fails its first page with 404.
fn is_not_found(e: &ProviderError) -> bool {
    e.status() == Some(404)
}

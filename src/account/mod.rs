//! `status --account`: what the account holds beyond this config's droplets (other configs' and unmanaged
//! droplets, domains, projects, firewalls, VPCs, reserved IPs, Functions namespaces), and the droplet
//! name conflicts that would trouble this config.

use std::collections::BTreeMap;

use crate::config::{Config, DesiredHost};
use crate::ownership::names::ENV_TAG_PREFIX;
use crate::ownership::{MANAGED_TAG, env_tag};
use crate::provider::account_view::{Firewall, FunctionsNamespace, Project, ReservedIp, Vpc};
use crate::provider::{Client, Droplet, ProviderError};

/// `stagecraft:name:<name>`: the config identity a droplet was made under, for accounts shared by several
/// configs. Droplets without it belong to an unnamed config.
pub const NAME_TAG_PREFIX: &str = "stagecraft:name:";
/// How many unmanaged droplets are named; the rest are counted.
pub const UNMANAGED_SHOWN: usize = 5;

/// The managed droplets of one config and env.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedGroup {
    /// The config's name tag, None for a config without one.
    pub config: Option<String>,
    pub env: String,
    pub droplets: Vec<String>,
}

/// Droplets no stagecraft config manages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unmanaged {
    pub count: usize,
    /// The first few names, sorted.
    pub first: Vec<String>,
}

/// A name conflict worth a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// A droplet outside the env holds the name a host of this config wants: `apply` will not touch it
    /// and cannot create the host under that name.
    HoldsDesiredName {
        droplet_name: String,
        ids: Vec<u64>,
        env: String,
        host: String,
    },
    /// Several droplets share a name (the API allows it; tools that go by name get confused).
    DuplicateName { name: String, ids: Vec<u64> },
}

/// A domain and how many records it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRow {
    pub name: String,
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccountView {
    pub droplet_total: usize,
    pub groups: Vec<ManagedGroup>,
    pub unmanaged: Unmanaged,
    pub domains: Vec<DomainRow>,
    pub projects: Vec<Project>,
    pub firewalls: Vec<Firewall>,
    pub vpcs: Vec<Vpc>,
    pub reserved_ips: Vec<ReservedIp>,
    pub functions_namespaces: Vec<FunctionsNamespace>,
    pub warnings: Vec<Warning>,
}

/// Reads the account (GETs only) and sorts what it holds against `config`.
pub fn view(client: &Client, config: &Config) -> Result<AccountView, ProviderError> {
    let droplets = client.all_droplets()?;
    let desired: Vec<DesiredHost> = config
        .env_names()
        .iter()
        .flat_map(|env| config.desired_hosts(env))
        .collect();
    let (groups, unmanaged) = group(&droplets);
    let warnings = conflicts(&droplets, &desired);
    let mut domains = Vec::new();
    for domain in client.domains()? {
        let records = client.domain_record_count(&domain.name)?;
        domains.push(DomainRow {
            name: domain.name,
            records,
        });
    }
    Ok(AccountView {
        droplet_total: droplets.len(),
        groups,
        unmanaged,
        domains,
        projects: client.projects()?,
        firewalls: client.firewalls()?,
        vpcs: client.vpcs()?,
        reserved_ips: client.reserved_ips()?,
        functions_namespaces: client.functions_namespaces()?,
        warnings,
    })
}

fn is_managed(d: &Droplet) -> bool {
    d.has_tag(MANAGED_TAG) || d.tags.iter().any(|t| t.starts_with(ENV_TAG_PREFIX))
}

/// Managed droplets by config name and env (sorted), and the unmanaged rest.
pub fn group(droplets: &[Droplet]) -> (Vec<ManagedGroup>, Unmanaged) {
    let mut groups: BTreeMap<(Option<String>, String), Vec<String>> = BTreeMap::new();
    let mut unmanaged: Vec<String> = Vec::new();
    for d in droplets {
        if !is_managed(d) {
            unmanaged.push(d.name.clone());
            continue;
        }
        let tag_value = |prefix: &str| {
            d.tags
                .iter()
                .find_map(|t| t.strip_prefix(prefix))
                .map(str::to_string)
        };
        let config = tag_value(NAME_TAG_PREFIX);
        let env = tag_value(ENV_TAG_PREFIX).unwrap_or_default();
        groups
            .entry((config, env))
            .or_default()
            .push(d.name.clone());
    }
    unmanaged.sort();
    let groups = groups
        .into_iter()
        .map(|((config, env), mut droplets)| {
            droplets.sort();
            ManagedGroup {
                config,
                env,
                droplets,
            }
        })
        .collect();
    let count = unmanaged.len();
    unmanaged.truncate(UNMANAGED_SHOWN);
    (
        groups,
        Unmanaged {
            count,
            first: unmanaged,
        },
    )
}

/// Desired names held outside their env, then names shared by several droplets; each sorted by name.
pub fn conflicts(droplets: &[Droplet], desired: &[DesiredHost]) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for host in desired {
        let mut ids: Vec<u64> = droplets
            .iter()
            .filter(|d| d.name.eq_ignore_ascii_case(&host.droplet_name))
            .filter(|d| !d.has_tag(&env_tag(&host.env)))
            .map(|d| d.id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        ids.sort_unstable();
        warnings.push(Warning::HoldsDesiredName {
            droplet_name: host.droplet_name.clone(),
            ids,
            env: host.env.clone(),
            host: host.name.clone(),
        });
    }
    let mut by_name: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for d in droplets {
        by_name
            .entry(d.name.to_ascii_lowercase())
            .or_default()
            .push(d.id);
    }
    for (name, mut ids) in by_name {
        if ids.len() > 1 {
            ids.sort_unstable();
            warnings.push(Warning::DuplicateName { name, ids });
        }
    }
    warnings
}

#[cfg(test)]
mod tests;

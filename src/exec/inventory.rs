//! `inventory`: the env's hosts and how to reach them, for Ansible, ssh_config, `/etc/hosts` and scripts.
//! Made from one listing of the env (the env tag, every page), never one request per host.

use std::path::PathBuf;

use super::ssh::trust_options;
use super::target::{self, HostProblem};
use super::{ExecContext, ExecError};

/// One reachable host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryHost {
    /// The config's host name (`app-1`).
    pub name: String,
    pub droplet_name: String,
    pub droplet_id: u64,
    pub role: String,
    /// The address connected to: public, or private with `--private`.
    pub address: String,
    pub public_ipv4: Option<String>,
    pub private_ipv4: Option<String>,
    pub region: String,
    pub size: String,
    pub tags: Vec<String>,
    pub user: String,
    pub port: u16,
    pub identity_file: Option<PathBuf>,
    /// The ssh options that pin the host key, as `exec` uses them: `(option, value)`.
    pub trust: Vec<(&'static str, String)>,
}

/// The env's hosts, in the config's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    pub env: String,
    pub private: bool,
    pub known_hosts: PathBuf,
    pub hosts: Vec<InventoryHost>,
    /// Hosts of the config that cannot be reached now, and why; left out of `hosts`.
    pub missing: Vec<HostProblem>,
}

/// Lists the env once and matches every host of the config to its droplet.
pub fn inventory(ctx: &ExecContext<'_>, private: bool) -> Result<Inventory, ExecError> {
    let desired = ctx.config.desired_hosts(ctx.env);
    // Absolute, since the other tools may run from another directory than this command.
    let absolute = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
    let known_hosts = absolute(ctx.data_dir.join("known_hosts"));
    let live = if desired.is_empty() {
        Vec::new()
    } else {
        crate::plan::live(ctx.client, &ctx.config.scope(ctx.env))?.ours
    };
    let mut hosts = Vec::new();
    let mut missing = Vec::new();
    for host in &desired {
        let dest = match target::locate_one(host, &live, private) {
            Ok(dest) => dest,
            Err(problem) => {
                missing.push(problem);
                continue;
            }
        };
        let Some(droplet) = live.iter().find(|d| d.id == dest.droplet_id) else {
            continue;
        };
        hosts.push(InventoryHost {
            trust: trust_options(&known_hosts, &dest.host_key_alias()),
            name: dest.name,
            droplet_name: dest.droplet_name,
            droplet_id: dest.droplet_id,
            role: host.role.clone(),
            address: dest.address,
            public_ipv4: droplet.public_ipv4().map(str::to_string),
            private_ipv4: droplet.private_ipv4().map(str::to_string),
            region: droplet.region.slug.clone(),
            size: droplet.size_slug.clone(),
            tags: droplet.tags.clone(),
            user: dest.ssh.user,
            port: dest.ssh.port,
            identity_file: dest.ssh.identity_file.map(absolute),
        });
    }
    Ok(Inventory {
        env: ctx.env.to_string(),
        private,
        known_hosts,
        hosts,
        missing,
    })
}

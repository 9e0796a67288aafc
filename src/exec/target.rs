//! From TARGET (a host, a role or all) to SSH destinations: desired hosts matched to their managed droplets.

use std::fmt;

use crate::config::schema_check::did_you_mean;
use crate::config::{DesiredHost, SshTarget};
use crate::provider::{Droplet, DropletStatus};

/// Which hosts of the env a command runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// One host, by its config name (`app-1`) or its droplet name (`staging-app-1`).
    Host(String),
    Role(String),
    All,
}

/// Where one host is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The config's host name, used as the output prefix.
    pub name: String,
    pub droplet_name: String,
    pub droplet_id: u64,
    pub address: String,
    pub ssh: SshTarget,
}

impl Destination {
    /// The name the host key is filed under in stagecraft's known_hosts. Tied to the droplet, not to its
    /// address: DigitalOcean reuses addresses, and a new droplet on an old address is not a changed key.
    pub fn host_key_alias(&self) -> String {
        format!("stagecraft-droplet-{}", self.droplet_id)
    }
}

/// Why a selection names no host at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("unknown host `{host}` in env `{env}`{}; its hosts are: {}", hint(suggestion), known.join(", "))]
    UnknownHost {
        host: String,
        env: String,
        known: Vec<String>,
        suggestion: Option<String>,
    },
    #[error("no host in env `{env}` has role `{role}`{}; its roles are: {}", hint(suggestion), roles.join(", "))]
    UnknownRole {
        role: String,
        env: String,
        roles: Vec<String>,
        suggestion: Option<String>,
    },
    #[error("env `{env}` defines no hosts")]
    NoHosts { env: String },
}

fn hint(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// Why one selected host cannot be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostProblem {
    /// No managed droplet of that name in the env.
    NoDroplet { host: String, droplet_name: String },
    /// A droplet of that name exists but lacks the env tag: stagecraft does not touch it.
    NotManaged {
        host: String,
        droplet_name: String,
        ids: Vec<u64>,
        env_tag: String,
    },
    Duplicate {
        host: String,
        droplet_name: String,
        ids: Vec<u64>,
    },
    NotActive {
        host: String,
        droplet_name: String,
        status: String,
    },
    NoAddress {
        host: String,
        droplet_name: String,
        id: u64,
        private: bool,
    },
}

impl fmt::Display for HostProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = |ids: &[u64]| {
            ids.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            HostProblem::NoDroplet { host, droplet_name } => write!(
                f,
                "{host}: no managed droplet `{droplet_name}` exists; create it with `stagecraft apply`"
            ),
            HostProblem::NotManaged {
                host,
                droplet_name,
                ids: list,
                env_tag,
            } => write!(
                f,
                "{host}: droplet `{droplet_name}` (id {}) is not managed by stagecraft (it lacks the tag `{env_tag}`); refusing to run on it",
                ids(list)
            ),
            HostProblem::Duplicate {
                host,
                droplet_name,
                ids: list,
            } => write!(
                f,
                "{host}: {} managed droplets are named `{droplet_name}` (ids {}); delete the extra ones first",
                list.len(),
                ids(list)
            ),
            HostProblem::NotActive {
                host,
                droplet_name,
                status,
            } => write!(
                f,
                "{host}: droplet `{droplet_name}` is `{status}`, not `active`"
            ),
            HostProblem::NoAddress {
                host,
                droplet_name,
                id,
                private,
            } => {
                let (kind, other) = if *private {
                    ("private", "drop --private to use the public one")
                } else {
                    ("public", "try --private for the private one")
                };
                write!(
                    f,
                    "{host}: droplet `{droplet_name}` (id {id}) has no {kind} IPv4 address ({other})"
                )
            }
        }
    }
}

impl HostProblem {
    pub fn host(&self) -> &str {
        match self {
            HostProblem::NoDroplet { host, .. }
            | HostProblem::NotManaged { host, .. }
            | HostProblem::Duplicate { host, .. }
            | HostProblem::NotActive { host, .. }
            | HostProblem::NoAddress { host, .. } => host,
        }
    }
}

/// The desired hosts `selection` names, in the config's order (sorted by droplet name).
pub fn select<'a>(
    desired: &'a [DesiredHost],
    env: &str,
    selection: &Selection,
) -> Result<Vec<&'a DesiredHost>, SelectError> {
    if desired.is_empty() {
        return Err(SelectError::NoHosts { env: env.into() });
    }
    match selection {
        Selection::All => Ok(desired.iter().collect()),
        Selection::Host(wanted) => {
            let found: Vec<&DesiredHost> = desired
                .iter()
                .filter(|h| &h.name == wanted || &h.droplet_name == wanted)
                .collect();
            if found.is_empty() {
                let names: Vec<&str> = desired.iter().map(|h| h.name.as_str()).collect();
                return Err(SelectError::UnknownHost {
                    host: wanted.clone(),
                    env: env.into(),
                    suggestion: did_you_mean(wanted, &names).map(String::from),
                    known: names.into_iter().map(String::from).collect(),
                });
            }
            Ok(found)
        }
        Selection::Role(role) => {
            let found: Vec<&DesiredHost> = desired.iter().filter(|h| &h.role == role).collect();
            if found.is_empty() {
                let mut roles: Vec<&str> = desired.iter().map(|h| h.role.as_str()).collect();
                roles.sort_unstable();
                roles.dedup();
                return Err(SelectError::UnknownRole {
                    role: role.clone(),
                    env: env.into(),
                    suggestion: did_you_mean(role, &roles).map(String::from),
                    roles: roles.into_iter().map(String::from).collect(),
                });
            }
            Ok(found)
        }
    }
}

/// Matches each host to the one managed droplet of its name and picks its address; every problem is
/// reported, so a fan-out either runs everywhere it was asked to or nowhere.
pub fn locate(
    hosts: &[&DesiredHost],
    live: &[Droplet],
    private: bool,
) -> Result<Vec<Destination>, Vec<HostProblem>> {
    let (found, problems): (Vec<_>, Vec<_>) = hosts
        .iter()
        .map(|host| locate_one(host, live, private))
        .partition(Result::is_ok);
    if problems.is_empty() {
        Ok(found.into_iter().flatten().collect())
    } else {
        Err(problems.into_iter().filter_map(Result::err).collect())
    }
}

/// One host's destination, or why it has none.
pub fn locate_one(
    host: &DesiredHost,
    live: &[Droplet],
    private: bool,
) -> Result<Destination, HostProblem> {
    let (name, droplet_name) = (host.name.clone(), host.droplet_name.clone());
    let matching: Vec<&Droplet> = live
        .iter()
        .filter(|d| d.name == host.droplet_name)
        .collect();
    let droplet = match matching.as_slice() {
        [] => {
            return Err(HostProblem::NoDroplet {
                host: name,
                droplet_name,
            });
        }
        [one] => *one,
        many => {
            return Err(HostProblem::Duplicate {
                host: name,
                droplet_name,
                ids: many.iter().map(|d| d.id).collect(),
            });
        }
    };
    if droplet.status != DropletStatus::Active {
        return Err(HostProblem::NotActive {
            host: name,
            droplet_name,
            status: droplet.status.to_string(),
        });
    }
    let address = if private {
        droplet.private_ipv4()
    } else {
        droplet.public_ipv4()
    };
    let Some(address) = address.filter(|a| !a.is_empty()) else {
        return Err(HostProblem::NoAddress {
            host: name,
            droplet_name,
            id: droplet.id,
            private,
        });
    };
    Ok(Destination {
        name,
        droplet_name,
        droplet_id: droplet.id,
        address: address.to_string(),
        ssh: host.ssh.clone(),
    })
}

#[cfg(test)]
mod tests;

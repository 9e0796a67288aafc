//! The networking part of a plan as data: its entries (with a `kind`, in apply order) and the conflicts
//! that stop it. `plan::model` re-exports them beside the droplet entries.

use serde::{Deserialize, Serialize};

/// One networking change of a plan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NetEntry {
    pub kind: NetKind,
    pub action: NetAction,
    /// The firewall's name, the record's name relative to the domain and its type (`app-1.staging A`),
    /// the project's name, or the reserved IP.
    pub name: String,
    /// The live object acted on (firewall id, record id), for updates and deletes.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
    /// What changes, in a few words (`-> 203.0.113.5`, `tags +stagecraft:group:staging:db`).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub detail: String,
}

/// In apply order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetKind {
    Project,
    Firewall,
    Record,
    ReservedIp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetAction {
    Create,
    Update,
    /// A resource into the project, or a reserved IP onto a droplet.
    Assign,
    /// From another project, or a reserved IP from one of the env's droplets to another.
    Move,
    Delete,
}

impl NetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NetKind::Project => "project",
            NetKind::Firewall => "firewall",
            NetKind::Record => "record",
            NetKind::ReservedIp => "reserved_ip",
        }
    }
}

impl NetAction {
    pub fn as_str(self) -> &'static str {
        match self {
            NetAction::Create => "create",
            NetAction::Update => "update",
            NetAction::Assign => "assign",
            NetAction::Move => "move",
            NetAction::Delete => "delete",
        }
    }
}

/// Something with one of our names that is not provably ours: never touched, only reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum NetConflict {
    /// A firewall with one of our names that does not target only our group tags.
    Firewall { name: String, id: String },
    /// A record with one of our names pointing at an address none of the env's droplets holds.
    Record {
        domain: String,
        name: String,
        id: u64,
        data: String,
    },
    /// A reserved IP the config gives a host is held by a droplet that is not this env's.
    ReservedIp { ip: String, droplet_id: u64 },
}

impl NetConflict {
    /// What it is about, for a report.
    pub fn kind(&self) -> NetKind {
        match self {
            NetConflict::Firewall { .. } => NetKind::Firewall,
            NetConflict::Record { .. } => NetKind::Record,
            NetConflict::ReservedIp { .. } => NetKind::ReservedIp,
        }
    }

    /// What the conflicts are sorted by.
    pub fn key(&self) -> &str {
        match self {
            NetConflict::Firewall { name, .. } | NetConflict::Record { name, .. } => name,
            NetConflict::ReservedIp { ip, .. } => ip,
        }
    }
}

impl std::fmt::Display for NetConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetConflict::Firewall { name, id } => write!(
                f,
                "firewall `{name}` (id {id}) has the name stagecraft derives but also applies to droplets or tags that are not this env's; stagecraft never touches it: rename or delete it yourself, or rename the firewall's key"
            ),
            NetConflict::Record {
                domain,
                name,
                id,
                data,
            } => write!(
                f,
                "DNS record `{name}.{domain}` (id {id}) points at {data}, an address none of this env's droplets holds; stagecraft never touches it: delete it yourself, or change `dns.name`"
            ),
            NetConflict::ReservedIp { ip, droplet_id } => write!(
                f,
                "reserved IP {ip} is assigned to droplet {droplet_id}, which is not one of this env's; stagecraft never takes it: unassign it yourself, or give the host another address"
            ),
        }
    }
}

//! The plan as data: what `apply` would do, stable enough to save, print as JSON and compare.

use serde::{Deserialize, Serialize};

pub use crate::network::model::{NetAction, NetConflict, NetEntry, NetKind};

/// Bumped whenever the JSON shape changes incompatibly.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub env: String,
    pub to_create: Vec<Entry>,
    pub to_delete: Vec<Entry>,
    pub to_update: Vec<Entry>,
    pub to_replace: Vec<Entry>,
    /// Droplets tagged into the env without stagecraft's hash tags (by hand, or `stagecraft adopt`): taken
    /// under management in place; what cannot be seen on them is recorded, not compared.
    #[serde(default)]
    pub to_adopt: Vec<Entry>,
    /// Droplet names already as desired.
    pub unchanged: Vec<String>,
    /// Firewalls, DNS records, project assignments and reserved-IP moves, sorted in apply order (project,
    /// firewalls, records, reserved IPs), then by name. Absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network: Vec<NetEntry>,
    pub cost: Cost,
    /// Hash of the live managed droplets the plan was made against; a saved plan is refused when it moved.
    pub live_fingerprint: String,
    /// Hash of the desired hosts; a saved plan is refused when the config changed.
    pub config_fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Host name in the config (for deletes of hosts no longer in the config: the name after `{env}-`).
    pub name: String,
    pub droplet_name: String,
    pub role: String,
    pub size: String,
    pub region: String,
    pub image: String,
    /// The live droplet this entry acts on (deletes, updates, replaces).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub droplet_id: Option<u64>,
    /// What differs, for updates, adoptions and replaces.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub changes: Vec<Change>,
    /// The droplet carries the protect tag: this delete or replacement is blocked.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub protected: bool,
    /// A delete of a second droplet with this name: the one kept (the oldest) has this id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub duplicate_of: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub from: String,
    pub to: String,
    pub effect: Effect,
}

/// What applying a change does to the droplet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Changed on the running droplet (an action or a tag).
    InPlace,
    /// The API cannot change it: a new droplet replaces this one.
    Replace,
    /// Only recorded: it matters to droplets created from now on (SSH keys).
    NewDropletsOnly,
}

/// Monthly prices from `/v2/sizes`, in USD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Cost {
    pub current_monthly_usd: f64,
    pub planned_monthly_usd: f64,
    pub delta_monthly_usd: f64,
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.has_droplet_changes() || !self.network.is_empty()
    }

    /// Changes to droplets, networking left aside.
    pub fn has_droplet_changes(&self) -> bool {
        !(self.to_create.is_empty()
            && self.to_delete.is_empty()
            && self.to_update.is_empty()
            && self.to_replace.is_empty()
            && self.to_adopt.is_empty())
    }

    /// Deletes and replacements of protected droplets: while there is one, nothing is applied.
    pub fn blocked(&self) -> Vec<&Entry> {
        let mut blocked: Vec<&Entry> = (self.to_delete.iter())
            .chain(&self.to_replace)
            .filter(|e| e.protected)
            .collect();
        blocked.sort_by(|a, b| crate::natural::cmp(&a.droplet_name, &b.droplet_name));
        blocked
    }
}

/// Why a plan cannot be made: the live state is ambiguous or not ours to touch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Conflict {
    /// A droplet carries a desired name but not stagecraft's env tag: never touched, only reported.
    Unmanaged { droplet_name: String, ids: Vec<u64> },
    /// A droplet of the env holding a desired name belongs to another config (`name:`): never touched.
    OtherConfig {
        droplet_name: String,
        ids: Vec<u64>,
        config: String,
    },
    /// A firewall, record or reserved IP with one of our names that is not provably ours.
    Network(NetConflict),
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids = |ids: &[u64]| {
            ids.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Conflict::Unmanaged {
                droplet_name,
                ids: list,
            } => write!(
                f,
                "droplet `{droplet_name}` (id {}) exists but is not managed by stagecraft (no env tag); rename or delete it yourself, or rename the host",
                ids(list)
            ),
            Conflict::OtherConfig {
                droplet_name,
                ids: list,
                config,
            } => write!(
                f,
                "droplet `{droplet_name}` (id {}) belongs to another config, `{config}` (its stagecraft:name tag), in this env; give this config's host another name, or use another env",
                ids(list)
            ),
            Conflict::Network(c) => c.fmt(f),
        }
    }
}

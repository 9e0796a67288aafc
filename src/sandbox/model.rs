//! The account's resources as stored (and persisted to the state file); rendering lives in render.rs.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Droplet `status` values (`models/droplet.yml`).
pub const STATUS_NEW: &str = "new";
pub const STATUS_ACTIVE: &str = "active";
pub const STATUS_OFF: &str = "off";

/// A backup window runs from midnight to 23:00 UTC, the span the API's examples show.
pub const BACKUP_WINDOW_MS: i64 = 23 * 3_600_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Droplet {
    pub id: u64,
    pub name: String,
    pub region: String,
    pub size: String,
    /// Disk in GB; only a resize with `disk: true` changes it.
    pub disk: u32,
    pub image: u64,
    /// Stored exactly as given at create.
    pub tags: Vec<String>,
    pub status: String,
    pub locked: bool,
    pub created_ms: i64,
    pub ipv6: bool,
    pub backups: bool,
    pub monitoring: bool,
    pub vpc_uuid: String,
    pub ssh_keys: Vec<u64>,
    /// Index used to derive this droplet's addresses (stable across renames and reloads).
    pub net_index: u64,
    /// Addresses are assigned when the droplet first becomes active.
    pub networked: bool,
    /// Ids of the backups taken so far (oldest first). Absent from state files of older builds.
    #[serde(default)]
    pub backup_ids: Vec<u64>,
    /// Start of the next backup window while backups are on. Absent from older state files.
    #[serde(default)]
    pub next_backup_ms: Option<i64>,
    /// Cached JSON rendering; cleared on every change. Never persisted.
    #[serde(skip)]
    pub rendered: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Action {
    pub id: u64,
    pub kind: String,
    /// `in-progress` | `completed` | `errored`.
    pub status: String,
    pub started_ms: i64,
    pub completed_ms: Option<i64>,
    /// When the sandbox clock completes it.
    pub due_ms: i64,
    pub resource_id: u64,
    pub region: String,
    /// Type-specific arguments (e.g. `size`, `disk`, `name`).
    pub params: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SshKey {
    pub id: u64,
    pub name: String,
    pub public_key: String,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Domain {
    pub name: String,
    pub ttl: u32,
    pub records: Vec<Value>,
}

/// Everything that survives a restart when a state file is configured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Data {
    /// `/_sandbox/advance` offset added to real time.
    pub clock_offset_ms: i64,
    pub next_droplet_id: u64,
    pub next_action_id: u64,
    pub next_key_id: u64,
    pub next_record_id: u64,
    /// Counter for generated UUIDs (VPCs, firewalls, databases, ...).
    pub next_uuid: u64,
    pub next_net_index: u64,
    /// Counter for backup image ids; absent from state files of older builds.
    #[serde(default = "first_backup_id")]
    pub next_backup_id: u64,
    pub droplets: BTreeMap<u64, Droplet>,
    pub actions: BTreeMap<u64, Action>,
    pub ssh_keys: BTreeMap<u64, SshKey>,
    /// Tag registry: tags exist independently of the resources carrying them.
    pub tags: BTreeSet<String>,
    pub firewalls: Vec<Value>,
    pub databases: Vec<Value>,
    pub vpcs: Vec<Value>,
    pub domains: Vec<Domain>,
    pub projects: Vec<Value>,
    pub load_balancers: Vec<Value>,
    /// Absent from state files of older builds.
    #[serde(default)]
    pub functions_namespaces: Vec<Value>,
    #[serde(default)]
    pub reserved_ips: Vec<Value>,
    /// Firewall id -> when its pending change completes (`waiting` until then).
    #[serde(default)]
    pub firewall_due: BTreeMap<String, i64>,
    /// Resource URN -> the project it was assigned to; a URN not here is in the default project.
    #[serde(default)]
    pub project_of: BTreeMap<String, Assignment>,
}

/// A resource's explicit project assignment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assignment {
    pub project: String,
    pub at_ms: i64,
}

impl Data {
    /// An empty account with its id counters at realistic magnitudes.
    pub fn empty() -> Data {
        Data {
            next_droplet_id: 400_000_001,
            next_action_id: 2_100_000_001,
            next_key_id: 41_000_001,
            next_record_id: 28_448_429,
            next_backup_id: first_backup_id(),
            ..Data::default()
        }
    }
}

/// Backup ids start at a realistic image-id magnitude, apart from every other counter.
fn first_backup_id() -> u64 {
    53_893_572
}

//! The account state with its indexes: what the droplets, keys and tags are now, and the lookups the
//! endpoints need. The operations that change droplets live in `droplets.rs`, `actions.rs` and
//! `backups.rs`; the typed requests and refusals in `requests.rs`.

mod actions;
mod backups;
mod domains;
mod droplets;
mod firewall_rules;
pub mod firewalls;
pub mod net_requests;
mod projects;
mod requests;
mod reserved_ips;

use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;
use std::path::Path;

pub use net_requests::{
    FirewallPart, FirewallSpec, IpAction, NetError, ProjectSpec, RecordSpec, Rule, Targets,
};
pub use requests::{ActionError, CreateSpec, DropletAction, KeyError};

use super::catalogue;
use super::fingerprint::ssh_fingerprint;
use super::model::{Data, SshKey};
use super::seed;

/// Settings of the running sandbox that state operations need.
#[derive(Debug, Clone)]
pub struct Settings {
    pub boot_ms: i64,
    /// How long a droplet action runs (one knob with the boot time, so tests tune a single value).
    pub action_ms: i64,
    pub public_ip: Option<Ipv4Addr>,
}

pub struct State {
    pub data: Data,
    pub settings: Settings,
    /// tag -> droplet ids (exact, case-sensitive tag).
    by_tag: HashMap<String, BTreeSet<u64>>,
    /// lower-cased name -> droplet ids.
    by_name: HashMap<String, BTreeSet<u64>>,
    /// Droplets with a GPU size: hidden from the default listing.
    gpu_ids: BTreeSet<u64>,
    /// (due_ms, action id) of actions still in progress.
    pending: BTreeSet<(i64, u64)>,
    /// (end of the next backup window, droplet id) of droplets with backups on.
    backups_due: BTreeSet<(i64, u64)>,
}

impl State {
    pub fn new(data: Data, settings: Settings) -> State {
        let mut s = State {
            data,
            settings,
            by_tag: HashMap::new(),
            by_name: HashMap::new(),
            gpu_ids: BTreeSet::new(),
            pending: BTreeSet::new(),
            backups_due: BTreeSet::new(),
        };
        s.reindex();
        s
    }

    /// A fresh account: catalogue-backed defaults (one default VPC per region, the default project).
    pub fn fresh(settings: Settings, now_ms: i64) -> State {
        let mut data = Data::empty();
        seed::defaults(&mut data, now_ms);
        State::new(data, settings)
    }

    fn reindex(&mut self) {
        self.by_tag.clear();
        self.by_name.clear();
        self.gpu_ids.clear();
        self.pending.clear();
        self.backups_due.clear();
        let ids: Vec<u64> = self.data.droplets.keys().copied().collect();
        for id in ids {
            self.index_droplet(id);
            self.schedule_backups(id);
        }
        for a in self.data.actions.values() {
            if a.status == "in-progress" {
                self.pending.insert((a.due_ms, a.id));
            }
        }
    }

    fn index_droplet(&mut self, id: u64) {
        let Some(d) = self.data.droplets.get(&id) else {
            return;
        };
        for t in &d.tags {
            self.by_tag.entry(t.clone()).or_default().insert(id);
        }
        self.by_name
            .entry(d.name.to_ascii_lowercase())
            .or_default()
            .insert(id);
        if catalogue::size(&d.size).and_then(|s| s.gpu).is_some() {
            self.gpu_ids.insert(id);
        }
    }

    fn unindex_droplet(&mut self, id: u64) {
        let Some(d) = self.data.droplets.get(&id) else {
            return;
        };
        for t in &d.tags {
            if let Some(set) = self.by_tag.get_mut(t) {
                set.remove(&id);
            }
        }
        if let Some(set) = self.by_name.get_mut(&d.name.to_ascii_lowercase()) {
            set.remove(&id);
        }
        self.gpu_ids.remove(&id);
    }

    /// Serializes the persisted part.
    pub fn to_json_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&self.data)
    }

    /// Writes the state atomically: a temporary file beside it, then a rename, so a crash mid-write
    /// never leaves a half-written state file behind.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let bytes = self.to_json_bytes().map_err(std::io::Error::other)?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path)
    }

    pub fn now_ms(&self) -> i64 {
        super::clock::real_now_ms() + self.data.clock_offset_ms
    }

    /// Ids of droplets carrying `tag`, in id (creation) order.
    pub fn droplet_ids_by_tag(&self, tag: &str) -> Option<&BTreeSet<u64>> {
        self.by_tag.get(tag)
    }

    pub fn droplet_ids_by_name(&self, name: &str) -> Option<&BTreeSet<u64>> {
        self.by_name.get(&name.to_ascii_lowercase())
    }

    pub fn gpu_ids(&self) -> &BTreeSet<u64> {
        &self.gpu_ids
    }

    pub fn is_gpu(&self, id: u64) -> bool {
        self.gpu_ids.contains(&id)
    }

    pub fn has_droplet(&self, id: u64) -> bool {
        self.data.droplets.contains_key(&id)
    }

    pub fn tag_droplet_count(&self, tag: &str) -> (usize, Option<u64>) {
        match self.by_tag.get(tag) {
            Some(set) => (set.len(), set.iter().next_back().copied()),
            None => (0, None),
        }
    }

    /// An SSH key by integer id or fingerprint (the API accepts either wherever a key is named).
    pub fn find_key(&self, ident: &str) -> Option<&SshKey> {
        match ident.parse::<u64>() {
            Ok(id) => self.data.ssh_keys.get(&id),
            Err(_) => self.data.ssh_keys.values().find(|k| k.fingerprint == ident),
        }
    }

    /// Completes every action and takes every backup whose time has come. Time only moves when a
    /// request looks at the state, so there is no timer thread to race with.
    pub fn settle(&mut self, now_ms: i64) {
        while let Some(&(due, id)) = self.pending.iter().next() {
            if due > now_ms {
                break;
            }
            self.pending.remove(&(due, id));
            self.complete_action(id, due);
        }
        self.take_backups(now_ms);
        self.settle_firewalls(now_ms);
    }

    pub fn add_key(&mut self, name: &str, public_key: &str) -> Result<u64, KeyError> {
        let fingerprint = ssh_fingerprint(public_key);
        if self
            .data
            .ssh_keys
            .values()
            .any(|k| k.fingerprint == fingerprint)
        {
            return Err(KeyError::InUse);
        }
        let id = self.data.next_key_id;
        self.data.next_key_id += 1;
        self.data.ssh_keys.insert(
            id,
            SshKey {
                id,
                name: name.into(),
                public_key: public_key.trim().into(),
                fingerprint,
            },
        );
        Ok(id)
    }

    /// The default VPC id of a region.
    pub fn default_vpc(&self, region: &str) -> Option<String> {
        self.data
            .vpcs
            .iter()
            .find(|v| v["region"] == region && v["default"] == true)
            .and_then(|v| v["id"].as_str().map(str::to_string))
    }

    /// Resets to an empty account (catalogue defaults only); the clock offset is kept so a test's
    /// advanced clock does not jump back.
    pub fn reset(&mut self, now_ms: i64) {
        let offset = self.data.clock_offset_ms;
        let mut data = Data::empty();
        data.clock_offset_ms = offset;
        seed::defaults(&mut data, now_ms);
        self.data = data;
        self.reindex();
    }
}

#[cfg(test)]
mod tests;

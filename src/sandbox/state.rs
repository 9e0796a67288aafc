//! The account state with its indexes, and the operations that change it (create, delete, actions,
//! the clock settling pending actions). HTTP concerns stay in api.rs.

use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;
use std::path::Path;

use serde_json::{Value, json};

use super::catalogue;
use super::error::ApiError;
use super::fingerprint::ssh_fingerprint;
use super::model::{Action, Data, Droplet, STATUS_ACTIVE, STATUS_NEW, STATUS_OFF, SshKey};
use super::seed;

/// Settings of the running sandbox that state operations need.
#[derive(Debug, Clone)]
pub struct Settings {
    pub boot_ms: i64,
    /// How long a droplet action runs (documented: the same as the boot time).
    pub action_ms: i64,
    pub public_ip: Option<Ipv4Addr>,
}

/// Validated arguments to create droplets.
#[derive(Debug, Clone)]
pub struct CreateSpec {
    pub names: Vec<String>,
    pub region: String,
    pub size: String,
    pub image: u64,
    pub tags: Vec<String>,
    pub ipv6: bool,
    pub backups: bool,
    pub monitoring: bool,
    pub vpc_uuid: String,
    pub ssh_keys: Vec<u64>,
    /// Seeding creates droplets already in their final status, without waiting for boot.
    pub initial_status: Option<String>,
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
        let ids: Vec<u64> = self.data.droplets.keys().copied().collect();
        for id in ids {
            self.index_droplet(id);
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

    /// Writes the state atomically: a temporary file beside it, then a rename.
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

    // ----- queries -------------------------------------------------------------------------------

    /// Ids of droplets matching the list filters, in id (creation) order.
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

    pub fn tag_droplet_count(&self, tag: &str) -> (usize, Option<u64>) {
        match self.by_tag.get(tag) {
            Some(set) => (set.len(), set.iter().next_back().copied()),
            None => (0, None),
        }
    }

    /// An SSH key by integer id or fingerprint.
    pub fn find_key(&self, ident: &str) -> Option<&SshKey> {
        match ident.parse::<u64>() {
            Ok(id) => self.data.ssh_keys.get(&id),
            Err(_) => self.data.ssh_keys.values().find(|k| k.fingerprint == ident),
        }
    }

    // ----- clock ---------------------------------------------------------------------------------

    /// Completes every action whose time has come and applies its effect.
    pub fn settle(&mut self, now_ms: i64) {
        while let Some(&(due, id)) = self.pending.iter().next() {
            if due > now_ms {
                break;
            }
            self.pending.remove(&(due, id));
            self.complete_action(id, due);
        }
    }

    fn complete_action(&mut self, action_id: u64, at_ms: i64) {
        let Some(action) = self.data.actions.get_mut(&action_id) else {
            return;
        };
        action.status = "completed".into();
        action.completed_ms = Some(at_ms);
        let action = action.clone();
        let droplet_id = action.resource_id;
        if !self.data.droplets.contains_key(&droplet_id) {
            return;
        }
        // Renames and resizes change indexed fields: unindex first, reindex after.
        self.unindex_droplet(droplet_id);
        let Some(d) = self.data.droplets.get_mut(&droplet_id) else {
            return;
        };
        match action.kind.as_str() {
            "create" | "power_on" | "reboot" | "power_cycle" => {
                d.status = STATUS_ACTIVE.into();
                d.networked = true;
            }
            "power_off" | "shutdown" => d.status = STATUS_OFF.into(),
            "resize" => {
                if let Some(size) = action.params["size"].as_str().and_then(catalogue::size) {
                    d.size = size.slug.into();
                    if action.params["disk"].as_bool().unwrap_or(false) {
                        d.disk = size.disk;
                    }
                }
            }
            "rename" => {
                if let Some(name) = action.params["name"].as_str() {
                    d.name = name.to_string();
                }
            }
            "enable_ipv6" => d.ipv6 = true,
            "enable_backups" => d.backups = true,
            "disable_backups" => d.backups = false,
            _ => {}
        }
        d.locked = false;
        d.rendered = None;
        self.index_droplet(droplet_id);
    }

    // ----- droplets ------------------------------------------------------------------------------

    /// Creates droplets (already validated) and their `create` actions; returns (droplet, action) ids.
    pub fn create_droplets(&mut self, spec: &CreateSpec, now_ms: i64) -> Vec<(u64, u64)> {
        let mut out = Vec::with_capacity(spec.names.len());
        let disk = catalogue::size(&spec.size).map(|s| s.disk).unwrap_or(25);
        for name in &spec.names {
            let id = self.data.next_droplet_id;
            self.data.next_droplet_id += 1;
            let net_index = self.data.next_net_index;
            self.data.next_net_index += 1;
            let status = spec
                .initial_status
                .clone()
                .unwrap_or_else(|| STATUS_NEW.into());
            let networked = status != STATUS_NEW;
            let created_ms = now_ms;
            let droplet = Droplet {
                id,
                name: name.clone(),
                region: spec.region.clone(),
                size: spec.size.clone(),
                disk,
                image: spec.image,
                tags: spec.tags.clone(),
                status: status.clone(),
                locked: false,
                created_ms,
                ipv6: spec.ipv6,
                backups: spec.backups,
                monitoring: spec.monitoring,
                vpc_uuid: spec.vpc_uuid.clone(),
                ssh_keys: spec.ssh_keys.clone(),
                net_index,
                networked,
                rendered: None,
            };
            self.data.droplets.insert(id, droplet);
            self.index_droplet(id);
            for t in &spec.tags {
                if !self.data.tags.contains(t) {
                    self.data.tags.insert(t.clone());
                }
            }
            let (due, done) = if status == STATUS_NEW {
                (now_ms + self.settings.boot_ms, false)
            } else {
                (now_ms, true)
            };
            let action_id =
                self.new_action("create", id, &spec.region, now_ms, due, Value::Null, done);
            out.push((id, action_id));
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn new_action(
        &mut self,
        kind: &str,
        resource_id: u64,
        region: &str,
        now_ms: i64,
        due_ms: i64,
        params: Value,
        done: bool,
    ) -> u64 {
        let id = self.data.next_action_id;
        self.data.next_action_id += 1;
        self.data.actions.insert(
            id,
            Action {
                id,
                kind: kind.into(),
                status: if done { "completed" } else { "in-progress" }.into(),
                started_ms: now_ms,
                completed_ms: done.then_some(now_ms),
                due_ms,
                resource_id,
                region: region.into(),
                params,
            },
        );
        if !done {
            self.pending.insert((due_ms, id));
        }
        id
    }

    /// Deletes one droplet; false if it does not exist.
    pub fn delete_droplet(&mut self, id: u64) -> bool {
        if !self.data.droplets.contains_key(&id) {
            return false;
        }
        self.unindex_droplet(id);
        self.data.droplets.remove(&id);
        true
    }

    /// Adds `tag` to (or removes it from) each droplet of `ids` that exists.
    pub fn retag_droplets(&mut self, tag: &str, ids: &[u64], add: bool) {
        for &id in ids {
            self.unindex_droplet(id);
            if let Some(d) = self.data.droplets.get_mut(&id) {
                let has = d.tags.iter().any(|t| t == tag);
                if add && !has {
                    d.tags.push(tag.to_string());
                } else if !add {
                    d.tags.retain(|t| t != tag);
                }
                d.rendered = None;
            }
            self.index_droplet(id);
        }
    }

    /// Deletes every droplet carrying `tag`; returns how many.
    pub fn delete_by_tag(&mut self, tag: &str) -> usize {
        let ids: Vec<u64> = self
            .by_tag
            .get(tag)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        for id in &ids {
            self.delete_droplet(*id);
        }
        ids.len()
    }

    /// Starts a droplet action after validating it against the droplet's state.
    pub fn droplet_action(&mut self, id: u64, body: &Value, now_ms: i64) -> Result<u64, ApiError> {
        let Some(d) = self.data.droplets.get(&id) else {
            return Err(ApiError::not_found());
        };
        let kind = match body.get("type") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(ApiError::unprocessable("type must be a string")),
            None => return Err(ApiError::unprocessable("type is required")),
        };
        if d.locked {
            return Err(ApiError::unprocessable(
                "Droplet already has a pending event: wait for the running action to complete.",
            ));
        }
        let mut params = Value::Null;
        match kind.as_str() {
            "power_on" | "power_off" | "shutdown" | "reboot" | "power_cycle" | "enable_ipv6"
            | "enable_backups" | "disable_backups" => {
                if d.status == STATUS_NEW {
                    return Err(ApiError::unprocessable(
                        "Droplet is still being created: wait for it to become active.",
                    ));
                }
            }
            "resize" => {
                let slug = match body.get("size") {
                    Some(Value::String(s)) => s.as_str(),
                    _ => {
                        return Err(ApiError::unprocessable(
                            "resize requires a size slug in \"size\"",
                        ));
                    }
                };
                let disk = match body.get("disk") {
                    None | Some(Value::Null) => false,
                    Some(Value::Bool(b)) => *b,
                    Some(_) => return Err(ApiError::unprocessable("disk must be a boolean")),
                };
                let Some(size) = catalogue::size(slug) else {
                    return Err(ApiError::unprocessable(format!(
                        "You specified an invalid size for Droplet resize: {slug:?} is not a known size."
                    )));
                };
                let region = catalogue::region(&d.region);
                if !region.map(|r| size.offered_in(r)).unwrap_or(false) {
                    return Err(ApiError::unprocessable(format!(
                        "Size {slug} is not available in region {}.",
                        d.region
                    )));
                }
                if d.status != STATUS_OFF {
                    return Err(ApiError::unprocessable(
                        "Droplet must be powered off before it can be resized.",
                    ));
                }
                if size.disk < d.disk {
                    return Err(ApiError::unprocessable(format!(
                        "Cannot resize to {slug}: its disk ({} GB) is smaller than the Droplet's disk ({} GB).",
                        size.disk, d.disk
                    )));
                }
                params = json!({"size": slug, "disk": disk});
            }
            "rename" => {
                let name = match body.get("name") {
                    Some(Value::String(s)) => s.clone(),
                    _ => {
                        return Err(ApiError::unprocessable(
                            "rename requires a new name in \"name\"",
                        ));
                    }
                };
                // The spec declares no pattern for rename; we still apply the droplet-name rule so a
                // renamed droplet stays listable by name (documented choice).
                super::validate::droplet_name(&name).map_err(ApiError::unprocessable)?;
                params = json!({"name": name});
            }
            "enable_private_networking"
            | "restore"
            | "password_reset"
            | "rebuild"
            | "change_kernel"
            | "snapshot"
            | "change_backup_policy" => {
                return Err(ApiError::unprocessable(format!(
                    "Droplet action type {kind:?} is not supported by the sandbox."
                )));
            }
            other => {
                return Err(ApiError::unprocessable(format!(
                    "Unknown droplet action type {other:?}."
                )));
            }
        }
        let region = d.region.clone();
        let due = now_ms + self.settings.action_ms;
        let action_id = self.new_action(&kind, id, &region, now_ms, due, params, false);
        if let Some(d) = self.data.droplets.get_mut(&id) {
            d.locked = true;
            d.rendered = None;
        }
        Ok(action_id)
    }

    // ----- ssh keys ------------------------------------------------------------------------------

    pub fn add_key(&mut self, name: &str, public_key: &str) -> Result<u64, ApiError> {
        let fingerprint = ssh_fingerprint(public_key);
        if self
            .data
            .ssh_keys
            .values()
            .any(|k| k.fingerprint == fingerprint)
        {
            return Err(ApiError::unprocessable(
                "SSH Key is already in use on your account",
            ));
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

    /// Resets to an empty account (catalogue defaults only); the clock offset is kept.
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
mod tests {
    use super::*;

    fn state() -> State {
        State::fresh(
            Settings {
                boot_ms: 1000,
                action_ms: 1000,
                public_ip: None,
            },
            0,
        )
    }

    fn spec(names: &[&str], tags: &[&str]) -> CreateSpec {
        CreateSpec {
            names: names.iter().map(|s| s.to_string()).collect(),
            region: "nyc1".into(),
            size: "s-1vcpu-1gb".into(),
            image: 160232537,
            tags: tags.iter().map(|s| s.to_string()).collect(),
            ipv6: false,
            backups: false,
            monitoring: false,
            vpc_uuid: String::new(),
            ssh_keys: vec![],
            initial_status: None,
        }
    }

    #[test]
    fn boot_then_power_off_then_resize() {
        let mut s = state();
        let ids = s.create_droplets(&spec(&["a", "B"], &["t"]), 0);
        let id = ids[0].0;
        assert_eq!(s.data.droplets[&id].status, "new");
        s.settle(999);
        assert_eq!(s.data.droplets[&id].status, "new");
        s.settle(1000);
        assert_eq!(s.data.droplets[&id].status, "active");
        assert_eq!(s.data.actions[&ids[0].1].status, "completed");
        let resize = json!({"type": "resize", "size": "s-2vcpu-4gb", "disk": true});
        assert_eq!(
            s.droplet_action(id, &resize, 1000).map_err(|e| e.status),
            Err(422)
        );
        s.droplet_action(id, &json!({"type": "power_off"}), 1000)
            .map_err(|e| e.message)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(s.data.droplets[&id].locked);
        assert_eq!(
            s.droplet_action(id, &json!({"type": "power_on"}), 1500)
                .map_err(|e| e.status),
            Err(422)
        );
        s.settle(2000);
        assert_eq!(s.data.droplets[&id].status, "off");
        assert!(s.droplet_action(id, &resize, 2000).is_ok());
        s.settle(3000);
        let d = &s.data.droplets[&id];
        assert_eq!((d.size.as_str(), d.disk), ("s-2vcpu-4gb", 80));
        assert_eq!(s.droplet_ids_by_name("b").map(|x| x.len()), Some(1));
        assert_eq!(s.droplet_ids_by_tag("t").map(|x| x.len()), Some(2));
        assert_eq!(s.delete_by_tag("t"), 2);
        assert!(s.data.droplets.is_empty());
    }
}

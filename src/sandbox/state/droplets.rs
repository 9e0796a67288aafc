//! Creating, deleting and retagging droplets, keeping the indexes in step with every change.

use serde_json::Value;

use super::{CreateSpec, State};
use crate::sandbox::catalogue;
use crate::sandbox::model::{Action, Droplet, STATUS_NEW};

impl State {
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
                created_ms: now_ms,
                ipv6: spec.ipv6,
                backups: spec.backups,
                monitoring: spec.monitoring,
                vpc_uuid: spec.vpc_uuid.clone(),
                ssh_keys: spec.ssh_keys.clone(),
                net_index,
                networked,
                backup_ids: Vec::new(),
                next_backup_ms: None,
                rendered: None,
            };
            self.data.droplets.insert(id, droplet);
            self.index_droplet(id);
            if spec.backups {
                self.start_backups(id, now_ms);
            }
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
            let action = NewAction {
                kind: "create",
                resource_id: id,
                region: &spec.region,
                now_ms,
                due_ms: due,
                params: Value::Null,
            };
            out.push((id, self.new_action(action, done)));
        }
        out
    }

    /// Records an action; one not yet `done` joins the queue that `settle` completes.
    pub(super) fn new_action(&mut self, a: NewAction, done: bool) -> u64 {
        let id = self.data.next_action_id;
        self.data.next_action_id += 1;
        self.data.actions.insert(
            id,
            Action {
                id,
                kind: a.kind.into(),
                status: if done { "completed" } else { "in-progress" }.into(),
                started_ms: a.now_ms,
                completed_ms: done.then_some(a.now_ms),
                due_ms: a.due_ms,
                resource_id: a.resource_id,
                region: a.region.into(),
                params: a.params,
            },
        );
        if !done {
            self.pending.insert((a.due_ms, id));
        }
        id
    }

    /// Deletes one droplet; false if it does not exist.
    pub fn delete_droplet(&mut self, id: u64) -> bool {
        if !self.data.droplets.contains_key(&id) {
            return false;
        }
        self.unindex_droplet(id);
        self.stop_backups(id);
        self.detach_droplet_from_firewalls(id);
        self.release_droplet_ips(id);
        self.data.project_of.remove(&format!("do:droplet:{id}"));
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
}

/// An action about to be recorded.
pub(super) struct NewAction<'a> {
    pub kind: &'a str,
    pub resource_id: u64,
    pub region: &'a str,
    pub now_ms: i64,
    pub due_ms: i64,
    /// Type-specific arguments, kept as stored in the state file.
    pub params: Value,
}

//! Droplet actions: the checks against the droplet's current state when one starts, and its effect
//! when the clock completes it.

use serde_json::json;

use super::droplets::NewAction;
use super::{ActionError, DropletAction, State};
use crate::sandbox::catalogue;
use crate::sandbox::model::{STATUS_ACTIVE, STATUS_NEW, STATUS_OFF};

impl State {
    /// Refuses while another action runs on the droplet. Callers check this before they report a
    /// malformed body, because that is the order the sandbox has always answered in.
    pub fn ensure_unlocked(&self, id: u64) -> Result<(), ActionError> {
        match self.data.droplets.get(&id) {
            None => Err(ActionError::NoSuchDroplet),
            Some(d) if d.locked => Err(ActionError::Locked),
            Some(_) => Ok(()),
        }
    }

    /// Starts a droplet action after checking it against the droplet's state; returns its id.
    pub fn droplet_action(
        &mut self,
        id: u64,
        action: &DropletAction,
        now_ms: i64,
    ) -> Result<u64, ActionError> {
        self.ensure_unlocked(id)?;
        let Some(d) = self.data.droplets.get(&id) else {
            return Err(ActionError::NoSuchDroplet);
        };
        let params = match action {
            DropletAction::Resize { size, disk } => {
                let offered = catalogue::region(&d.region).is_some_and(|r| size.offered_in(r));
                if !offered {
                    return Err(ActionError::SizeNotInRegion {
                        size: size.slug,
                        region: d.region.clone(),
                    });
                }
                if d.status != STATUS_OFF {
                    return Err(ActionError::NotPoweredOff);
                }
                if size.disk < d.disk {
                    return Err(ActionError::DiskTooSmall {
                        size: size.slug,
                        size_disk: size.disk,
                        droplet_disk: d.disk,
                    });
                }
                json!({"size": size.slug, "disk": disk})
            }
            DropletAction::Rename { name } => json!({"name": name}),
            _ if d.status == STATUS_NEW => return Err(ActionError::StillNew),
            _ => serde_json::Value::Null,
        };
        let region = d.region.clone();
        let action = NewAction {
            kind: action.kind(),
            resource_id: id,
            region: &region,
            now_ms,
            due_ms: now_ms + self.settings.action_ms,
            params,
        };
        let action_id = self.new_action(action, false);
        if let Some(d) = self.data.droplets.get_mut(&id) {
            d.locked = true;
            d.rendered = None;
        }
        Ok(action_id)
    }

    /// Marks an action completed at `at_ms` and applies its effect to the droplet.
    pub(super) fn complete_action(&mut self, action_id: u64, at_ms: i64) {
        let Some(action) = self.data.actions.get_mut(&action_id) else {
            return;
        };
        action.status = "completed".into();
        action.completed_ms = Some(at_ms);
        let action = action.clone();
        if self.complete_ip_action(&action.kind, &action.params) {
            return;
        }
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
            _ => {}
        }
        d.locked = false;
        d.rendered = None;
        self.index_droplet(droplet_id);
        match action.kind.as_str() {
            "enable_backups" => self.start_backups(droplet_id, at_ms),
            "disable_backups" => self.stop_backups(droplet_id),
            _ => {}
        }
    }
}

//! The end of a boot: a droplet the API reports up is probed when its host's `ready:` asks for it, and
//! only once it is ready is the host done and a replaced droplet deleted.

use super::engine::Engine;
use super::probes::{ProbeEvent, ProbeJob, ProbePool};
use super::sink::{ActionKind, Finished};
use super::watch::{Pending, Task};
use crate::exec::Destination;
use crate::provider::Droplet;

/// What became of a droplet the API reports up.
pub(super) enum Probing {
    /// Its host asks only for the API's word.
    NotNeeded,
    /// A probe is running: the task waits for its news.
    Started,
    /// It cannot be probed: the host is reported failed.
    Failed,
}

impl Engine<'_> {
    /// Starts the readiness probe of `droplet` when its host asks for one.
    pub(super) fn start_probe(&mut self, p: &mut Pending, droplet: &Droplet) -> Probing {
        let Some(readiness) = self.options.readiness.clone() else {
            return Probing::NotNeeded;
        };
        let Some(host) = (self.planned.desired.iter())
            .find(|h| h.droplet_name == p.droplet_name && h.ready.probes())
        else {
            return Probing::NotNeeded;
        };
        let Some(address) = droplet.public_ipv4() else {
            let error = format!(
                "droplet {} has no public IPv4 address, so its readiness cannot be checked over SSH",
                droplet.id
            );
            self.fail_recorded(
                p.row,
                &p.droplet_name,
                p.action,
                Some(droplet.id),
                error,
                None,
            );
            return Probing::Failed;
        };
        let job = ProbeJob {
            dest: Destination {
                name: host.name.clone(),
                droplet_name: host.droplet_name.clone(),
                droplet_id: droplet.id,
                address: address.to_string(),
                ssh: host.ssh.clone(),
            },
            cloud_init: host.ready.cloud_init,
            deadline: self.options.clock.instant() + host.ready.timeout,
            timeout: host.ready.timeout,
        };
        let replaces = match &mut p.task {
            Task::Boot { replaces, .. } => std::mem::take(replaces),
            _ => Vec::new(),
        };
        p.task = Task::Probe {
            id: droplet.id,
            replaces,
            droplet: Box::new(droplet.clone()),
        };
        (self.probes.get_or_insert_with(|| ProbePool::new(readiness))).start(job);
        Probing::Started
    }

    /// Applies the probes' news to their tasks; finished ones leave `pending`.
    pub(super) fn on_probe_events(&mut self, pending: &mut Vec<Pending>, events: Vec<ProbeEvent>) {
        for event in events {
            match event {
                ProbeEvent::Stage {
                    droplet_name,
                    stage,
                } => self.progress.update(&droplet_name, stage.as_str()),
                ProbeEvent::Done {
                    droplet_name,
                    id,
                    result,
                } => {
                    let Some(at) = pending.iter().position(|p| {
                        p.droplet_name == droplet_name
                            && matches!(p.task, Task::Probe { id: probed, .. } if probed == id)
                    }) else {
                        continue;
                    };
                    let finished = match result {
                        Ok(()) => self.ready(&mut pending[at], None, id),
                        Err(e) => {
                            let p = &pending[at];
                            let error = match &p.task {
                                Task::Probe { replaces, .. } if !replaces.is_empty() => format!(
                                    "new droplet {id} is not ready: {e}\nThe old droplet ({}) keeps running. Run apply again: it waits for the new droplet once more and deletes the old one only when the new one is ready (a changed config replaces the new one instead).",
                                    ids(replaces)
                                ),
                                _ => format!(
                                    "droplet {id} is not ready: {e}\nThe droplet is kept, and a later apply does not wait for it again: `stagecraft status` shows how it is doing; a change to its user_data replaces it."
                                ),
                            };
                            let (row, name, action) = (p.row, p.droplet_name.clone(), p.action);
                            self.fail_recorded(row, &name, action, Some(id), error, None);
                            true
                        }
                    };
                    if finished {
                        pending.remove(at);
                    }
                }
            }
        }
    }

    /// The host's new droplet `id` is ready: its action row is finished, and a replacement now deletes
    /// the droplets it replaces. True when the host is done (nothing left to wait for).
    pub(super) fn ready(&mut self, p: &mut Pending, droplet: Option<&Droplet>, id: u64) -> bool {
        let done = Finished::Done {
            do_action: p.do_action,
            droplet_id: Some(id),
        };
        self.sink.finish(p.row, done);
        // After a probe, the droplet as the listing showed it when it came up.
        let probed = match &p.task {
            Task::Probe { droplet, .. } => Some(droplet.as_ref().clone()),
            _ => None,
        };
        let droplet = droplet.or(probed.as_ref());
        let replaces = match &mut p.task {
            Task::Boot { replaces, .. } | Task::Probe { replaces, .. } => std::mem::take(replaces),
            _ => Vec::new(),
        };
        if !replaces.is_empty() {
            if let Some(new) = droplet {
                for &old in &replaces {
                    // Records and the reserved IP follow the host before the old droplet goes.
                    self.before_replaced_droplet_is_deleted(&p.droplet_name, new, old);
                }
            }
            // The new droplet is ready: only now do the old ones go.
            self.progress
                .update(&p.droplet_name, "new droplet ready; deleting the old one");
            let targets: Vec<(String, u64)> = (replaces.iter())
                .map(|&old| (p.droplet_name.clone(), old))
                .collect();
            let mut gone = self.delete_by_id(&targets, ActionKind::Replace).into_iter();
            return match gone.next() {
                Some(first) => {
                    *p = first;
                    self.spawned.extend(gone);
                    false
                }
                None => true,
            };
        }
        let state = match (probed.is_some(), droplet.and_then(Droplet::public_ipv4)) {
            (true, Some(ip)) => format!("ready at {ip}"),
            (true, None) => "ready".to_string(),
            (false, Some(ip)) => format!("active at {ip}"),
            (false, None) => "active".to_string(),
        };
        self.progress.update(&p.droplet_name, &state);
        self.ok(&p.droplet_name, p.action, droplet, Some(id));
        true
    }
}

fn ids(ids: &[u64]) -> String {
    ids.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

//! Creates, exactly once: a batch is sent once, and after an ambiguous failure the env is listed and what
//! the API did create is adopted before only the missing names are sent again.

use std::collections::{BTreeMap, BTreeSet};

use super::batch::Batch;
use super::engine::Engine;
use super::sink::ActionKind;
use super::watch::{Pending, Task};
use crate::provider::{Created, ProviderError};

/// Ambiguous create failures are looked into and re-sent at most this many times in all.
const CREATE_ATTEMPTS: u32 = 3;

impl Engine<'_> {
    /// Sends every batch's first request at once (within the request budget), then settles each batch
    /// exactly once; returns a boot task per droplet created.
    pub(super) fn create_batches(
        &mut self,
        batches: &[Batch],
        replaced: &BTreeMap<String, Vec<u64>>,
    ) -> Vec<Pending> {
        let rows: Vec<BTreeMap<String, Option<i64>>> = batches
            .iter()
            .map(|b| {
                b.names
                    .iter()
                    .map(|n| {
                        self.progress.update(n, "creating");
                        (n.clone(), self.sink.pending(n, None, ActionKind::Create))
                    })
                    .collect()
            })
            .collect();
        let client = self.client;
        let first = client.each_parallel(batches, |b| client.create_droplets(&b.request(&b.names)));
        let mut pending = Vec::new();
        for ((batch, rows), first) in batches.iter().zip(rows).zip(first) {
            pending.extend(self.create_batch(batch, rows, first, replaced));
        }
        pending
    }

    /// Settles one batch given its first reply: after an ambiguous failure it lists the env, adopts what
    /// the API did create, and re-sends only the names still missing.
    fn create_batch(
        &mut self,
        batch: &Batch,
        rows: BTreeMap<String, Option<i64>>,
        first: Result<Created, ProviderError>,
        replaced: &BTreeMap<String, Vec<u64>>,
    ) -> Vec<Pending> {
        let mut remaining: Vec<String> = batch.names.clone();
        let mut created: Vec<(String, u64)> = Vec::new();
        let mut first = Some(first);
        let mut attempt = 0;
        let mut failure: Option<ProviderError> = None;
        let mut do_actions: BTreeMap<String, Option<u64>> = BTreeMap::new();
        while !remaining.is_empty() && attempt < CREATE_ATTEMPTS {
            attempt += 1;
            let reply = match first.take() {
                Some(reply) => reply,
                None => self.client.create_droplets(&batch.request(&remaining)),
            };
            match reply {
                Ok(reply) => {
                    for (d, action) in reply.droplets {
                        if remaining.contains(&d.name) {
                            do_actions.insert(d.name.clone(), action);
                            created.push((d.name, d.id));
                        }
                    }
                    let got: BTreeSet<&str> = created.iter().map(|(n, _)| n.as_str()).collect();
                    remaining.retain(|n| !got.contains(n.as_str()));
                    failure = None;
                    break;
                }
                Err(e) if e.is_ambiguous() => {
                    // The request may have worked. Look before sending anything again.
                    self.options.clock.sleep(self.options.poll_interval);
                    match self.find_created(&remaining) {
                        Ok(found) => {
                            for (name, id) in found {
                                self.progress.update(
                                    &name,
                                    "adopted a droplet the API created despite the error",
                                );
                                remaining.retain(|n| *n != name);
                                created.push((name, id));
                            }
                            failure = Some(e);
                        }
                        Err(look) => {
                            // Unknown whether it was created: sending again could duplicate it.
                            let msg = format!(
                                "{e}; then listing to check whether it was created failed too ({look}); run apply again to finish safely"
                            );
                            for name in std::mem::take(&mut remaining) {
                                self.create_failed(&name, rows[&name], msg.clone(), &e);
                            }
                            break;
                        }
                    }
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = &failure {
            for name in std::mem::take(&mut remaining) {
                self.create_failed(&name, rows[&name], e.to_string(), e);
            }
        }
        created
            .into_iter()
            .map(|(name, id)| {
                self.progress.update(&name, "booting");
                let replaces = replaced.get(&name).cloned().unwrap_or_default();
                let action = match replaces.is_empty() {
                    false => ActionKind::Replace,
                    true => ActionKind::Create,
                };
                let mut p = Pending::new(&name, action, Task::Boot { id, replaces });
                p.row = rows.get(&name).copied().flatten();
                p.do_action = do_actions.get(&name).copied().flatten();
                p
            })
            .collect()
    }

    fn create_failed(&mut self, name: &str, row: Option<i64>, error: String, e: &ProviderError) {
        let request_id = e.request_id().map(str::to_string);
        self.fail_recorded(row, name, ActionKind::Create, None, error, request_id);
    }

    /// Managed droplets named in `names` that were not there when the plan was made.
    fn find_created(&self, names: &[String]) -> Result<Vec<(String, u64)>, ProviderError> {
        let live = crate::plan::live(self.client, self.scope)?.ours;
        Ok(live
            .into_iter()
            .filter(|d| names.contains(&d.name) && !self.known_ids.contains(&d.id))
            .map(|d| (d.name, d.id))
            .collect())
    }
}

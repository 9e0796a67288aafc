//! Tags changed in place: one request per tag for every droplet it concerns, in the order ownership sets.

use std::collections::BTreeMap;

use super::engine::Engine;
use super::sink::{ActionKind, Finished};
use crate::ownership::retag::{TagOp, request_order};
use crate::plan::Entry;
use crate::provider::{Droplet, ProviderError};

/// Droplets per tag request: a bound on the body, well under any limit the API might have.
const TAG_CHUNK: usize = 100;

impl Engine<'_> {
    /// Applies every entry's `tags` change. A host whose tagging failed is left out of its later requests
    /// and reported; running apply again finishes the job.
    pub(super) fn retag(&mut self, groups: &[(&Vec<Entry>, ActionKind)], live: &[Droplet]) {
        let mut hosts: Vec<(&Entry, ActionKind, u64, Option<i64>)> = Vec::new();
        let mut adds: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        let mut removes: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        let entries = groups
            .iter()
            .flat_map(|(entries, kind)| entries.iter().map(move |e| (e, *kind)));
        for (entry, kind) in entries {
            let (Some(id), Some(change)) = (
                entry.droplet_id,
                entry.changes.iter().find(|c| c.field == "tags"),
            ) else {
                continue;
            };
            for tag in change.to.split_whitespace() {
                adds.entry(tag.to_string()).or_default().push(id);
            }
            for tag in change.from.split_whitespace() {
                removes.entry(tag.to_string()).or_default().push(id);
            }
            self.progress.update(&entry.droplet_name, "retagging");
            let row = self.sink.pending(&entry.droplet_name, Some(id), kind);
            hosts.push((entry, kind, id, row));
        }
        let mut failed: BTreeMap<u64, (String, Option<String>)> = BTreeMap::new();
        for (op, tag, ids) in request_order(adds, removes) {
            let ids: Vec<u64> = ids
                .into_iter()
                .filter(|id| !failed.contains_key(id))
                .collect();
            if ids.is_empty() {
                continue;
            }
            for (chunk, e) in self.send_tag(op, &tag, &ids, live) {
                let doing = match op {
                    TagOp::Add => "adding",
                    TagOp::Remove => "removing",
                };
                for id in chunk {
                    failed.insert(
                        id,
                        (
                            format!("{doing} tag {tag}: {e}"),
                            e.request_id().map(str::to_string),
                        ),
                    );
                }
            }
        }
        for (entry, kind, id, row) in hosts {
            match failed.remove(&id) {
                None => {
                    let done = Finished::Done {
                        do_action: None,
                        droplet_id: Some(id),
                    };
                    self.sink.finish(row, done);
                    self.progress.update(&entry.droplet_name, "tags updated");
                    self.ok(&entry.droplet_name, kind, None, Some(id));
                }
                Some((error, request_id)) => {
                    self.fail_recorded(row, &entry.droplet_name, kind, Some(id), error, request_id);
                }
            }
        }
    }

    /// One tag on or off `ids`, in chunks; the chunks that failed, with why.
    fn send_tag(
        &self,
        op: TagOp,
        tag: &str,
        ids: &[u64],
        live: &[Droplet],
    ) -> Vec<(Vec<u64>, ProviderError)> {
        // A tag some droplet already carries exists; only new ones are created.
        let new_tag = op == TagOp::Add && !live.iter().any(|d| d.has_tag(tag));
        if new_tag && let Err(e) = self.client.create_tag(tag) {
            return vec![(ids.to_vec(), e)];
        }
        ids.chunks(TAG_CHUNK)
            .filter_map(|chunk| {
                self.client
                    .tag_droplets(tag, chunk, op == TagOp::Add)
                    .err()
                    .map(|e| (chunk.to_vec(), e))
            })
            .collect()
    }
}

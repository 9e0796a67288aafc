//! Deletes: by id, all at once within the request budget; or, when a destroy takes every droplet that
//! carries the env tag, with one request for the tag.

use super::engine::Engine;
use super::report::RunKind;
use super::rolling::Unfinished;
use super::sink::{ActionKind, Finished};
use super::watch::{Pending, Task};
use crate::plan::Planned;
use crate::provider::ProviderError;

impl Engine<'_> {
    /// Starts every delete of the plan; the returned tasks wait for the droplets to leave the listing.
    pub(super) fn deletes(&mut self, planned: &Planned, unfinished: &Unfinished) -> Vec<Pending> {
        let targets: Vec<(String, u64)> = planned
            .plan
            .to_delete
            .iter()
            .filter_map(|e| Some((e.droplet_name.clone(), e.droplet_id?)))
            .filter(|(_, id)| !unfinished.holds(*id))
            .collect();
        if targets.is_empty() {
            return Vec::new();
        }
        if self.options.kind == RunKind::Destroy && by_tag_is_safe(planned, targets.len()) {
            return self.delete_by_tag(&targets);
        }
        self.delete_by_id(&targets, ActionKind::Delete)
    }

    /// Deletes droplets by id, the requests all at once; `action` names them in the report.
    pub(super) fn delete_by_id(
        &mut self,
        targets: &[(String, u64)],
        action: ActionKind,
    ) -> Vec<Pending> {
        let rows: Vec<Option<i64>> = targets
            .iter()
            .map(|(name, id)| {
                self.progress.update(name, "deleting");
                self.sink.pending(name, Some(*id), ActionKind::Delete)
            })
            .collect();
        let client = self.client;
        let results = client.each_parallel(targets, |(_, id)| client.delete_droplet(*id));
        let mut pending = Vec::new();
        for (((name, id), row), result) in targets.iter().zip(rows).zip(results) {
            let result = result.map(|_| ()).map_err(|e| Failure::of(&e));
            pending.extend(self.deleted(name, *id, row, action, result));
        }
        pending
    }

    /// One `DELETE /v2/droplets?tag_name=` for the whole env.
    fn delete_by_tag(&mut self, targets: &[(String, u64)]) -> Vec<Pending> {
        let rows: Vec<Option<i64>> = targets
            .iter()
            .map(|(name, id)| {
                self.progress
                    .update(name, "deleting (the whole env, by its tag)");
                self.sink.pending(name, Some(*id), ActionKind::Delete)
            })
            .collect();
        // One answer for all of them.
        let result = self
            .client
            .delete_droplets_tagged(&self.scope.env_tag())
            .map_err(|e| Failure::of(&e));
        let mut pending = Vec::new();
        for ((name, id), row) in targets.iter().zip(rows) {
            pending.extend(self.deleted(name, *id, row, ActionKind::Delete, result.clone()));
        }
        pending
    }

    fn deleted(
        &mut self,
        name: &str,
        id: u64,
        row: Option<i64>,
        action: ActionKind,
        result: Result<(), Failure>,
    ) -> Option<Pending> {
        match result {
            Ok(()) => {
                let done = Finished::Done {
                    do_action: None,
                    droplet_id: Some(id),
                };
                self.sink.finish(row, done);
                Some(Pending::new(name, action, Task::Gone { id }))
            }
            Err(Failure { error, request_id }) => {
                self.fail_recorded(row, name, action, Some(id), error, request_id);
                None
            }
        }
    }
}

/// A delete by tag takes every droplet carrying it, so it is used only when the listing shows that all
/// of them are to go: none protected, none another config's, none left out of the plan.
fn by_tag_is_safe(planned: &Planned, targets: usize) -> bool {
    planned.others_in_env == 0
        && planned.plan.blocked().is_empty()
        && !planned
            .live
            .iter()
            .any(crate::ownership::names::is_protected)
        && targets == planned.live.len()
}

/// Why a delete failed, as reported (one delete by tag fails for every droplet it covers).
#[derive(Debug, Clone)]
struct Failure {
    error: String,
    request_id: Option<String>,
}

impl Failure {
    fn of(e: &ProviderError) -> Failure {
        Failure {
            error: e.to_string(),
            request_id: e.request_id().map(str::to_string),
        }
    }
}

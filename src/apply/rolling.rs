//! Replacements without downtime: at most `apply.max_replacing` in flight, the next group started once the
//! previous one is ready and its old droplets are gone, none after a failure; and replacements an earlier
//! apply left unfinished, whose old droplets go only once their new ones are ready.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::engine::Engine;
use super::report::HostOutcome;
use super::sink::ActionKind;
use super::watch::{Pending, Task};
use crate::ownership::names::replaced_ids;

/// A host to create: its droplet name and the droplets it replaces.
pub(super) type NewDroplet = (String, Vec<u64>);

/// The replacements not started yet, and those in flight.
#[derive(Debug, Default)]
pub(super) struct Rolling {
    queue: VecDeque<Vec<NewDroplet>>,
    active: BTreeSet<String>,
}

/// What to do once the replacements in flight are finished.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Next {
    Nothing,
    Start(Vec<NewDroplet>),
    /// A replacement failed: these are not started (`because`: the host that failed).
    Abandon {
        because: String,
        hosts: Vec<NewDroplet>,
    },
}

impl Rolling {
    /// Splits the replacements into groups of `limit` (all in one without); returns the first to start.
    pub(super) fn plan(
        &mut self,
        replacements: Vec<NewDroplet>,
        limit: Option<usize>,
    ) -> Vec<NewDroplet> {
        let size = limit.unwrap_or(usize::MAX).max(1);
        let mut groups: VecDeque<Vec<NewDroplet>> = VecDeque::new();
        for r in replacements {
            match groups.back_mut() {
                Some(g) if g.len() < size => g.push(r),
                _ => groups.push_back(vec![r]),
            }
        }
        let first = groups.pop_front().unwrap_or_default();
        self.active = first.iter().map(|(n, _)| n.clone()).collect();
        self.queue = groups;
        first
    }

    pub(super) fn queued(&self) -> impl Iterator<Item = &NewDroplet> {
        self.queue.iter().flatten()
    }

    /// After a pass of the loop: `pending` names the hosts still being worked on, `failed` tells whether
    /// a finished host failed.
    pub(super) fn advance(
        &mut self,
        pending: &BTreeSet<&str>,
        failed: impl Fn(&str) -> bool,
    ) -> Next {
        let finished: Vec<String> = (self.active.iter())
            .filter(|n| !pending.contains(n.as_str()))
            .cloned()
            .collect();
        if let Some(bad) = finished.iter().find(|n| failed(n)) {
            let hosts: Vec<NewDroplet> = self.queue.drain(..).flatten().collect();
            self.active.clear();
            return match hosts.is_empty() {
                true => Next::Nothing,
                false => Next::Abandon {
                    because: bad.clone(),
                    hosts,
                },
            };
        }
        for n in finished {
            self.active.remove(&n);
        }
        if !self.active.is_empty() {
            return Next::Nothing;
        }
        match self.queue.pop_front() {
            Some(group) => {
                self.active = group.iter().map(|(n, _)| n.clone()).collect();
                Next::Start(group)
            }
            None => Next::Nothing,
        }
    }

    pub(super) fn has_queue(&self) -> bool {
        !self.queue.is_empty()
    }
}

/// Replacements an earlier apply started but did not finish (both droplets live, the new one carrying
/// `stagecraft:replaces:<old>`) whose new droplet may not be ready: its host is probed, or the API does
/// not report it active with an address yet (the apply stopped during its boot). Their old droplets are
/// held back from the plan's deletes until the new ones are ready.
#[derive(Debug, Default)]
pub(super) struct Unfinished {
    held: BTreeSet<u64>,
    /// New droplet id -> (droplet name, the old droplets it replaces).
    successors: BTreeMap<u64, NewDroplet>,
    /// Hosts being replaced again: the old droplets the newest replacement also takes over.
    folded: BTreeMap<String, Vec<u64>>,
}

impl Unfinished {
    pub(super) fn holds(&self, id: u64) -> bool {
        self.held.contains(&id)
    }

    pub(super) fn is_successor(&self, id: u64) -> bool {
        self.successors.contains_key(&id)
    }

    pub(super) fn folded_into(&self, droplet_name: &str) -> Vec<u64> {
        self.folded.get(droplet_name).cloned().unwrap_or_default()
    }
}

impl Engine<'_> {
    pub(super) fn unfinished_replacements(&self) -> Unfinished {
        let mut unfinished = Unfinished::default();
        let planned = self.planned;
        let deleting: BTreeSet<u64> = (planned.plan.to_delete.iter())
            .filter_map(|e| e.droplet_id)
            .collect();
        let replacing: BTreeSet<&str> = (planned.plan.to_replace.iter())
            .map(|e| e.droplet_name.as_str())
            .collect();
        for droplet in &planned.live {
            // A new droplet that goes too (its host left the config, or destroy) waits for nothing.
            if deleting.contains(&droplet.id) {
                continue;
            }
            let probed = self.options.readiness.is_some()
                && (planned.desired.iter())
                    .any(|h| h.droplet_name == droplet.name && h.ready.probes());
            let olds: Vec<u64> = replaced_ids(droplet)
                .filter(|id| deleting.contains(id))
                .collect();
            // Only the API's word is asked, and it has given it: the old droplets go at once.
            if olds.is_empty() || (!probed && droplet.is_up()) {
                continue;
            }
            unfinished.held.extend(&olds);
            if replacing.contains(droplet.name.as_str()) {
                (unfinished.folded.entry(droplet.name.clone()).or_default()).extend(olds);
            } else {
                unfinished
                    .successors
                    .insert(droplet.id, (droplet.name.clone(), olds));
            }
        }
        unfinished
    }

    /// Waits for each unfinished replacement's new droplet to be ready, then deletes the old ones.
    pub(super) fn finish_replacements(&mut self, unfinished: &Unfinished) -> Vec<Pending> {
        let mut pending = Vec::new();
        for (&id, (name, olds)) in &unfinished.successors {
            self.progress
                .update(name, "finishing an earlier replacement");
            let task = Task::Boot {
                id,
                replaces: olds.clone(),
            };
            pending.push(Pending::new(name, ActionKind::Replace, task));
        }
        pending
    }

    /// Starts the next group of replacements when the previous one is done, or reports the rest as not
    /// started after a failure.
    pub(super) fn advance_rolling(&mut self, pending: &mut Vec<Pending>) {
        if !self.rolling.has_queue() {
            return;
        }
        let names: BTreeSet<&str> = pending.iter().map(|p| p.droplet_name.as_str()).collect();
        let results = &self.results;
        let failed = |name: &str| {
            (results.iter().rev())
                .find(|r| r.droplet_name == name)
                .is_some_and(|r| matches!(r.outcome, HostOutcome::Failed { .. }))
        };
        match self.rolling.advance(&names, failed) {
            Next::Nothing => {}
            Next::Start(group) => pending.extend(self.create_hosts(&group)),
            Next::Abandon { because, hosts } => {
                for (name, olds) in hosts {
                    self.fail(
                        &name,
                        ActionKind::Replace,
                        olds.first().copied(),
                        format!(
                            "not replaced: the replacement of {because} failed, so no further group was started; the old droplet keeps running"
                        ),
                        None,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str, old: u64) -> NewDroplet {
        (name.to_string(), vec![old])
    }

    #[test]
    fn groups_start_one_after_another() {
        let mut rolling = Rolling::default();
        let all = vec![r("a", 1), r("b", 2), r("c", 3)];
        assert_eq!(
            rolling.plan(all.clone(), Some(2)),
            vec![r("a", 1), r("b", 2)]
        );
        let never = |_: &str| false;
        // `a` is done, `b` still going: nothing new starts.
        assert_eq!(rolling.advance(&["b"].into(), never), Next::Nothing);
        assert_eq!(
            rolling.advance(&[].into(), never),
            Next::Start(vec![r("c", 3)])
        );
        assert_eq!(rolling.advance(&["c"].into(), never), Next::Nothing);
        assert_eq!(rolling.advance(&[].into(), never), Next::Nothing);
        assert!(!rolling.has_queue());

        let mut at_once = Rolling::default();
        assert_eq!(at_once.plan(all, None).len(), 3);
        assert!(!at_once.has_queue());
    }

    #[test]
    fn a_failure_stops_the_groups_after_it() {
        let mut rolling = Rolling::default();
        rolling.plan(vec![r("a", 1), r("b", 2), r("c", 3)], Some(1));
        assert_eq!(
            rolling.advance(&[].into(), |n| n == "a"),
            Next::Abandon {
                because: "a".into(),
                hosts: vec![r("b", 2), r("c", 3)],
            }
        );
        assert_eq!(rolling.advance(&[].into(), |_| true), Next::Nothing);
        assert!(rolling.queued().next().is_none());
    }
}

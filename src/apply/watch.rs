//! The poll loop: one env listing per tick advances every pending task (boots, resizes, deletes) until
//! each is done or past its deadline.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::engine::Engine;
use super::inplace::{self, Advance, Step};
use super::ready::Probing;
use super::sink::ActionKind;
use crate::provider::Droplet;

/// About how long a new droplet takes to be active with an address (the sandbox's default boot time).
const FIRST_BOOT: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Debug)]
pub(super) enum Task {
    /// A new droplet (or a replacement's new droplet, with the droplets it replaces) until it is up.
    Boot { id: u64, replaces: Vec<u64> },
    /// Up, and its readiness probe running (see `ready`); the loop waits for the probe's news.
    Probe {
        id: u64,
        replaces: Vec<u64>,
        /// As the listing showed it up.
        droplet: Box<Droplet>,
    },
    /// In-place changes, one step at a time.
    Update { id: u64, steps: VecDeque<Step> },
    /// Deleted; waiting for it to leave the listing.
    Gone { id: u64 },
    /// Our new droplet was a duplicate of `keep`, made by a concurrent apply: deleted, waiting for it to
    /// go; the host is done with `keep`.
    Yield { id: u64, keep: u64 },
}

impl Task {
    fn id(&self) -> u64 {
        match self {
            Task::Boot { id, .. }
            | Task::Probe { id, .. }
            | Task::Update { id, .. }
            | Task::Gone { id }
            | Task::Yield { id, .. } => *id,
        }
    }
}

/// One tick's listing, indexed once for every task that reads it.
struct Listing<'a> {
    by_id: BTreeMap<u64, &'a Droplet>,
    /// Ids (ascending) of droplets that were not there when the plan was made, by name: a name with two
    /// was made by this apply and a concurrent one.
    fresh_by_name: BTreeMap<&'a str, Vec<u64>>,
}

impl<'a> Listing<'a> {
    fn new(live: &'a [Droplet], known_ids: &BTreeSet<u64>) -> Listing<'a> {
        let mut fresh_by_name: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for d in live.iter().filter(|d| !known_ids.contains(&d.id)) {
            fresh_by_name.entry(d.name.as_str()).or_default().push(d.id);
        }
        for ids in fresh_by_name.values_mut() {
            ids.sort_unstable();
        }
        Listing {
            by_id: live.iter().map(|d| (d.id, d)).collect(),
            fresh_by_name,
        }
    }
}

/// What a new droplet's name has come to, when another apply may have made the same one.
enum Converge {
    /// Ours is the one that stays (or the only one).
    Keep,
    /// Ours was a duplicate and is going: the task now waits for that.
    Yielding,
    /// Deleting ours failed: the host is reported.
    Failed,
}

/// One host's unfinished work.
pub(super) struct Pending {
    pub(super) droplet_name: String,
    pub(super) action: ActionKind,
    pub(super) task: Task,
    /// The `ops.do_actions` row to finish when the task ends.
    pub(super) row: Option<i64>,
    /// DigitalOcean's action id for the create, from the reply's `links.actions`.
    pub(super) do_action: Option<u64>,
}

impl Pending {
    pub(super) fn new(droplet_name: &str, action: ActionKind, task: Task) -> Pending {
        Pending {
            droplet_name: droplet_name.to_string(),
            action,
            task,
            row: None,
            do_action: None,
        }
    }
}

impl Engine<'_> {
    /// Polls with one listing per tick until every pending task is done or the deadlines pass.
    pub(super) fn watch(&mut self, mut pending: Vec<Pending>) {
        let clock = self.options.clock.clone();
        let start = clock.instant();
        let mut tick = 0u32;
        loop {
            self.advance_rolling(&mut pending);
            if pending.is_empty() {
                break;
            }
            // Probes need no listing: while they are all that is left, the loop only waits for their news.
            let listing_needed = pending
                .iter()
                .any(|p| !matches!(p.task, Task::Probe { .. }));
            let wake = self.probes.as_ref().map(|pool| pool.wake.clone());
            // The first look is at once (actions start on it); the second when a new droplet could have
            // booted, not a whole interval later; then every interval, or sooner when a probe has news.
            let pause = match tick {
                0 => None,
                1 => Some(self.options.poll_interval.min(FIRST_BOOT)),
                _ => Some(self.options.poll_interval),
            };
            let mut events = Vec::new();
            match (pause, &wake, self.probes.as_mut()) {
                (Some(_), _, Some(pool)) if !listing_needed => events = pool.next(),
                (Some(pause), Some(wake), _) => clock.sleep_or_wake(pause, wake),
                (Some(pause), None, _) => clock.sleep(pause),
                (None, ..) => {}
            }
            tick += 1;
            if let Some(pool) = self.probes.as_mut() {
                events.extend(pool.drain());
            }
            self.on_probe_events(&mut pending, events);
            pending.append(&mut self.spawned);
            if !listing_needed {
                continue;
            }
            let elapsed = clock.instant().saturating_duration_since(start);
            // A failed listing is never read as "gone": it only counts against the deadline.
            let (live, last_error) = match crate::plan::live(self.client, self.scope) {
                Ok(live) => (live.ours, None),
                Err(e) => (Vec::new(), Some(with_causes(&e))),
            };
            let listing = Listing::new(&live, &self.known_ids);
            let mut still = Vec::new();
            for mut p in pending {
                // A probe keeps its own deadline (`ready.timeout`).
                if matches!(p.task, Task::Probe { .. }) {
                    still.push(p);
                    continue;
                }
                let deadline = match p.task {
                    Task::Gone { .. } => self.options.delete_timeout,
                    _ => self.options.timeout,
                };
                if last_error.is_none() && self.step(&mut p, &listing) {
                    continue;
                }
                if elapsed >= deadline {
                    let id = p.task.id();
                    let why = match &last_error {
                        Some(e) => format!(
                            "timed out after {}s; the last listing failed: {e}",
                            deadline.as_secs()
                        ),
                        None => format!(
                            "timed out after {}s waiting (droplet status `{}`); run apply again to finish",
                            deadline.as_secs(),
                            listing
                                .by_id
                                .get(&id)
                                .map_or("unknown", |d| d.status.as_str()),
                        ),
                    };
                    self.fail_recorded(p.row, &p.droplet_name, p.action, Some(id), why, None);
                    continue;
                }
                still.push(p);
            }
            still.append(&mut self.spawned);
            pending = still;
        }
    }

    /// Advances one task with the latest listing; true when it is finished (done or failed).
    fn step(&mut self, p: &mut Pending, listing: &Listing<'_>) -> bool {
        let by_id = &listing.by_id;
        match p.task {
            Task::Gone { id } => {
                if by_id.contains_key(&id) {
                    return false;
                }
                self.progress.update(&p.droplet_name, "deleted");
                self.ok(&p.droplet_name, p.action, None, Some(id));
                true
            }
            Task::Yield { id, keep } => {
                if by_id.contains_key(&id) {
                    return false;
                }
                self.progress.update(
                    &p.droplet_name,
                    &format!(
                        "a concurrent apply made it first (id {keep}); ours (id {id}) deleted"
                    ),
                );
                self.ok(
                    &p.droplet_name,
                    p.action,
                    by_id.get(&keep).copied(),
                    Some(keep),
                );
                true
            }
            Task::Probe { .. } => false,
            Task::Boot { id, .. } => {
                match self.converge(p, id, listing) {
                    Converge::Keep => {}
                    Converge::Yielding => return false,
                    Converge::Failed => return true,
                }
                let Some(droplet) = by_id.get(&id) else {
                    return false;
                };
                self.booted(p, droplet)
            }
            Task::Update { id, .. } => {
                let Some(droplet) = by_id.get(&id).copied() else {
                    self.fail(
                        &p.droplet_name,
                        p.action,
                        Some(id),
                        "the droplet disappeared during the update".into(),
                        None,
                    );
                    return true;
                };
                self.update_step(p, id, droplet)
            }
        }
    }

    /// Runs the front step of an update; a finished step lets the next one start at once.
    fn update_step(&mut self, p: &mut Pending, id: u64, droplet: &Droplet) -> bool {
        loop {
            let Task::Update { steps, .. } = &p.task else {
                return true;
            };
            let Some(front) = steps.front() else {
                self.progress
                    .update(&p.droplet_name, &format!("{} done", p.action));
                self.ok(&p.droplet_name, p.action, Some(droplet), None);
                return true;
            };
            match inplace::advance(front, droplet, self.options.resize_disk) {
                Advance::Done => {
                    if let Task::Update { steps, .. } = &mut p.task {
                        steps.pop_front();
                    }
                }
                Advance::Go { step, send } => {
                    if let Some(action) = send
                        && !self.action(p, id, &action)
                    {
                        return true;
                    }
                    if let Task::Update { steps, .. } = &mut p.task {
                        steps[0] = step;
                    }
                    return false;
                }
            }
        }
    }

    /// Two applies (two machines, two checkouts) that created one name at once both see the droplets the
    /// other made: each keeps the oldest (lowest id) and deletes the rest, so both reach the same choice.
    /// Only droplets that were not there when this plan was made count: older ones are the plan's to show.
    /// Ours may also be gone already, deleted by the other apply.
    fn converge(&mut self, p: &mut Pending, id: u64, listing: &Listing<'_>) -> Converge {
        let by_id = &listing.by_id;
        let twins: &[u64] = listing
            .fresh_by_name
            .get(p.droplet_name.as_str())
            .map_or(&[], Vec::as_slice);
        let Some(&keep) = twins.first() else {
            return Converge::Keep;
        };
        if keep > id {
            // Ours is the oldest, or not listed yet: the others are the other apply's to delete.
            return Converge::Keep;
        }
        for &other in twins.iter().filter(|&&t| t != keep && t != id) {
            self.progress.update(
                &p.droplet_name,
                &format!("deleting {other}, a concurrent apply's duplicate of {keep}"),
            );
            // A 404 is fine: the apply that made it may be deleting it too.
            let _ = self.client.delete_droplet(other);
        }
        if keep == id {
            return Converge::Keep;
        }
        // An older one of our name exists: ours goes (the other apply may have deleted it already).
        let gone = if by_id.contains_key(&id) {
            self.client.delete_droplet(id).map(|_| ())
        } else {
            Ok(())
        };
        match gone {
            Ok(()) => {
                p.task = Task::Yield { id, keep };
                Converge::Yielding
            }
            Err(e) => {
                self.fail_with(&p.droplet_name, p.action, Some(id), &e);
                Converge::Failed
            }
        }
    }

    /// A booting droplet seen in the listing: once it is up, probed when its host asks, else ready.
    fn booted(&mut self, p: &mut Pending, droplet: &Droplet) -> bool {
        if !droplet.is_up() {
            self.progress.update(
                &p.droplet_name,
                &format!("{} (waiting to be active with an address)", droplet.status),
            );
            return false;
        }
        match self.start_probe(p, droplet) {
            Probing::Started => false,
            Probing::Failed => true,
            Probing::NotNeeded => self.ready(p, Some(droplet), droplet.id),
        }
    }
}

/// `error: cause: cause...`. A failed listing says why (status, API message, request id) only in its cause.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

//! Carries out a plan: deletes, batched creates, retags and resizes are started here, then watched until
//! done. Each step lives in its own file (`create`, `retag`, `resize`, `watch`); this one orders them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::batch::{self, Create};
use super::inplace;
use super::probes::{ProbePool, Readiness};
use super::report::{HostOutcome, HostResult, Report, RunKind};
use super::rolling::Rolling;
use super::rolling::Unfinished;
use super::sink::{ActionKind, ActionSink, Finished, Progress};
use super::watch::{Pending, Task};
use crate::clock::{Clock, MAX_WAIT};
use crate::config::DesiredHost;
use crate::ownership::Scope;
use crate::ownership::names::replaces_tag;
use crate::plan::Planned;
use crate::provider::{Client, Droplet, DropletAction, ProviderError};

#[derive(Clone)]
pub struct ApplyOptions {
    pub poll_interval: Duration,
    /// How long creates, resizes and replacements may take to become ready.
    pub timeout: Duration,
    /// How long deletes may take to disappear from the listing.
    pub delete_timeout: Duration,
    /// Also grow the disk on resize (irreversible).
    pub resize_disk: bool,
    /// Apply or destroy, for the report.
    pub kind: RunKind,
    pub clock: Arc<dyn Clock>,
    /// How hosts whose `ready:` asks for more than the API's word are probed; `None`: none is.
    pub readiness: Option<Readiness>,
    /// Replacements in flight at once (`apply.max_replacing`, resolved); `None`: all at once.
    pub max_replacing: Option<usize>,
}

/// The shortest poll interval against DigitalOcean: a tick is one listing, and the account's 250 requests
/// a minute are shared with every other tool and person.
pub const MIN_POLL: Duration = Duration::from_secs(1);
/// Against a local sandbox, where no rate limit applies, tests may poll faster.
pub const MIN_POLL_LOCAL: Duration = Duration::from_millis(10);

impl ApplyOptions {
    /// Refuses timings that would burn the rate limit or never end; `local`: the API is on this machine.
    pub fn check(&self, local: bool) -> Result<(), String> {
        let min = if local { MIN_POLL_LOCAL } else { MIN_POLL };
        if self.poll_interval < min {
            return Err(format!(
                "the poll interval is {:?}; it must be at least {min:?}{}, or polling would spend the API's rate limit",
                self.poll_interval,
                if local { "" } else { " against DigitalOcean" }
            ));
        }
        for (what, value) in [
            ("poll interval", self.poll_interval),
            ("timeout", self.timeout),
            ("delete timeout", self.delete_timeout),
        ] {
            if value.is_zero() || value >= MAX_WAIT {
                return Err(format!(
                    "the {what} is {value:?}; it must be above 0 and below a day (24h)"
                ));
            }
        }
        Ok(())
    }
}

pub(super) struct Engine<'a> {
    pub(super) client: &'a Client,
    pub(super) planned: &'a Planned,
    pub(super) scope: &'a Scope,
    /// The droplets there were when the plan was made: any other of one of our names is a concurrent
    /// apply's (see `watch`).
    pub(super) known_ids: BTreeSet<u64>,
    pub(super) options: &'a ApplyOptions,
    pub(super) progress: &'a mut dyn Progress,
    pub(super) sink: &'a mut dyn ActionSink,
    pub(super) results: Vec<HostResult>,
    /// Started at the first probe.
    pub(super) probes: Option<ProbePool>,
    pub(super) rolling: Rolling,
    /// Tasks a step started besides its own (a replacement deleting several old droplets).
    pub(super) spawned: Vec<Pending>,
    started: Instant,
}

/// Carries out `planned`. Independent work goes on past failures; every outcome is in the report.
pub fn execute(
    client: &Client,
    planned: &Planned,
    options: &ApplyOptions,
    progress: &mut dyn Progress,
    sink: &mut dyn ActionSink,
) -> Report {
    let mut engine = Engine {
        client,
        planned,
        scope: &planned.scope,
        known_ids: planned.live.iter().map(|d| d.id).collect(),
        options,
        progress,
        sink,
        results: Vec::new(),
        probes: None,
        rolling: Rolling::default(),
        spawned: Vec::new(),
        started: options.clock.instant(),
    };
    let mut pending: Vec<Pending> = Vec::new();
    let mut network = Vec::new();
    if options.kind == RunKind::Destroy {
        // The env's records and firewalls go before its droplets.
        network = super::network::run(&mut engine, planned, true);
    }

    // A replacement an earlier apply left unfinished is finished only once its new droplet is ready.
    let unfinished = engine.unfinished_replacements();
    // Deletes first: they free names and quota, and depend on nothing.
    pending.extend(engine.deletes(planned, &unfinished));
    pending.extend(engine.creates(planned, &unfinished));
    pending.extend(engine.finish_replacements(&unfinished));
    engine.retag(
        &[
            (&planned.plan.to_update, ActionKind::Retag),
            (&planned.plan.to_adopt, ActionKind::Adopt),
        ],
        &planned.live,
    );
    pending.extend(engine.start_updates(planned));
    pending.extend(engine.unfinished_boots(planned, &unfinished));

    engine.watch(pending);
    if options.kind == RunKind::Apply {
        // Then the project, firewalls, records and reserved IPs, against the droplets as they are now.
        network = super::network::run(&mut engine, planned, false);
    }
    let mut results = engine.results;
    results.sort_by(|a, b| {
        crate::natural::cmp(&a.droplet_name, &b.droplet_name)
            .then(a.action.as_str().cmp(b.action.as_str()))
    });
    let elapsed = options
        .clock
        .instant()
        .saturating_duration_since(engine.started);
    let mut report = Report::new(options.kind, &planned.plan.env, client, elapsed);
    report.results = results;
    report.network = network;
    report.recording_problems = engine.sink.problems();
    report
}

impl Engine<'_> {
    /// Creates and replacements, batched; with `max_replacing`, only the first group of replacements
    /// (the others start as each group finishes, see `rolling`).
    fn creates(&mut self, planned: &Planned, unfinished: &Unfinished) -> Vec<Pending> {
        let mut creates: Vec<(String, Vec<u64>)> = planned
            .plan
            .to_create
            .iter()
            .map(|e| (e.droplet_name.clone(), Vec::new()))
            .collect();
        let mut replacements: Vec<(String, Vec<u64>)> = Vec::new();
        for entry in &planned.plan.to_replace {
            if let Some(old) = entry.droplet_id {
                // An old droplet that this one was itself to replace goes too, once the new one is ready.
                let mut olds = vec![old];
                olds.extend(unfinished.folded_into(&entry.droplet_name));
                replacements.push((entry.droplet_name.clone(), olds));
            }
        }
        let first = self.rolling.plan(replacements, self.options.max_replacing);
        for (name, _) in self.rolling.queued() {
            self.progress
                .update(name, "replace waiting for an earlier group to be ready");
        }
        creates.extend(first);
        self.create_hosts(&creates)
    }

    /// Creates these hosts (droplet name, the droplets each replaces), batched.
    pub(super) fn create_hosts(&mut self, hosts: &[(String, Vec<u64>)]) -> Vec<Pending> {
        let by_name: BTreeMap<&str, &DesiredHost> = (self.planned.desired.iter())
            .map(|h| (h.droplet_name.as_str(), h))
            .collect();
        let mut creates: Vec<Create> = Vec::new();
        let mut replaced: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for (name, olds) in hosts {
            let Some(host) = by_name.get(name.as_str()) else {
                continue;
            };
            creates.push(Create {
                host,
                extra_tags: olds.iter().map(|&old| replaces_tag(old)).collect(),
            });
            if !olds.is_empty() {
                replaced.insert(name.clone(), olds.clone());
            }
        }
        let batches = batch::batches(&creates, &self.planned.ssh_keys);
        self.create_batches(&batches, &replaced)
    }

    /// In-place updates (feature actions, resizes, power-ons): started here, carried on by the watch.
    fn start_updates(&mut self, planned: &Planned) -> Vec<Pending> {
        let mut pending = Vec::new();
        for entry in planned.plan.to_update.iter().chain(&planned.plan.to_adopt) {
            let Some(id) = entry.droplet_id else { continue };
            let live_size = (planned.live.iter())
                .find(|d| d.id == id)
                .map_or("", |d| d.size_slug.as_str());
            let Some((action, steps)) = inplace::plan(entry, live_size) else {
                continue;
            };
            self.progress
                .update(&entry.droplet_name, &format!("{action} pending"));
            pending.push(Pending::new(
                &entry.droplet_name,
                action,
                Task::Update { id, steps },
            ));
        }
        pending
    }

    /// Droplets from an earlier, interrupted apply that have not finished booting.
    fn unfinished_boots(&mut self, planned: &Planned, unfinished: &Unfinished) -> Vec<Pending> {
        let mut pending = Vec::new();
        for droplet in &planned.live {
            let unchanged = planned.plan.unchanged.contains(&droplet.name);
            if unchanged && !droplet.is_up() && !unfinished.is_successor(droplet.id) {
                self.progress
                    .update(&droplet.name, "waiting for an earlier create");
                pending.push(Pending::new(
                    &droplet.name,
                    ActionKind::Wait,
                    Task::Boot {
                        id: droplet.id,
                        replaces: Vec::new(),
                    },
                ));
            }
        }
        pending
    }

    pub(super) fn ok(
        &mut self,
        name: &str,
        action: ActionKind,
        droplet: Option<&Droplet>,
        id: Option<u64>,
    ) {
        self.results.push(HostResult {
            droplet_name: name.to_string(),
            action,
            droplet_id: droplet.map(|d| d.id).or(id),
            public_ipv4: droplet.and_then(|d| d.public_ipv4().map(str::to_string)),
            outcome: HostOutcome::Done,
        });
    }

    pub(super) fn fail(
        &mut self,
        name: &str,
        action: ActionKind,
        id: Option<u64>,
        error: String,
        request_id: Option<String>,
    ) {
        self.progress.update(name, &format!("{action} failed"));
        self.results.push(HostResult {
            droplet_name: name.to_string(),
            action,
            droplet_id: id,
            public_ipv4: None,
            outcome: HostOutcome::Failed { error, request_id },
        });
    }

    /// Finishes the host's recorded action as failed and reports the host.
    pub(super) fn fail_recorded(
        &mut self,
        row: Option<i64>,
        name: &str,
        action: ActionKind,
        id: Option<u64>,
        error: String,
        request_id: Option<String>,
    ) {
        let failed = Finished::Failed {
            droplet_id: id,
            error: &error,
        };
        self.sink.finish(row, failed);
        self.fail(name, action, id, error, request_id);
    }

    pub(super) fn fail_with(
        &mut self,
        name: &str,
        action: ActionKind,
        id: Option<u64>,
        e: &ProviderError,
    ) {
        self.fail(
            name,
            action,
            id,
            e.to_string(),
            e.request_id().map(str::to_string),
        );
    }

    /// Sends one droplet action for the host `p` works on; `false` (and the host reported) on failure.
    pub(super) fn action(&mut self, p: &Pending, id: u64, action: &DropletAction) -> bool {
        let kind = ActionKind::of(action);
        self.progress.update(&p.droplet_name, kind.as_str());
        let row = self.sink.pending(&p.droplet_name, Some(id), kind);
        match self.client.droplet_action(id, action) {
            Ok(do_action) => {
                self.sink.finish(
                    row,
                    Finished::Done {
                        do_action,
                        droplet_id: Some(id),
                    },
                );
                true
            }
            Err(e) => {
                let request_id = e.request_id().map(str::to_string);
                self.fail_recorded(
                    row,
                    &p.droplet_name,
                    p.action,
                    Some(id),
                    e.to_string(),
                    request_id,
                );
                false
            }
        }
    }
}

//! Carries out a plan: batched creates that are never duplicated, resizes, replacements and deletes,
//! all watched through one tag-filtered listing per poll tick.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::batch::{self, Batch, Create};
use super::report::{HostResult, Report};
use crate::clock::Clock;
use crate::config::DesiredHost;
use crate::config::hosts::{REPLACES_TAG_PREFIX, SPEC_TAG_PREFIX, TAGS_TAG_PREFIX};
use crate::plan::{Entry, Planned, fetch};
use crate::provider::{Client, Droplet, ProviderError};

/// Ambiguous create failures are looked into and re-sent at most this many times in all.
const CREATE_ATTEMPTS: u32 = 3;

#[derive(Clone)]
pub struct ApplyOptions {
    pub poll_interval: Duration,
    /// How long creates, resizes and replacements may take to become ready.
    pub timeout: Duration,
    /// How long deletes may take to disappear from the listing.
    pub delete_timeout: Duration,
    /// Also grow the disk on resize (irreversible).
    pub resize_disk: bool,
    pub clock: Arc<dyn Clock>,
}

/// Where progress goes; the CLI renders it, tests record it.
pub trait Progress {
    fn update(&mut self, droplet_name: &str, state: &str);
}

/// Where dispatched actions are recorded (`apply --db`): `pending` before the call, then `finish`.
pub trait ActionSink {
    fn pending(&mut self, droplet_name: &str, droplet_id: Option<u64>, action: &str)
    -> Option<i64>;
    fn finish(
        &mut self,
        row: Option<i64>,
        ok: bool,
        action_id: Option<u64>,
        droplet_id: Option<u64>,
        error: Option<&str>,
    );

    /// Recording failures, reported after the apply (they never stop it half-way).
    fn problems(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A sink that records nothing.
pub struct NoActions;

impl ActionSink for NoActions {
    fn pending(&mut self, _: &str, _: Option<u64>, _: &str) -> Option<i64> {
        None
    }
    fn finish(&mut self, _: Option<i64>, _: bool, _: Option<u64>, _: Option<u64>, _: Option<&str>) {
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    PowerOff,
    WaitOff,
    Resize,
    WaitResized,
    PowerOn,
    WaitOn,
}

#[derive(Debug)]
enum Task {
    /// A new droplet (or a replacement's new droplet) until it is active with an address.
    Boot {
        id: u64,
        replaces: Option<u64>,
    },
    Resize {
        id: u64,
        size: String,
        stage: Stage,
    },
    /// Deleted; waiting for it to leave the listing.
    Gone {
        id: u64,
    },
}

struct Pending {
    droplet_name: String,
    action: &'static str,
    task: Task,
    row: Option<i64>,
    /// DigitalOcean's action id for the create, from the reply's `links.actions`.
    do_action: Option<u64>,
}

/// Droplets per tag request: a bound on the body, well under any limit the API might have.
const TAG_CHUNK: usize = 100;

struct Engine<'a> {
    client: &'a Client,
    env: &'a str,
    options: &'a ApplyOptions,
    progress: &'a mut dyn Progress,
    sink: &'a mut dyn ActionSink,
    results: Vec<HostResult>,
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
        env: &planned.plan.env,
        options,
        progress,
        sink,
        results: Vec::new(),
        started: options.clock.instant(),
    };
    let mut pending: Vec<Pending> = Vec::new();

    // Deletes first: they free names and quota, and depend on nothing.
    for entry in &planned.plan.to_delete {
        if let Some(p) = engine.delete(entry, "delete") {
            pending.push(p);
        }
    }
    // Creates and replacements, batched.
    let by_name: BTreeMap<&str, &DesiredHost> = planned
        .desired
        .iter()
        .map(|h| (h.droplet_name.as_str(), h))
        .collect();
    let mut creates: Vec<Create> = Vec::new();
    let mut replaced: BTreeMap<String, u64> = BTreeMap::new();
    for entry in &planned.plan.to_create {
        if let Some(host) = by_name.get(entry.droplet_name.as_str()) {
            creates.push(Create {
                host,
                extra_tags: Vec::new(),
            });
        }
    }
    for entry in &planned.plan.to_replace {
        if let (Some(host), Some(old)) =
            (by_name.get(entry.droplet_name.as_str()), entry.droplet_id)
        {
            creates.push(Create {
                host,
                extra_tags: vec![format!("{REPLACES_TAG_PREFIX}{old}")],
            });
            replaced.insert(entry.droplet_name.clone(), old);
        }
    }
    let known_ids: BTreeSet<u64> = planned.live.iter().map(|d| d.id).collect();
    for b in batch::batches(&creates, &planned.ssh_key) {
        pending.extend(engine.create_batch(&b, &known_ids, &replaced));
    }
    engine.retag(&planned.plan.to_update, &planned.live);
    // Resizes and power-ons.
    for entry in &planned.plan.to_update {
        let Some(id) = entry.droplet_id else { continue };
        let live = planned.live.iter().find(|d| d.id == id);
        let change = |field: &str| entry.changes.iter().find(|c| c.field == field);
        let (action, size, stage) = match (change("size"), change("power")) {
            (Some(size), _) => ("resize", size.to.clone(), Stage::PowerOff),
            (None, Some(_)) => (
                "power_on",
                live.map(|d| d.size_slug.clone()).unwrap_or_default(),
                Stage::PowerOn,
            ),
            // Tags only: done above.
            (None, None) => continue,
        };
        engine
            .progress
            .update(&entry.droplet_name, &format!("{action} pending"));
        pending.push(Pending {
            droplet_name: entry.droplet_name.clone(),
            action,
            task: Task::Resize { id, size, stage },
            row: None,
            do_action: None,
        });
    }
    // Droplets from an earlier, interrupted apply that have not finished booting.
    for droplet in &planned.live {
        let unchanged = planned.plan.unchanged.contains(&droplet.name);
        if unchanged && !is_ready(droplet) {
            engine
                .progress
                .update(&droplet.name, "waiting for an earlier create");
            pending.push(Pending {
                droplet_name: droplet.name.clone(),
                action: "wait",
                task: Task::Boot {
                    id: droplet.id,
                    replaces: None,
                },
                row: None,
                do_action: None,
            });
        }
    }

    engine.watch(pending);
    let mut results = engine.results;
    results.sort_by(|a, b| {
        a.droplet_name
            .cmp(&b.droplet_name)
            .then(a.action.cmp(&b.action))
    });
    Report {
        env: planned.plan.env.clone(),
        results,
        // The same client made the plan, so its count covers planning too.
        requests: client.request_count(),
        elapsed_ms: options
            .clock
            .instant()
            .saturating_duration_since(engine.started)
            .as_millis() as u64,
    }
}

fn is_ready(droplet: &Droplet) -> bool {
    droplet.status == "active" && !droplet.locked && droplet.public_ipv4().is_some()
}

impl Engine<'_> {
    fn ok(&mut self, name: &str, action: &str, droplet: Option<&Droplet>, id: Option<u64>) {
        self.results.push(HostResult {
            droplet_name: name.to_string(),
            action: action.to_string(),
            ok: true,
            droplet_id: droplet.map(|d| d.id).or(id),
            public_ipv4: droplet.and_then(|d| d.public_ipv4().map(str::to_string)),
            error: None,
            request_id: None,
        });
    }

    fn fail(
        &mut self,
        name: &str,
        action: &str,
        id: Option<u64>,
        error: String,
        request_id: Option<String>,
    ) {
        self.progress.update(name, &format!("{action} failed"));
        self.results.push(HostResult {
            droplet_name: name.to_string(),
            action: action.to_string(),
            ok: false,
            droplet_id: id,
            public_ipv4: None,
            error: Some(error),
            request_id,
        });
    }

    fn fail_with(&mut self, name: &str, action: &str, id: Option<u64>, e: &ProviderError) {
        self.fail(
            name,
            action,
            id,
            e.to_string(),
            e.request_id().map(str::to_string),
        );
    }

    fn delete(&mut self, entry: &Entry, action: &'static str) -> Option<Pending> {
        let id = entry.droplet_id?;
        self.progress.update(&entry.droplet_name, "deleting");
        let row = self.sink.pending(&entry.droplet_name, Some(id), "delete");
        match self.client.delete(&format!("/v2/droplets/{id}")) {
            Ok(_) => {
                self.sink.finish(row, true, None, Some(id), None);
                Some(Pending {
                    droplet_name: entry.droplet_name.clone(),
                    action,
                    task: Task::Gone { id },
                    row: None,
                    do_action: None,
                })
            }
            Err(e) => {
                self.sink
                    .finish(row, false, None, Some(id), Some(&e.to_string()));
                self.fail_with(&entry.droplet_name, action, Some(id), &e);
                None
            }
        }
    }

    /// Changes tags in place: every addition first (so a droplet never lacks a tag it should keep), then
    /// every removal, old hash tags last; one request per tag and up to [`TAG_CHUNK`] droplets. A host whose tagging failed is
    /// left out of its later requests and reported; running apply again finishes the job.
    fn retag(&mut self, entries: &[Entry], live: &[Droplet]) {
        let mut hosts: Vec<(&Entry, u64, Option<i64>)> = Vec::new();
        let mut adds: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        let mut removes: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for entry in entries {
            let (Some(id), Some(change)) = (
                entry.droplet_id,
                entry.changes.iter().find(|c| c.field == "tags"),
            ) else {
                continue;
            };
            for tag in change.to.split_whitespace() {
                adds.entry(tag).or_default().push(id);
            }
            for tag in change.from.split_whitespace() {
                removes.entry(tag).or_default().push(id);
            }
            self.progress.update(&entry.droplet_name, "retagging");
            let row = self.sink.pending(&entry.droplet_name, Some(id), "retag");
            hosts.push((entry, id, row));
        }
        // The old hash tags go last: while a droplet still carries its old `stagecraft:tags:` (or legacy
        // spec) tag, the next plan can tell which of its tags stagecraft set, so an apply stopped half-way
        // is finished by the next one.
        let (hash_removes, removes): (BTreeMap<&str, Vec<u64>>, _) =
            removes.into_iter().partition(|(tag, _)| {
                tag.starts_with(SPEC_TAG_PREFIX) || tag.starts_with(TAGS_TAG_PREFIX)
            });
        let mut failed: BTreeMap<u64, (String, Option<String>)> = BTreeMap::new();
        for (add, by_tag) in [(true, adds), (false, removes), (false, hash_removes)] {
            for (tag, ids) in by_tag {
                let ids: Vec<u64> = ids
                    .into_iter()
                    .filter(|id| !failed.contains_key(id))
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                // A tag some droplet already carries exists; only new ones are created.
                let new_tag = add && !live.iter().any(|d| d.tags.iter().any(|t| t == tag));
                let created = if new_tag {
                    self.client.create_tag(tag)
                } else {
                    Ok(())
                };
                let outcomes: Vec<(&[u64], Result<(), ProviderError>)> = match created {
                    Err(e) => vec![(&ids[..], Err(e))],
                    Ok(()) => ids
                        .chunks(TAG_CHUNK)
                        .map(|chunk| (chunk, self.client.tag_droplets(tag, chunk, add)))
                        .collect(),
                };
                for (chunk, outcome) in outcomes {
                    if let Err(e) = outcome {
                        let doing = if add { "adding" } else { "removing" };
                        for id in chunk {
                            failed.insert(
                                *id,
                                (
                                    format!("{doing} tag {tag}: {e}"),
                                    e.request_id().map(str::to_string),
                                ),
                            );
                        }
                    }
                }
            }
        }
        for (entry, id, row) in hosts {
            match failed.remove(&id) {
                None => {
                    self.sink.finish(row, true, None, Some(id), None);
                    self.progress.update(&entry.droplet_name, "tags updated");
                    self.ok(&entry.droplet_name, "retag", None, Some(id));
                }
                Some((error, request_id)) => {
                    self.sink.finish(row, false, None, Some(id), Some(&error));
                    self.fail(&entry.droplet_name, "retag", Some(id), error, request_id);
                }
            }
        }
    }

    /// Sends one create batch exactly once: after an ambiguous failure it lists the env, adopts what the
    /// API did create, and re-sends only the names still missing.
    fn create_batch(
        &mut self,
        batch: &Batch,
        known_ids: &BTreeSet<u64>,
        replaced: &BTreeMap<String, u64>,
    ) -> Vec<Pending> {
        let mut remaining: Vec<String> = batch.names.clone();
        let mut created: Vec<(String, u64)> = Vec::new();
        let rows: BTreeMap<String, Option<i64>> = remaining
            .iter()
            .map(|n| (n.clone(), self.sink.pending(n, None, "create")))
            .collect();
        for name in &remaining {
            self.progress.update(name, "creating");
        }
        let mut attempt = 0;
        let mut failure: Option<ProviderError> = None;
        let mut do_actions: BTreeMap<String, Option<u64>> = BTreeMap::new();
        while !remaining.is_empty() && attempt < CREATE_ATTEMPTS {
            attempt += 1;
            match self.client.post("/v2/droplets", &batch.body(&remaining)) {
                Ok(reply) => {
                    // `links.actions` holds one create action per droplet, in the same order.
                    let actions: Vec<Option<u64>> = reply
                        .body
                        .pointer("/links/actions")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .map(|l| l.get("id").and_then(Value::as_u64))
                                .collect()
                        })
                        .unwrap_or_default();
                    for (i, d) in reply_droplets(&reply.body).into_iter().enumerate() {
                        if remaining.contains(&d.name) {
                            do_actions.insert(d.name.clone(), actions.get(i).copied().flatten());
                            created.push((d.name.clone(), d.id));
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
                    match self.find_created(&remaining, known_ids) {
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
                            for name in std::mem::take(&mut remaining) {
                                let msg = format!(
                                    "{e}; then listing to check whether it was created failed too ({look}); run apply again to finish safely"
                                );
                                self.sink.finish(rows[&name], false, None, None, Some(&msg));
                                self.fail(
                                    &name,
                                    "create",
                                    None,
                                    msg,
                                    e.request_id().map(str::to_string),
                                );
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
                self.sink
                    .finish(rows[&name], false, None, None, Some(&e.to_string()));
                self.fail_with(&name, "create", None, e);
            }
        }
        created
            .into_iter()
            .map(|(name, id)| {
                self.progress.update(&name, "booting");
                Pending {
                    action: if replaced.contains_key(&name) {
                        "replace"
                    } else {
                        "create"
                    },
                    task: Task::Boot {
                        id,
                        replaces: replaced.get(&name).copied(),
                    },
                    row: rows.get(&name).copied().flatten(),
                    do_action: do_actions.get(&name).copied().flatten(),
                    droplet_name: name,
                }
            })
            .collect()
    }

    /// Managed droplets named in `names` that were not there when the plan was made.
    fn find_created(
        &self,
        names: &[String],
        known_ids: &BTreeSet<u64>,
    ) -> Result<Vec<(String, u64)>, ProviderError> {
        let live = fetch::live(self.client, self.env)?;
        Ok(live
            .into_iter()
            .filter(|d| names.contains(&d.name) && !known_ids.contains(&d.id))
            .map(|d| (d.name, d.id))
            .collect())
    }

    /// Polls with one listing per tick until every pending task is done or the deadlines pass.
    fn watch(&mut self, mut pending: Vec<Pending>) {
        let clock = self.options.clock.clone();
        let start = clock.instant();
        let mut first = true;
        while !pending.is_empty() {
            if !first {
                clock.sleep(self.options.poll_interval);
            }
            first = false;
            let elapsed = clock.instant().saturating_duration_since(start);
            // A failed listing is never read as "gone": it only counts against the deadline.
            let (live, last_error) = match fetch::live(self.client, self.env) {
                Ok(live) => (live, None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            let listed = last_error.is_none();
            let by_id: BTreeMap<u64, &Droplet> = live.iter().map(|d| (d.id, d)).collect();
            let mut still = Vec::new();
            for mut p in pending {
                let deadline = match p.task {
                    Task::Gone { .. } => self.options.delete_timeout,
                    _ => self.options.timeout,
                };
                if listed && self.step(&mut p, &by_id) {
                    continue;
                }
                if elapsed >= deadline {
                    let state = by_id
                        .get(&task_id(&p.task))
                        .map(|d| d.status.clone())
                        .unwrap_or_else(|| "unknown".into());
                    let why = match &last_error {
                        Some(e) => format!(
                            "timed out after {}s; the last listing failed: {e}",
                            deadline.as_secs()
                        ),
                        None => format!(
                            "timed out after {}s waiting (droplet status `{state}`); run apply again to finish",
                            deadline.as_secs()
                        ),
                    };
                    self.sink
                        .finish(p.row, false, None, Some(task_id(&p.task)), Some(&why));
                    self.fail(&p.droplet_name, p.action, Some(task_id(&p.task)), why, None);
                    continue;
                }
                still.push(p);
            }
            pending = still;
        }
    }

    /// Advances one task with the latest listing; true when it is finished (done or failed).
    fn step(&mut self, p: &mut Pending, by_id: &BTreeMap<u64, &Droplet>) -> bool {
        match p.task {
            Task::Gone { id } => {
                if by_id.contains_key(&id) {
                    return false;
                }
                self.progress.update(&p.droplet_name, "deleted");
                self.ok(&p.droplet_name.clone(), p.action, None, Some(id));
                true
            }
            Task::Boot { id, replaces } => {
                let Some(droplet) = by_id.get(&id) else {
                    return false;
                };
                if !is_ready(droplet) {
                    self.progress.update(
                        &p.droplet_name,
                        &format!("{} (waiting to be active with an address)", droplet.status),
                    );
                    return false;
                }
                self.sink.finish(p.row, true, p.do_action, Some(id), None);
                if let Some(old) = replaces {
                    // The new droplet is ready: only now does the old one go.
                    self.progress
                        .update(&p.droplet_name, "new droplet ready; deleting the old one");
                    let entry = Entry {
                        name: String::new(),
                        droplet_name: p.droplet_name.clone(),
                        role: String::new(),
                        size: String::new(),
                        region: String::new(),
                        image: String::new(),
                        droplet_id: Some(old),
                        changes: Vec::new(),
                    };
                    return match self.delete(&entry, "replace") {
                        Some(gone) => {
                            *p = gone;
                            false
                        }
                        None => true,
                    };
                }
                self.progress.update(
                    &p.droplet_name,
                    &format!("active at {}", droplet.public_ipv4().unwrap_or("?")),
                );
                self.ok(&p.droplet_name.clone(), p.action, Some(droplet), None);
                true
            }
            Task::Resize {
                id,
                ref size,
                stage,
            } => {
                let Some(droplet) = by_id.get(&id).copied() else {
                    self.fail(
                        &p.droplet_name.clone(),
                        p.action,
                        Some(id),
                        "the droplet disappeared during the resize".into(),
                        None,
                    );
                    return true;
                };
                let size = size.clone();
                // Each action is sent against fresh state, so at most one is sent per tick.
                let next = match stage {
                    Stage::PowerOff | Stage::PowerOn | Stage::Resize if droplet.locked => {
                        return false;
                    }
                    Stage::PowerOff if droplet.status == "off" => Stage::Resize,
                    Stage::PowerOff => Stage::WaitOff,
                    Stage::WaitOff if droplet.status == "off" && !droplet.locked => Stage::Resize,
                    Stage::WaitResized if !droplet.locked && droplet.size_slug == size => {
                        Stage::PowerOn
                    }
                    Stage::WaitOn | Stage::PowerOn
                        if droplet.status == "active" && !droplet.locked =>
                    {
                        self.progress
                            .update(&p.droplet_name, &format!("{} done", p.action));
                        self.ok(&p.droplet_name.clone(), p.action, Some(droplet), None);
                        return true;
                    }
                    other => other,
                };
                let sent = match next {
                    Stage::WaitOff if stage == Stage::PowerOff => {
                        self.action(p, id, json!({"type": "power_off"}), "power_off")
                    }
                    Stage::Resize => self.action(
                        p,
                        id,
                        json!({"type": "resize", "size": size, "disk": self.options.resize_disk}),
                        "resize",
                    ),
                    Stage::PowerOn => self.action(p, id, json!({"type": "power_on"}), "power_on"),
                    _ => Some(()),
                };
                if sent.is_none() {
                    return true;
                }
                let after = match next {
                    Stage::Resize => Stage::WaitResized,
                    Stage::PowerOn => Stage::WaitOn,
                    other => other,
                };
                if let Task::Resize {
                    stage: ref mut current,
                    ..
                } = p.task
                {
                    *current = after;
                }
                false
            }
        }
    }

    /// Sends one droplet action; on failure the host is reported and `None` returned.
    fn action(&mut self, p: &Pending, id: u64, body: Value, kind: &str) -> Option<()> {
        self.progress.update(&p.droplet_name, kind);
        let row = self.sink.pending(&p.droplet_name, Some(id), kind);
        match self
            .client
            .post(&format!("/v2/droplets/{id}/actions"), &body)
        {
            Ok(reply) => {
                let action_id = reply.body.pointer("/action/id").and_then(Value::as_u64);
                self.sink.finish(row, true, action_id, Some(id), None);
                Some(())
            }
            Err(e) => {
                self.sink
                    .finish(row, false, None, Some(id), Some(&e.to_string()));
                self.fail_with(&p.droplet_name.clone(), p.action, Some(id), &e);
                None
            }
        }
    }
}

fn task_id(task: &Task) -> u64 {
    match task {
        Task::Boot { id, .. } | Task::Resize { id, .. } | Task::Gone { id } => *id,
    }
}

fn reply_droplets(body: &Value) -> Vec<Droplet> {
    let list = match (body.get("droplets"), body.get("droplet")) {
        (Some(Value::Array(items)), _) => items.clone(),
        (_, Some(one)) => vec![one.clone()],
        _ => Vec::new(),
    };
    list.into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect()
}

//! Carrying out an env's networking after its droplets (and before them on destroy): the state is read
//! again, so new droplets' ids and addresses are known, the diff made afresh, and its steps sent in
//! order: the project, firewalls (then the wait until each is `succeeded`), records, reserved IPs (then
//! the wait until each points at its droplet). Independent requests go out together within the budget.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::diff::{Inputs, Step, diff};
use super::live::{Wants, fetch};
use super::model::{NetAction, NetKind};
use super::spec::NetworkSpec;
use super::wait;
use crate::clock::Clock;
use crate::config::DesiredHost;
use crate::ownership::Scope;
use crate::provider::projects::ProjectResource;
use crate::provider::{Client, Droplet, ProviderError};

/// URNs per assignment request.
const ASSIGN_CHUNK: usize = 100;

/// How long and how often to wait, through the injectable clock.
#[derive(Clone)]
pub struct Timing {
    pub poll_interval: Duration,
    pub timeout: Duration,
    pub clock: Arc<dyn Clock>,
}

/// How one networking step ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetResult {
    pub kind: NetKind,
    pub action: NetAction,
    pub name: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl NetResult {
    pub(super) fn done(kind: NetKind, action: NetAction, name: &str) -> NetResult {
        NetResult {
            kind,
            action,
            name: name.to_string(),
            ok: true,
            error: None,
            request_id: None,
        }
    }

    pub(super) fn failed(
        kind: NetKind,
        action: NetAction,
        name: &str,
        e: &ProviderError,
    ) -> NetResult {
        NetResult {
            error: Some(e.to_string()),
            request_id: e.request_id().map(str::to_string),
            ok: false,
            ..NetResult::done(kind, action, name)
        }
    }

    pub(super) fn refused(kind: NetKind, action: NetAction, name: &str, why: String) -> NetResult {
        NetResult {
            error: Some(why),
            ok: false,
            ..NetResult::done(kind, action, name)
        }
    }
}

/// What one run works on.
pub struct Run<'a> {
    pub client: &'a Client,
    pub spec: &'a NetworkSpec,
    pub scope: &'a Scope,
    pub desired: &'a [DesiredHost],
    /// The env's droplets when the plan was made.
    pub former: &'a [Droplet],
    pub timing: &'a Timing,
}

/// After the droplets: the networking of the env made as the config says.
pub fn after_droplets(run: &Run, progress: &mut dyn FnMut(&str, &str)) -> Vec<NetResult> {
    carry_out(run, false, progress)
}

/// Before the droplets go on destroy: the env's records and firewalls deleted.
pub fn before_destroy(run: &Run, progress: &mut dyn FnMut(&str, &str)) -> Vec<NetResult> {
    carry_out(run, true, progress)
}

fn carry_out(run: &Run, destroy: bool, progress: &mut dyn FnMut(&str, &str)) -> Vec<NetResult> {
    let whole = |e: &ProviderError| {
        vec![NetResult::failed(
            NetKind::Project,
            NetAction::Update,
            "networking",
            e,
        )]
    };
    // Nothing configured and no group tag on the env's droplets (this apply writes them only when the
    // config has firewalls): no networking to do, and no request spent finding that out.
    let mut before = Wants::of(run.spec, super::live::grouped(run.spec, run.former));
    if destroy {
        before.project = false;
        before.reserved_ips = false;
    }
    if !before.any() {
        return Vec::new();
    }
    let droplets = match run.client.droplets_tagged(&run.scope.env_tag()) {
        Ok(mut all) => {
            all.retain(|d| run.scope.owns(d));
            all
        }
        Err(e) => return whole(&e),
    };
    let grouped =
        super::live::grouped(run.spec, &droplets) || super::live::grouped(run.spec, run.former);
    let mut wants = Wants::of(run.spec, grouped);
    if destroy {
        wants.project = false;
        wants.reserved_ips = false;
    }
    if !wants.any() {
        return Vec::new();
    }
    let live = match fetch(run.client, run.spec, wants) {
        Ok(live) => live,
        Err(e) => return whole(&e),
    };
    let pending = BTreeSet::new();
    let inputs = Inputs {
        spec: run.spec,
        live: &live,
        desired: run.desired,
        droplets: &droplets,
        pending: &pending,
        former: run.former,
        destroy,
    };
    let plan = match diff(&inputs) {
        Ok(plan) => plan,
        Err(conflicts) => {
            return conflicts
                .iter()
                .map(|c| NetResult::refused(c.kind(), NetAction::Update, c.key(), c.to_string()))
                .collect();
        }
    };
    let mut results = Vec::new();
    let mut project_id = live.project.as_ref().map(|p| p.id.clone());
    let mut firewalls_changed: Vec<(String, String, NetAction)> = Vec::new();
    let mut ips_moved: Vec<(String, u64, String)> = Vec::new();
    let mut records = Vec::new();
    let mut firewall_steps = Vec::new();
    for step in plan.steps {
        match step {
            Step::CreateProject(request) => {
                progress(&format!("project {}", request.name), "creating");
                match create_project(run.client, &request) {
                    Ok(id) => {
                        project_id = Some(id);
                        results.push(NetResult::done(
                            NetKind::Project,
                            NetAction::Create,
                            &request.name,
                        ));
                    }
                    Err(e) => results.push(NetResult::failed(
                        NetKind::Project,
                        NetAction::Create,
                        &request.name,
                        &e,
                    )),
                }
            }
            Step::Assign(urns) => {
                let name = run.spec.project.as_ref().map_or("", |p| p.name.as_str());
                progress(
                    &format!("project {name}"),
                    &format!("assigning {} resources", urns.len()),
                );
                results.extend(assign(run.client, project_id.as_deref(), name, &urns));
            }
            Step::EnsureTags(tags) => {
                for (tag, r) in tags.iter().zip(
                    run.client
                        .each_parallel(&tags, |t| run.client.create_tag(t)),
                ) {
                    if let Err(e) = r {
                        results.push(NetResult::failed(
                            NetKind::Firewall,
                            NetAction::Create,
                            tag,
                            &e,
                        ));
                    }
                }
            }
            Step::CreateFirewall(_)
            | Step::ReplaceFirewall { .. }
            | Step::DeleteFirewall { .. } => {
                firewall_steps.push(step);
            }
            Step::CreateRecord(_) | Step::UpdateRecord { .. } | Step::DeleteRecord { .. } => {
                records.push(step)
            }
            Step::AssignIp {
                ip,
                droplet_id,
                droplet_name,
            } => {
                // Firewalls and records first: their order is the contract (droplets, project,
                // firewalls, records, reserved IPs).
                ips_moved.push((ip, droplet_id, droplet_name));
            }
        }
    }
    // Firewalls: every change at once, then one listing per tick until each is in force.
    let sent = run
        .client
        .each_parallel(&firewall_steps, |s| super::send::firewall(run.client, s));
    for (step, outcome) in firewall_steps.iter().zip(sent) {
        let (action, name) = super::send::label(step);
        progress(&format!("firewall {name}"), action.as_str());
        match outcome {
            Ok(Some(id)) => firewalls_changed.push((id, name.to_string(), action)),
            Ok(None) => results.push(NetResult::done(NetKind::Firewall, action, name)),
            Err(e) => results.push(NetResult::failed(NetKind::Firewall, action, name, &e)),
        }
    }
    results.extend(wait::firewalls(
        run.client,
        run.timing,
        &firewalls_changed,
        progress,
    ));
    for (step, outcome) in records.iter().zip(
        run.client
            .each_parallel(&records, |s| super::send::record(run.client, run.spec, s)),
    ) {
        let (action, name) = super::send::label(step);
        progress(&format!("record {name}"), action.as_str());
        results.push(match outcome {
            Ok(()) => NetResult::done(NetKind::Record, action, name),
            Err(e) => NetResult::failed(NetKind::Record, action, name, &e),
        });
    }
    // The env's droplets, now and when the plan was made: the only ones an address is taken from.
    let may_take: BTreeSet<u64> = (droplets.iter().chain(run.former)).map(|d| d.id).collect();
    results.extend(wait::reserved_ips(
        run.client, run.timing, &ips_moved, &may_take, progress,
    ));
    results
}

fn create_project(
    client: &Client,
    request: &crate::provider::projects::ProjectRequest,
) -> Result<String, ProviderError> {
    match client.create_project(request) {
        Ok(p) => Ok(p.id),
        // Names are unique: after an ambiguous failure (or a concurrent apply) the name tells.
        Err(e) => match client.project_named(&request.name)? {
            Some(p) => Ok(p.id),
            None => Err(e),
        },
    }
}

fn assign(client: &Client, project: Option<&str>, name: &str, urns: &[String]) -> Vec<NetResult> {
    let Some(id) = project else {
        return vec![NetResult::refused(
            NetKind::Project,
            NetAction::Move,
            name,
            "the project could not be created".into(),
        )];
    };
    let mut out = Vec::new();
    for chunk in urns.chunks(ASSIGN_CHUNK) {
        match client.assign_to_project(id, chunk) {
            Ok(resources) => {
                for r in resources.iter().filter(|r| chunk.contains(&r.urn)) {
                    out.push(assigned(name, r));
                }
            }
            Err(e) => out.push(NetResult::failed(
                NetKind::Project,
                NetAction::Move,
                name,
                &e,
            )),
        }
    }
    out
}

fn assigned(project: &str, r: &ProjectResource) -> NetResult {
    let label = format!("{} -> {project}", r.urn);
    if r.assigned() {
        NetResult::done(NetKind::Project, NetAction::Move, &label)
    } else {
        NetResult::refused(
            NetKind::Project,
            NetAction::Move,
            &label,
            format!(
                "the API answered `{}`",
                r.status.clone().unwrap_or_default()
            ),
        )
    }
}

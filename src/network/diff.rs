//! The pure diff of an env's networking: what the config asks (`NetworkSpec`) against what is live
//! (`NetLive`, the env's droplets), as the steps apply sends and the entries a plan shows, or the
//! conflicts that stop it. Firewalls and records have files of their own; the project and reserved IPs
//! are here.

use std::collections::{BTreeMap, BTreeSet};

use super::live::NetLive;
use super::model::{NetAction, NetConflict, NetEntry, NetKind};
use super::spec::NetworkSpec;
use super::{firewalls, records};
use crate::config::DesiredHost;
use crate::ownership::net_owner::canonical_ip;
use crate::provider::Droplet;
use crate::provider::domains::RecordRequest;
use crate::provider::firewalls::FirewallRequest;
use crate::provider::projects::ProjectRequest;

pub struct Inputs<'a> {
    pub spec: &'a NetworkSpec,
    pub live: &'a NetLive,
    pub desired: &'a [DesiredHost],
    /// The env's droplets of this config that stay, as listed now.
    pub droplets: &'a [Droplet],
    /// Droplets the droplet plan creates or replaces: their addresses and ids are not known yet.
    pub pending: &'a BTreeSet<String>,
    /// Every droplet of the env when the plan was made: their record names are ours to clean up, and the
    /// addresses they held count as ours (a replaced droplet's record moves to the new one).
    pub former: &'a [Droplet],
    /// `destroy`: everything of the env's networking goes but the project and the reserved IPs.
    pub destroy: bool,
}

/// One request apply sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    CreateProject(ProjectRequest),
    /// Into the project (its id is known, or comes from `CreateProject`).
    Assign(Vec<String>),
    /// Tags the firewalls name that no droplet carries yet (a firewall may name only existing tags).
    EnsureTags(Vec<String>),
    CreateFirewall(FirewallRequest),
    ReplaceFirewall {
        id: String,
        request: FirewallRequest,
    },
    DeleteFirewall {
        id: String,
        name: String,
    },
    CreateRecord(RecordRequest),
    UpdateRecord {
        id: u64,
        request: RecordRequest,
    },
    DeleteRecord {
        id: u64,
        name: String,
    },
    AssignIp {
        ip: String,
        droplet_id: u64,
        droplet_name: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetPlan {
    pub steps: Vec<Step>,
    /// Sorted: kind (apply order), then name.
    pub entries: Vec<NetEntry>,
}

pub(super) fn entry(
    kind: NetKind,
    action: NetAction,
    name: &str,
    id: Option<String>,
    detail: String,
) -> NetEntry {
    NetEntry {
        kind,
        action,
        name: name.to_string(),
        id,
        detail,
    }
}

pub fn diff(inputs: &Inputs) -> Result<NetPlan, Vec<NetConflict>> {
    let mut out = NetPlan::default();
    let mut conflicts = Vec::new();
    project(inputs, &mut out);
    firewalls::diff(inputs, &mut out, &mut conflicts);
    records::diff(inputs, &mut out, &mut conflicts);
    reserved_ips(inputs, &mut out, &mut conflicts);
    if !conflicts.is_empty() && !inputs.destroy {
        return Err(conflicts);
    }
    // The project itself comes before what goes into it.
    let project_first =
        |e: &NetEntry| !(e.kind == NetKind::Project && e.action == NetAction::Create);
    out.entries.sort_by(|a, b| {
        (a.kind.cmp(&b.kind))
            .then_with(|| project_first(a).cmp(&project_first(b)))
            .then_with(|| crate::natural::cmp(&a.name, &b.name))
            .then_with(|| a.action.cmp(&b.action))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(out)
}

/// The droplet each desired host has now (the oldest, should there be two).
pub(super) fn droplet_of<'a>(inputs: &'a Inputs, host: &DesiredHost) -> Option<&'a Droplet> {
    (inputs.droplets.iter())
        .filter(|d| d.name == host.droplet_name)
        .min_by_key(|d| d.id)
}

fn project(inputs: &Inputs, out: &mut NetPlan) {
    let (Some(spec), false) = (&inputs.spec.project, inputs.destroy) else {
        return;
    };
    let live = inputs.live;
    if live.project.is_none() {
        out.steps.push(Step::CreateProject(ProjectRequest {
            name: spec.name.clone(),
            purpose: spec.purpose.clone(),
            description: spec.description.clone(),
        }));
        out.entries.push(entry(
            NetKind::Project,
            NetAction::Create,
            &spec.name,
            None,
            format!("purpose `{}`", spec.purpose),
        ));
    }
    let into = format!("into `{}`", spec.name);
    let mut urns = Vec::new();
    for host in inputs.desired {
        if inputs.pending.contains(&host.droplet_name) {
            out.entries.push(entry(
                NetKind::Project,
                NetAction::Assign,
                &host.droplet_name,
                None,
                format!("{into} (the new droplet)"),
            ));
            continue;
        }
        let Some(d) = droplet_of(inputs, host) else {
            continue;
        };
        let urn = format!("do:droplet:{}", d.id);
        if live.project_urns.contains(&urn) {
            continue;
        }
        // A droplet that exists but is not in the project is in another one (the default, at least).
        out.entries.push(entry(
            NetKind::Project,
            NetAction::Move,
            &host.droplet_name,
            Some(d.id.to_string()),
            format!("{into} from another project"),
        ));
        urns.push(urn);
    }
    if let Some(dns) = &inputs.spec.dns {
        let urn = format!("do:domain:{}", dns.domain);
        // A domain the envs share stays in the project of the env that took it first.
        if !live.domain_missing
            && !live.project_urns.contains(&urn)
            && live.domain_in_sibling.is_none()
        {
            out.entries.push(entry(
                NetKind::Project,
                NetAction::Move,
                &dns.domain,
                None,
                format!("{into} (the DNS domain)"),
            ));
            urns.push(urn);
        }
    }
    if !urns.is_empty() {
        out.steps.push(Step::Assign(urns));
    }
}

fn reserved_ips(inputs: &Inputs, out: &mut NetPlan, conflicts: &mut Vec<NetConflict>) {
    if inputs.destroy {
        return;
    }
    let ours: BTreeMap<u64, &str> = (inputs.droplets.iter())
        .chain(inputs.former)
        .map(|d| (d.id, d.name.as_str()))
        .collect();
    for (droplet_name, ip) in &inputs.spec.reserved_ips {
        let Some(live) = inputs
            .live
            .reserved_ips
            .iter()
            .find(|r| canonical_ip(&r.ip) == canonical_ip(ip))
        else {
            // Reported by the live checks (`check::problems`).
            continue;
        };
        let holder = live.droplet.as_ref().map(|d| d.id);
        if let Some(h) = holder.filter(|h| !ours.contains_key(h)) {
            conflicts.push(NetConflict::ReservedIp {
                ip: ip.clone(),
                droplet_id: h,
            });
            continue;
        }
        let from = holder
            .and_then(|h| ours.get(&h))
            .map(|n| format!(" from {n} (id {})", holder.unwrap_or_default()));
        if inputs.pending.contains(droplet_name) {
            let detail = format!(
                "to the new {droplet_name} once it is ready{}",
                from.clone().unwrap_or_default()
            );
            let action = if holder.is_some() {
                NetAction::Move
            } else {
                NetAction::Assign
            };
            out.entries
                .push(entry(NetKind::ReservedIp, action, ip, None, detail));
            continue;
        }
        let Some(host) = inputs
            .desired
            .iter()
            .find(|h| &h.droplet_name == droplet_name)
        else {
            continue;
        };
        let Some(d) = droplet_of(inputs, host) else {
            continue;
        };
        if holder == Some(d.id) {
            continue;
        }
        let action = if holder.is_some() {
            NetAction::Move
        } else {
            NetAction::Assign
        };
        out.entries.push(entry(
            NetKind::ReservedIp,
            action,
            ip,
            None,
            format!(
                "to {droplet_name} (id {}){}",
                d.id,
                from.unwrap_or_default()
            ),
        ));
        out.steps.push(Step::AssignIp {
            ip: ip.clone(),
            droplet_id: d.id,
            droplet_name: droplet_name.clone(),
        });
    }
}

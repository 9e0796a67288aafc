//! The firewalls part of the network diff: ours (by name and targets) updated with one whole PUT when
//! their rules or tags differ as sets, created when missing, deleted when their key left the config or
//! the env is destroyed; one with our name that is not ours is a conflict.

use std::collections::BTreeSet;

use super::diff::{Inputs, NetPlan, Step, entry};
use super::model::{NetAction, NetConflict, NetKind};
use crate::ownership::net_owner::{Owner, firewall_owner};
use crate::ownership::net_rules::{rule_set, same_firewall};
use crate::provider::firewalls::{Firewall, FirewallRequest};

pub(super) fn diff(inputs: &Inputs, out: &mut NetPlan, conflicts: &mut Vec<NetConflict>) {
    let spec = inputs.spec;
    let wanted: &[FirewallRequest] = if inputs.destroy { &[] } else { &spec.firewalls };
    let names: BTreeSet<String> = spec.firewalls.iter().map(|f| f.name.clone()).collect();
    let prefix = spec.firewall_prefix();
    let mut ours: Vec<&Firewall> = Vec::new();
    for fw in &inputs.live.firewalls {
        match firewall_owner(fw, &names, &prefix, spec.config_name.as_deref(), &spec.env) {
            Owner::Ours => ours.push(fw),
            Owner::Conflict => conflicts.push(NetConflict::Firewall {
                name: fw.name.clone(),
                id: fw.id.clone(),
            }),
            Owner::Unrelated => {}
        }
    }
    ours.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let carried: BTreeSet<&str> = (inputs.droplets.iter())
        .flat_map(|d| d.tags.iter().map(String::as_str))
        .collect();
    let mut missing_tags = BTreeSet::new();
    let mut kept: BTreeSet<&str> = BTreeSet::new();
    for want in wanted {
        let live = ours.iter().find(|f| f.name == want.name);
        let needs_tags = || {
            let mut tags: BTreeSet<String> = want.tags.iter().cloned().collect();
            for r in &want.inbound_rules {
                tags.extend(r.sources.tags.iter().cloned());
            }
            for r in &want.outbound_rules {
                tags.extend(r.destinations.tags.iter().cloned());
            }
            tags.into_iter().filter(|t| !carried.contains(t.as_str()))
        };
        match live {
            None => {
                missing_tags.extend(needs_tags());
                out.steps.push(Step::CreateFirewall(want.clone()));
                out.entries.push(entry(
                    NetKind::Firewall,
                    NetAction::Create,
                    &want.name,
                    None,
                    summary(want),
                ));
            }
            Some(fw) => {
                kept.insert(fw.id.as_str());
                if same_firewall(fw, &want.inbound_rules, &want.outbound_rules, &want.tags) {
                    continue;
                }
                missing_tags.extend(needs_tags());
                out.steps.push(Step::ReplaceFirewall {
                    id: fw.id.clone(),
                    request: want.clone(),
                });
                out.entries.push(entry(
                    NetKind::Firewall,
                    NetAction::Update,
                    &want.name,
                    Some(fw.id.clone()),
                    what_differs(fw, want),
                ));
            }
        }
    }
    for fw in ours.iter().filter(|f| !kept.contains(f.id.as_str())) {
        out.steps.push(Step::DeleteFirewall {
            id: fw.id.clone(),
            name: fw.name.clone(),
        });
        let why = if inputs.destroy {
            ""
        } else {
            "no longer in the config"
        };
        out.entries.push(entry(
            NetKind::Firewall,
            NetAction::Delete,
            &fw.name,
            Some(fw.id.clone()),
            why.into(),
        ));
    }
    if !missing_tags.is_empty() {
        // Before any firewall step: the API refuses a firewall that names a tag that does not exist.
        let at = out
            .steps
            .iter()
            .position(|s| matches!(s, Step::CreateFirewall(_) | Step::ReplaceFirewall { .. }));
        out.steps.insert(
            at.unwrap_or(out.steps.len()),
            Step::EnsureTags(missing_tags.into_iter().collect()),
        );
    }
}

fn summary(want: &FirewallRequest) -> String {
    format!(
        "{} inbound, {} outbound rule{}; tags {}",
        want.inbound_rules.len(),
        want.outbound_rules.len(),
        if want.outbound_rules.len() == 1 {
            ""
        } else {
            "s"
        },
        want.tags.join(" ")
    )
}

/// A few words on what differs: the tags added and removed, and whether the rules changed.
fn what_differs(live: &Firewall, want: &FirewallRequest) -> String {
    let mut parts = Vec::new();
    let live_tags: BTreeSet<&String> = live.tags.iter().collect();
    let want_tags: BTreeSet<&String> = want.tags.iter().collect();
    let tag_edits: Vec<String> = (live_tags.difference(&want_tags))
        .map(|t| format!("-{t}"))
        .chain(want_tags.difference(&live_tags).map(|t| format!("+{t}")))
        .collect();
    if !tag_edits.is_empty() {
        parts.push(format!("tags {}", tag_edits.join(" ")));
    }
    let live_rules = rule_set(&live.inbound_rules, &live.outbound_rules);
    let want_rules = rule_set(&want.inbound_rules, &want.outbound_rules);
    if live_rules != want_rules {
        let added = want_rules.difference(&live_rules).count();
        let removed = live_rules.difference(&want_rules).count();
        parts.push(format!("rules +{added} -{removed}"));
    }
    if !live.droplet_ids.is_empty() {
        parts.push("droplets attached by id detached".into());
    }
    parts.join("; ")
}

//! The diff of desired hosts against live droplets. Pure: no I/O, sorted output, same input same plan.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::fields::{self, image_label};
use super::model::{Change, Conflict, Cost, Entry, FORMAT_VERSION, Plan};
use crate::config::DesiredHost;
use crate::ownership::names::{is_protected, replaced_ids, role_of};
use crate::ownership::{Belongs, Scope};
use crate::provider::Droplet;

/// Everything a plan is computed from.
pub struct Inputs<'a> {
    pub env: &'a str,
    /// Whose droplets these are (the env, and the config's `name:`).
    pub scope: &'a Scope,
    pub desired: &'a [DesiredHost],
    /// Droplets carrying the env tag.
    pub live: &'a [Droplet],
    /// Droplets without the env tag whose names the config wants.
    pub unmanaged_same_name: &'a [Droplet],
    /// Droplets of the env that belong to another config (its `name:` tag).
    pub other_configs: &'a [Droplet],
    /// Monthly price per size slug.
    pub prices: &'a BTreeMap<String, f64>,
    /// The account's SSH key names (they may explain the spec hash of an earlier build).
    pub account_keys: &'a [String],
}

pub fn diff(inputs: &Inputs<'_>) -> Result<Plan, Vec<Conflict>> {
    let mut conflicts = Vec::new();
    let mut live_by_name: BTreeMap<&str, Vec<&Droplet>> = BTreeMap::new();
    for droplet in inputs.live {
        live_by_name
            .entry(droplet.name.as_str())
            .or_default()
            .push(droplet);
    }
    // A replacement carries `stagecraft:replaces:<old id>`: if an apply stopped before deleting the old
    // droplet, the old one is simply to be deleted, not a duplicate.
    let mut superseded: Vec<&Droplet> = Vec::new();
    for droplets in live_by_name.values_mut() {
        let replaced: Vec<u64> = droplets.iter().flat_map(|d| replaced_ids(d)).collect();
        let (old, keep): (Vec<&Droplet>, Vec<&Droplet>) =
            droplets.iter().partition(|d| replaced.contains(&d.id));
        if !keep.is_empty() {
            superseded.extend(old);
            *droplets = keep;
        }
    }
    // Several of ours with one name (two applies at once from two machines, say): the oldest (lowest id)
    // is the one; the others are planned for deletion, for the user to approve.
    let mut duplicates: Vec<(&Droplet, u64)> = Vec::new();
    for droplets in live_by_name.values_mut() {
        droplets.sort_by_key(|d| d.id);
        let keep = droplets[0].id;
        duplicates.extend(droplets.drain(1..).map(|d| (d, keep)));
    }
    let mut others: BTreeMap<&str, (Vec<u64>, &str)> = BTreeMap::new();
    for droplet in inputs.other_configs {
        let Belongs::OtherConfig(config) = inputs.scope.belongs(droplet) else {
            continue;
        };
        if inputs
            .desired
            .iter()
            .any(|h| h.droplet_name == droplet.name)
        {
            let entry = others
                .entry(droplet.name.as_str())
                .or_insert((Vec::new(), config));
            entry.0.push(droplet.id);
        }
    }
    for (name, (mut ids, config)) in others {
        ids.sort_unstable();
        conflicts.push(Conflict::OtherConfig {
            droplet_name: name.to_string(),
            ids,
            config: config.to_string(),
        });
    }
    let mut unmanaged: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for droplet in inputs.unmanaged_same_name {
        let wanted = inputs
            .desired
            .iter()
            .any(|h| h.droplet_name.eq_ignore_ascii_case(&droplet.name));
        if wanted && !live_by_name.contains_key(droplet.name.as_str()) {
            unmanaged
                .entry(droplet.name.as_str())
                .or_default()
                .push(droplet.id);
        }
    }
    for (name, mut ids) in unmanaged {
        ids.sort_unstable();
        conflicts.push(Conflict::Unmanaged {
            droplet_name: name.to_string(),
            ids,
        });
    }
    if !conflicts.is_empty() {
        conflicts.sort_by(|a, b| conflict_key(a).cmp(conflict_key(b)));
        return Err(conflicts);
    }

    let price = |size: &str| inputs.prices.get(size).copied().unwrap_or(0.0);
    let mut plan = Plan {
        format_version: FORMAT_VERSION,
        env: inputs.env.to_string(),
        to_create: Vec::new(),
        to_delete: Vec::new(),
        to_update: Vec::new(),
        to_replace: Vec::new(),
        to_adopt: Vec::new(),
        unchanged: Vec::new(),
        network: Vec::new(),
        cost: Cost::default(),
        live_fingerprint: live_fingerprint(inputs.live),
        config_fingerprint: config_fingerprint(inputs.desired),
    };
    let mut current = 0.0;
    let mut planned = 0.0;
    for host in inputs.desired {
        planned += price(&host.size);
        let Some(droplet) = live_by_name
            .get(host.droplet_name.as_str())
            .and_then(|d| d.first())
        else {
            plan.to_create.push(entry_for(host, None, Vec::new()));
            continue;
        };
        current += price(&droplet.size_slug);
        let compared = fields::compare(host, droplet, inputs.account_keys);
        let list = if compared.replaces() {
            &mut plan.to_replace
        } else if compared.adopt {
            &mut plan.to_adopt
        } else if !compared.changes.is_empty() {
            &mut plan.to_update
        } else {
            plan.unchanged.push(host.droplet_name.clone());
            continue;
        };
        let mut entry = entry_for(host, Some(droplet.id), compared.changes);
        entry.protected = is_protected(droplet);
        list.push(entry);
    }
    let prefix = format!("{}-", inputs.env);
    let undesired = live_by_name
        .iter()
        .filter(|(name, _)| !inputs.desired.iter().any(|h| h.droplet_name == **name))
        .map(|(_, droplets)| droplets[0]);
    let undesired = undesired
        .chain(superseded)
        .map(|d| (d, None))
        .chain(duplicates.into_iter().map(|(d, keep)| (d, Some(keep))));
    for (droplet, duplicate_of) in undesired {
        let name = &droplet.name;
        current += price(&droplet.size_slug);
        plan.to_delete.push(Entry {
            duplicate_of,
            name: name.strip_prefix(&prefix).unwrap_or(name).to_string(),
            droplet_name: name.to_string(),
            role: role_of(droplet).to_string(),
            size: droplet.size_slug.clone(),
            region: droplet.region.slug.clone(),
            image: image_label(droplet),
            droplet_id: Some(droplet.id),
            changes: Vec::new(),
            protected: is_protected(droplet),
        });
    }
    for list in [
        &mut plan.to_create,
        &mut plan.to_delete,
        &mut plan.to_update,
        &mut plan.to_replace,
        &mut plan.to_adopt,
    ] {
        list.sort_by(|a, b| crate::natural::cmp(&a.droplet_name, &b.droplet_name));
    }
    plan.unchanged.sort_by(|a, b| crate::natural::cmp(a, b));
    plan.cost = Cost {
        current_monthly_usd: round_cents(current),
        planned_monthly_usd: round_cents(planned),
        delta_monthly_usd: round_cents(planned - current),
    };
    Ok(plan)
}

fn conflict_key(c: &Conflict) -> &str {
    match c {
        Conflict::Unmanaged { droplet_name, .. } | Conflict::OtherConfig { droplet_name, .. } => {
            droplet_name
        }
        Conflict::Network(c) => c.key(),
    }
}

fn entry_for(host: &DesiredHost, droplet_id: Option<u64>, changes: Vec<Change>) -> Entry {
    Entry {
        name: host.name.clone(),
        droplet_name: host.droplet_name.clone(),
        role: host.role.clone(),
        size: host.size.clone(),
        region: host.region.clone(),
        image: host.image.clone(),
        droplet_id,
        changes,
        // Only deletes and replacements are ever blocked; set by the caller for those.
        protected: false,
        duplicate_of: None,
    }
}

fn round_cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A hash of the managed droplets as far as a plan depends on them (status and addresses excluded,
/// so a droplet finishing its boot does not make a saved plan stale).
pub fn live_fingerprint(live: &[Droplet]) -> String {
    let mut lines: Vec<String> = live
        .iter()
        .map(|d| {
            let mut tags = d.tags.clone();
            tags.sort();
            format!(
                "{}|{}|{}|{}|{}|{}",
                d.id,
                d.name,
                d.size_slug,
                d.region.slug,
                image_label(d),
                tags.join(",")
            )
        })
        .collect();
    lines.sort();
    short_hash(&lines.join("\n"))
}

pub fn config_fingerprint(desired: &[DesiredHost]) -> String {
    let lines: Vec<String> = desired
        .iter()
        .map(|h| {
            format!(
                "{}|{}|{}|{}|{}",
                h.droplet_name, h.role, h.size, h.region, h.image
            ) + &format!(
                "|{}|{}|{:?}|{}|{}|{}|{}",
                h.wanted().all().join(","),
                h.ssh_keys.join(","),
                h.vpc_uuid,
                h.backups,
                h.ipv6,
                h.monitoring,
                h.protect
            )
        })
        .collect();
    short_hash(&lines.join("\n"))
}

fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

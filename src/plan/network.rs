//! The networking part of a plan: the live firewalls, records, project and reserved IPs diffed against
//! the config, with the droplet plan's creates, replacements and deletes taken into account. Adds its
//! entries to the plan, or refuses it on a conflict or a missing domain or address.

use std::collections::BTreeSet;

use super::{Conflict, Plan, PlanError};
use crate::config::{Config, DesiredHost};
use crate::network::live::grouped;
use crate::network::{self, NetLive, NetworkSpec, Wants};
use crate::provider::{Client, Droplet, ProviderError};

/// The GETs of `wants`, plus the firewall listing when the config has none but the droplets still carry
/// group tags (a removed `firewalls:` leaves firewalls of ours to delete).
pub fn complete(
    client: &Client,
    spec: &NetworkSpec,
    fetched: NetLive,
    wants: Wants,
    live: &[Droplet],
) -> Result<NetLive, ProviderError> {
    if wants.firewalls || !grouped(spec, live) {
        return Ok(fetched);
    }
    Ok(NetLive {
        firewalls: client.list_firewalls()?,
        ..fetched
    })
}

/// A destroy's networking entries: the env's records and firewalls that go (the project and the reserved
/// IPs stay).
pub fn attach_destroy(client: &Client, planned: &mut super::Planned) -> Result<(), PlanError> {
    let spec = &planned.network;
    let mut wants = Wants::of(spec, grouped(spec, &planned.live));
    wants.project = false;
    wants.reserved_ips = false;
    if !wants.any() {
        return Ok(());
    }
    let net = network::live::fetch(client, spec, wants)?;
    let pending = BTreeSet::new();
    let inputs = network::Inputs {
        spec,
        live: &net,
        desired: &[],
        droplets: &planned.live,
        pending: &pending,
        former: &planned.live,
        destroy: true,
    };
    if let Ok(out) = network::diff::diff(&inputs) {
        planned.plan.network = out.entries;
    }
    Ok(())
}

/// Adds the networking entries to `plan`.
pub fn attach(
    config: &Config,
    spec: &NetworkSpec,
    net: &NetLive,
    plan: &mut Plan,
    desired: &[DesiredHost],
    live: &[Droplet],
) -> Result<(), PlanError> {
    let problems = network::check::problems(config, &plan.env, spec, net);
    if !problems.is_empty() {
        return Err(PlanError::Catalog {
            path: config.path.display().to_string(),
            problems,
        });
    }
    let pending: BTreeSet<String> = (plan.to_create.iter())
        .chain(&plan.to_replace)
        .map(|e| e.droplet_name.clone())
        .collect();
    let going: BTreeSet<u64> = (plan.to_delete.iter())
        .chain(&plan.to_replace)
        .filter_map(|e| e.droplet_id)
        .collect();
    let staying: Vec<Droplet> = (live.iter())
        .filter(|d| !going.contains(&d.id))
        .cloned()
        .collect();
    let inputs = network::Inputs {
        spec,
        live: net,
        desired,
        droplets: &staying,
        pending: &pending,
        former: live,
        destroy: false,
    };
    let out = network::diff::diff(&inputs).map_err(|conflicts| PlanError::Conflicts {
        env: plan.env.clone(),
        conflicts: conflicts.into_iter().map(Conflict::Network).collect(),
    })?;
    plan.network = out.entries;
    Ok(())
}

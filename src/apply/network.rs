//! The apply's networking: the env's project, firewalls, records and reserved IPs after its droplets
//! (before them on destroy), and the reserved-IP move of a replacement (see
//! [`Engine::before_replaced_droplet_is_deleted`]).

use super::engine::Engine;
use crate::network::apply::{NetResult, Run, Timing, after_droplets, before_destroy};
use crate::plan::Planned;
use crate::provider::Droplet;

fn timing(engine: &Engine) -> Timing {
    Timing {
        poll_interval: engine.options.poll_interval,
        timeout: engine.options.timeout,
        clock: engine.options.clock.clone(),
    }
}

/// Carries out the env's networking; `destroy`: only the deletes of its records and firewalls.
pub(super) fn run(engine: &mut Engine, planned: &Planned, destroy: bool) -> Vec<NetResult> {
    let timing = timing(engine);
    let run = Run {
        client: engine.client,
        spec: &planned.network,
        scope: engine.scope,
        desired: &planned.desired,
        former: &planned.live,
        timing: &timing,
    };
    let progress = &mut *engine.progress;
    let mut report = |name: &str, state: &str| progress.update(name, state);
    if destroy {
        before_destroy(&run, &mut report)
    } else {
        after_droplets(&run, &mut report)
    }
}

impl Engine<'_> {
    /// The replacement hook: called once the new droplet of a replacement is ready and before the old one
    /// is deleted. The host's DNS records that point at the old droplet are pointed at the new one, and
    /// its reserved IP is moved to the new droplet and waited for, so neither ever points at a droplet
    /// that is going away. A failure is only shown: the networking step after the droplets (which runs
    /// in the same apply) makes both right again.
    pub(super) fn before_replaced_droplet_is_deleted(
        &mut self,
        droplet_name: &str,
        new: &Droplet,
        old: u64,
    ) {
        let planned = self.planned;
        let spec = &planned.network;
        let Some(host) = planned
            .desired
            .iter()
            .find(|h| h.droplet_name == droplet_name)
        else {
            return;
        };
        let old_droplet = planned.live.iter().find(|d| d.id == old);
        if let (Some(dns), Some(old_droplet)) = (&spec.dns, old_droplet)
            && let Some(name) = spec.record_name(&host.name, &host.role)
        {
            let moves = crate::network::handover::records(
                self.client,
                &dns.domain,
                &name,
                old_droplet,
                new,
                dns.ttl,
            );
            for (what, outcome) in moves {
                let state = match outcome {
                    Ok(()) => format!("record {what} now points at the new droplet"),
                    Err(e) => format!("record {what} not moved yet: {e}"),
                };
                self.progress.update(droplet_name, &state);
            }
        }
        let Some(ip) = host.reserved_ip.clone() else {
            return;
        };
        let timing = timing(self);
        let live = match self.client.reserved_ip(&ip) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(e) => {
                self.progress.update(
                    droplet_name,
                    &format!("reserved IP {ip} not moved yet: {e}"),
                );
                return;
            }
        };
        if live.droplet.as_ref().is_some_and(|d| d.id != old) {
            // Held by another droplet: the networking step decides (a conflict if it is not ours).
            return;
        }
        self.progress.update(
            droplet_name,
            &format!("moving reserved IP {ip} to the new droplet"),
        );
        let moves = [(ip.clone(), new.id, droplet_name.to_string())];
        let mut quiet = |_: &str, _: &str| {};
        let may_take = std::collections::BTreeSet::from([old]);
        let moved =
            crate::network::wait::reserved_ips(self.client, &timing, &moves, &may_take, &mut quiet);
        for r in moved {
            if let Some(e) = r.error {
                self.progress.update(
                    droplet_name,
                    &format!("reserved IP {ip} not moved yet: {e}"),
                );
            }
        }
    }
}

//! The waits of the networking steps, through the injectable clock: firewalls until `succeeded` (one
//! listing per tick for all of them), reserved IPs until each points at its droplet and is unlocked.

use std::collections::{BTreeMap, BTreeSet};

use super::apply::{NetResult, Timing};
use super::model::{NetAction, NetKind};
use crate::ownership::net_owner::canonical_ip;
use crate::provider::Client;
use crate::provider::account_view::ReservedIp;

/// Waits for the firewalls `(id, name, what was done)` to be `succeeded`.
pub fn firewalls(
    client: &Client,
    timing: &Timing,
    changed: &[(String, String, NetAction)],
    progress: &mut dyn FnMut(&str, &str),
) -> Vec<NetResult> {
    let mut waiting: BTreeMap<&str, (&str, NetAction)> = changed
        .iter()
        .map(|(id, n, a)| (id.as_str(), (n.as_str(), *a)))
        .collect();
    let mut out = Vec::new();
    let start = timing.clock.instant();
    while !waiting.is_empty() {
        match client.list_firewalls() {
            Ok(all) => {
                for fw in all {
                    let Some((name, action)) = waiting.get(fw.id.as_str()).copied() else {
                        continue;
                    };
                    match fw.status.as_str() {
                        "succeeded" => {
                            progress(&format!("firewall {name}"), "in force");
                            out.push(NetResult::done(NetKind::Firewall, action, name));
                            waiting.remove(fw.id.as_str());
                        }
                        "failed" => {
                            out.push(NetResult::refused(
                                NetKind::Firewall,
                                action,
                                name,
                                "the API reports the firewall's change as failed".into(),
                            ));
                            waiting.remove(fw.id.as_str());
                        }
                        _ => progress(&format!("firewall {name}"), "waiting to be in force"),
                    }
                }
            }
            Err(e) => progress("firewalls", &format!("listing failed ({e}); trying again")),
        }
        if waiting.is_empty() {
            break;
        }
        if !next_tick(timing, start) {
            for (name, action) in waiting.values() {
                let why = format!(
                    "not in force after {}s (status still `waiting`); run apply again to check",
                    timing.timeout.as_secs()
                );
                out.push(NetResult::refused(NetKind::Firewall, *action, name, why));
            }
            break;
        }
    }
    out
}

/// What to do about one reserved IP, as the latest listing shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IpStep {
    /// On its droplet and unlocked.
    Done,
    /// Not on its droplet: send the assign.
    Assign,
    /// Locked, or assigned already: look again next tick.
    Wait,
    /// Held by this droplet, which is not one of the env's: never taken.
    Refuse(u64),
}

/// The address was checked when the steps were made, but the listing may have moved since (the firewall
/// wait can take minutes): it is taken only from a droplet in `may_take`.
fn ip_step(listed: &ReservedIp, target: u64, sent: bool, may_take: &BTreeSet<u64>) -> IpStep {
    let holder = listed.droplet.as_ref().map(|d| d.id);
    match holder {
        Some(h) if h == target && !listed.locked => IpStep::Done,
        Some(h) if h != target && !may_take.contains(&h) => IpStep::Refuse(h),
        _ if sent || listed.locked => IpStep::Wait,
        _ => IpStep::Assign,
    }
}

/// Assigns each `(ip, droplet id, droplet name)` once its address is unlocked, then waits until every
/// one points at its droplet. An address is taken only from a droplet in `may_take` (the env's).
pub fn reserved_ips(
    client: &Client,
    timing: &Timing,
    moves: &[(String, u64, String)],
    may_take: &BTreeSet<u64>,
    progress: &mut dyn FnMut(&str, &str),
) -> Vec<NetResult> {
    let mut out = Vec::new();
    // ip -> (droplet id, droplet name, sent)
    let mut todo: BTreeMap<String, (u64, &str, bool)> = moves
        .iter()
        .map(|(ip, id, name)| (canonical_ip(ip), (*id, name.as_str(), false)))
        .collect();
    let start = timing.clock.instant();
    while !todo.is_empty() {
        let listed = match client.reserved_ips() {
            Ok(l) => l,
            Err(e) => {
                progress(
                    "reserved IPs",
                    &format!("listing failed ({e}); trying again"),
                );
                Vec::new()
            }
        };
        for r in listed {
            let ip = canonical_ip(&r.ip);
            let Some((target, name, sent)) = todo.get(&ip).copied() else {
                continue;
            };
            match ip_step(&r, target, sent, may_take) {
                IpStep::Done => {
                    progress(&format!("reserved_ip {ip}"), &format!("on {name}"));
                    out.push(NetResult::done(NetKind::ReservedIp, NetAction::Move, &ip));
                    todo.remove(&ip);
                }
                IpStep::Refuse(holder) => {
                    let why = format!(
                        "now held by droplet {holder}, which is not one of the env's; not taken (unassign it there, then run apply again)"
                    );
                    out.push(NetResult::refused(
                        NetKind::ReservedIp,
                        NetAction::Move,
                        &ip,
                        why,
                    ));
                    todo.remove(&ip);
                }
                IpStep::Wait => {}
                IpStep::Assign => {
                    progress(
                        &format!("reserved_ip {ip}"),
                        &format!("assigning to {name}"),
                    );
                    match client.assign_reserved_ip(&ip, target) {
                        Ok(_) => {
                            todo.insert(ip, (target, name, true));
                        }
                        Err(e) => {
                            out.push(NetResult::failed(
                                NetKind::ReservedIp,
                                NetAction::Move,
                                &ip,
                                &e,
                            ));
                            todo.remove(&ip);
                        }
                    }
                }
            }
        }
        if todo.is_empty() {
            break;
        }
        if !next_tick(timing, start) {
            for ip in todo.keys() {
                let why = format!(
                    "not on its droplet after {}s; run apply again to finish",
                    timing.timeout.as_secs()
                );
                out.push(NetResult::refused(
                    NetKind::ReservedIp,
                    NetAction::Move,
                    ip,
                    why,
                ));
            }
            break;
        }
    }
    out
}

/// Sleeps one poll interval; false (without sleeping) once the timeout has passed since `start`.
fn next_tick(timing: &Timing, start: std::time::Instant) -> bool {
    if timing.clock.instant().saturating_duration_since(start) >= timing.timeout {
        return false;
    }
    timing.clock.sleep(timing.poll_interval);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(holder: Option<u64>, locked: bool) -> ReservedIp {
        serde_json::from_value(serde_json::json!({
            "ip": "203.0.113.10",
            "droplet": holder.map(|id| serde_json::json!({"id": id})),
            "locked": locked,
        }))
        .unwrap()
    }

    #[test]
    fn an_address_is_taken_only_from_the_envs_droplets() {
        let ours: BTreeSet<u64> = [1, 2].into();
        for (holder, locked, sent, want) in [
            (Some(9), false, false, IpStep::Done),
            (Some(9), true, false, IpStep::Wait),
            (None, false, false, IpStep::Assign),
            (None, true, false, IpStep::Wait),
            (None, false, true, IpStep::Wait),
            (Some(1), false, false, IpStep::Assign),
            (Some(2), false, true, IpStep::Wait),
            // Moved to a droplet that is not the env's since the plan: never taken from it.
            (Some(7), false, false, IpStep::Refuse(7)),
            (Some(7), true, false, IpStep::Refuse(7)),
            (Some(7), false, true, IpStep::Refuse(7)),
        ] {
            assert_eq!(
                ip_step(&listed(holder, locked), 9, sent, &ours),
                want,
                "held by {holder:?}, locked {locked}, sent {sent}"
            );
        }
    }
}

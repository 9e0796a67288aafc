//! The waits of the networking steps, through the injectable clock: firewalls until `succeeded` (one
//! listing per tick for all of them), reserved IPs until each points at its droplet and is unlocked.

use std::collections::BTreeMap;

use super::apply::{NetResult, Timing};
use super::model::{NetAction, NetKind};
use crate::ownership::net_owner::canonical_ip;
use crate::provider::Client;

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

/// Assigns each `(ip, droplet id, droplet name)` once its address is unlocked, then waits until every
/// one points at its droplet.
pub fn reserved_ips(
    client: &Client,
    timing: &Timing,
    moves: &[(String, u64, String)],
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
            if r.droplet.as_ref().map(|d| d.id) == Some(target) && !r.locked {
                progress(&format!("reserved_ip {ip}"), &format!("on {name}"));
                out.push(NetResult::done(NetKind::ReservedIp, NetAction::Move, &ip));
                todo.remove(&ip);
            } else if !sent && !r.locked {
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

//! The DNS part of the network diff: an A record per host (and AAAA with IPv6) named by the template,
//! pointing at its droplet's public address. Ours are updated in place when the address or TTL differs,
//! deleted when their host is gone; one with our name pointing elsewhere is a conflict.

use std::collections::{BTreeMap, BTreeSet};

use super::diff::{Inputs, NetPlan, Step, droplet_of, entry};
use super::model::{NetAction, NetConflict, NetKind};
use super::spec::host_of;
use crate::ownership::names::role_of;
use crate::ownership::net_owner::{Owner, canonical_ip, record_owner};
use crate::provider::domains::{DomainRecord, RecordRequest};

/// (relative name, type) -> the address it should hold; None: a new droplet's, not known yet.
type Wanted = BTreeMap<(String, String), Option<String>>;

pub(super) fn diff(inputs: &Inputs, out: &mut NetPlan, conflicts: &mut Vec<NetConflict>) {
    let (Some(dns), Some(live)) = (&inputs.spec.dns, &inputs.live.records) else {
        return;
    };
    let spec = inputs.spec;
    // Every name ours: of the hosts wanted now, and of the env's droplets when the plan was made.
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut wanted: Wanted = BTreeMap::new();
    for host in inputs.desired {
        let Some(name) = spec.record_name(&host.name, &host.role) else {
            continue;
        };
        names.insert(name.clone());
        if inputs.destroy {
            continue;
        }
        if inputs.pending.contains(&host.droplet_name) {
            wanted.insert((name.clone(), "A".into()), None);
            if host.ipv6 {
                wanted.insert((name, "AAAA".into()), None);
            }
            continue;
        }
        let Some(d) = droplet_of(inputs, host) else {
            continue;
        };
        if let Some(v4) = d.public_ipv4() {
            wanted.insert((name.clone(), "A".into()), Some(canonical_ip(v4)));
        }
        if let Some(v6) = d.public_ipv6().filter(|_| host.ipv6) {
            wanted.insert((name, "AAAA".into()), Some(canonical_ip(v6)));
        }
    }
    for d in inputs.former.iter().chain(inputs.droplets) {
        if let Some(name) =
            host_of(&d.name, &spec.env).and_then(|h| spec.record_name(h, role_of(d)))
        {
            names.insert(name);
        }
    }
    let addresses = |list: &[crate::provider::Droplet]| -> BTreeSet<String> {
        (list.iter())
            .flat_map(|d| d.public_ipv4().into_iter().chain(d.public_ipv6()))
            .map(canonical_ip)
            .collect()
    };
    let held = addresses(inputs.droplets);
    let held_before = addresses(inputs.former);
    let mut ours: BTreeMap<(String, String), Vec<&DomainRecord>> = BTreeMap::new();
    for r in live {
        match record_owner(r, &names, &held, &held_before) {
            Owner::Ours => ours
                .entry((r.name.to_ascii_lowercase(), r.kind.clone()))
                .or_default()
                .push(r),
            Owner::Conflict => conflicts.push(NetConflict::Record {
                domain: dns.domain.clone(),
                name: r.name.clone(),
                id: r.id,
                data: r.data.clone(),
            }),
            Owner::Unrelated => {}
        }
    }
    let label = |name: &str, kind: &str| format!("{name} {kind}");
    for ((name, kind), address) in &wanted {
        let live_ones = ours
            .remove(&(name.clone(), kind.clone()))
            .unwrap_or_default();
        let (first, extra) = match live_ones.split_first() {
            Some((f, rest)) => (Some(*f), rest.to_vec()),
            None => (None, Vec::new()),
        };
        for r in extra {
            delete(out, r, &label(name, kind), "a second record of this name");
        }
        let shown = address
            .clone()
            .unwrap_or_else(|| "the new droplet's address".into());
        let Some(r) = first else {
            out.entries.push(entry(
                NetKind::Record,
                NetAction::Create,
                &label(name, kind),
                None,
                format!("-> {shown}"),
            ));
            if let Some(a) = address {
                out.steps
                    .push(Step::CreateRecord(request(name, kind, a, dns.ttl)));
            }
            continue;
        };
        let same = address
            .as_ref()
            .is_some_and(|a| canonical_ip(&r.data) == *a)
            && r.ttl == Some(dns.ttl);
        if same {
            continue;
        }
        let ttl = match r.ttl {
            Some(t) if t != dns.ttl => format!(" (ttl {t} -> {})", dns.ttl),
            _ => String::new(),
        };
        out.entries.push(entry(
            NetKind::Record,
            NetAction::Update,
            &label(name, kind),
            Some(r.id.to_string()),
            format!("{} -> {shown}{ttl}", r.data),
        ));
        if let Some(a) = address {
            out.steps.push(Step::UpdateRecord {
                id: r.id,
                request: request(name, kind, a, dns.ttl),
            });
        }
    }
    for ((name, kind), rest) in ours {
        for r in rest {
            let why = if inputs.destroy {
                ""
            } else {
                "its host is gone"
            };
            delete(out, r, &label(&name, &kind), why);
        }
    }
}

fn delete(out: &mut NetPlan, r: &DomainRecord, label: &str, why: &str) {
    out.steps.push(Step::DeleteRecord {
        id: r.id,
        name: label.to_string(),
    });
    let detail = match why {
        "" => r.data.clone(),
        why => format!("{} ({why})", r.data),
    };
    out.entries.push(entry(
        NetKind::Record,
        NetAction::Delete,
        label,
        Some(r.id.to_string()),
        detail,
    ));
}

fn request(name: &str, kind: &str, address: &str, ttl: u64) -> RecordRequest {
    RecordRequest {
        kind: kind.into(),
        name: name.into(),
        data: address.into(),
        ttl,
    }
}

//! One networking request with its safety net: a create that failed ambiguously is looked for before
//! it could be sent twice (firewalls by name and targets, records by name, type and address).

use std::collections::BTreeSet;

use super::diff::Step;
use super::model::NetAction;
use super::spec::NetworkSpec;
use crate::ownership::net_owner::canonical_ip;
use crate::provider::firewalls::{Firewall, FirewallRequest};
use crate::provider::{Client, ProviderError};

/// What a step does, and to what, for progress and results.
pub fn label(step: &Step) -> (NetAction, &str) {
    match step {
        Step::CreateFirewall(r) => (NetAction::Create, &r.name),
        Step::ReplaceFirewall { request, .. } => (NetAction::Update, &request.name),
        Step::DeleteFirewall { name, .. } => (NetAction::Delete, name),
        Step::CreateRecord(r) => (NetAction::Create, &r.name),
        Step::UpdateRecord { request, .. } => (NetAction::Update, &request.name),
        Step::DeleteRecord { name, .. } => (NetAction::Delete, name),
        Step::CreateProject(r) => (NetAction::Create, &r.name),
        Step::Assign(_) | Step::EnsureTags(_) => (NetAction::Update, ""),
        Step::AssignIp { ip, .. } => (NetAction::Move, ip),
    }
}

/// A firewall step; the id of a firewall to wait for (created or replaced), None after a delete.
pub fn firewall(client: &Client, step: &Step) -> Result<Option<String>, ProviderError> {
    match step {
        Step::CreateFirewall(request) => match client.create_firewall(request) {
            Ok(fw) => Ok(Some(fw.id)),
            Err(e) if e.is_ambiguous() => {
                let made = (client.list_firewalls()?.into_iter()).find(|f| is_made(f, request));
                match made {
                    Some(fw) => Ok(Some(fw.id)),
                    None => client.create_firewall(request).map(|fw| Some(fw.id)),
                }
            }
            Err(e) => Err(e),
        },
        Step::ReplaceFirewall { id, request } => {
            client.replace_firewall(id, request).map(|fw| Some(fw.id))
        }
        Step::DeleteFirewall { id, .. } => client.delete_firewall(id).map(|_| None),
        _ => Ok(None),
    }
}

/// Whether `fw` is the firewall `request` creates: its name, and its tags as a set (the API need not
/// keep their order), no droplet by id.
fn is_made(fw: &Firewall, request: &FirewallRequest) -> bool {
    let set = |tags: &[String]| tags.iter().cloned().collect::<BTreeSet<String>>();
    fw.name == request.name && set(&fw.tags) == set(&request.tags) && fw.droplet_ids.is_empty()
}

pub fn record(client: &Client, spec: &NetworkSpec, step: &Step) -> Result<(), ProviderError> {
    let Some(dns) = &spec.dns else { return Ok(()) };
    match step {
        Step::CreateRecord(request) => match client.create_record(&dns.domain, request) {
            Ok(_) => Ok(()),
            Err(e) if e.is_ambiguous() => {
                let made = client.domain_records(&dns.domain)?.into_iter().any(|r| {
                    r.kind == request.kind
                        && r.name.eq_ignore_ascii_case(&request.name)
                        && canonical_ip(&r.data) == canonical_ip(&request.data)
                });
                if made {
                    Ok(())
                } else {
                    client.create_record(&dns.domain, request).map(|_| ())
                }
            }
            Err(e) => Err(e),
        },
        Step::UpdateRecord { id, request } => {
            client.update_record(&dns.domain, *id, request).map(|_| ())
        }
        Step::DeleteRecord { id, .. } => client.delete_record(&dns.domain, *id).map(|_| ()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_firewall_is_found_whatever_the_order_of_its_tags() {
        let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let request = FirewallRequest {
            name: "staging-web".into(),
            inbound_rules: Vec::new(),
            outbound_rules: Vec::new(),
            tags: tags(&[
                "stagecraft:group:staging:app",
                "stagecraft:group:staging:db",
            ]),
            droplet_ids: Vec::new(),
        };
        let fw = |name: &str, t: &[&str], ids: &[u64]| Firewall {
            id: "f".into(),
            name: name.into(),
            status: "waiting".into(),
            inbound_rules: Vec::new(),
            outbound_rules: Vec::new(),
            droplet_ids: ids.to_vec(),
            tags: tags(t),
        };
        let (app, db) = (
            "stagecraft:group:staging:app",
            "stagecraft:group:staging:db",
        );
        assert!(is_made(&fw("staging-web", &[app, db], &[]), &request));
        assert!(is_made(&fw("staging-web", &[db, app], &[]), &request));
        assert!(!is_made(&fw("staging-web", &[app], &[]), &request));
        assert!(!is_made(&fw("staging-web", &[app, db], &[7]), &request));
        assert!(!is_made(&fw("staging-db", &[app, db], &[]), &request));
    }
}

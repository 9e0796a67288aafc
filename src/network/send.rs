//! One networking request with its safety net: a create that failed ambiguously is looked for before
//! it could be sent twice (firewalls by name and targets, records by name, type and address).

use super::diff::Step;
use super::model::NetAction;
use super::spec::NetworkSpec;
use crate::ownership::net_owner::canonical_ip;
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
                let made = client.list_firewalls()?.into_iter().find(|f| {
                    f.name == request.name && f.tags == request.tags && f.droplet_ids.is_empty()
                });
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

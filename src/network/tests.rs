//! The pure network diff, table by table: what is planned for new, kept, replaced and gone hosts.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::diff::{Inputs, NetPlan, Step, diff};
use super::live::NetLive;
use super::model::{NetAction, NetConflict, NetKind};
use super::spec::{DnsSpec, NetworkSpec, ProjectSpec};
use crate::config::DesiredHost;
use crate::provider::Droplet;
use crate::provider::account_view::{Project, ReservedIp};
use crate::provider::domains::DomainRecord;
use crate::provider::firewalls::{Firewall, FirewallRequest, InboundRule, RuleTargets};

const WEB_TAG: &str = "stagecraft:group:staging:app";

fn droplet(id: u64, name: &str, ip: &str) -> Droplet {
    serde_json::from_value(json!({
        "id": id, "name": name, "status": "active", "size_slug": "s-1vcpu-1gb",
        "region": {"slug": "nyc1"}, "image": {"slug": "ubuntu-22-04-x64"},
        "tags": ["stagecraft", "stagecraft:env:staging", "stagecraft:role:app", WEB_TAG],
        "networks": {"v4": [{"ip_address": ip, "type": "public"}], "v6": []},
    }))
    .unwrap()
}

fn host(name: &str) -> DesiredHost {
    DesiredHost::example(name)
}

fn ssh_rule(ports: &str, address: &str) -> InboundRule {
    InboundRule {
        protocol: "tcp".into(),
        ports: ports.into(),
        sources: RuleTargets {
            addresses: vec![address.into()],
            ..RuleTargets::default()
        },
    }
}

fn spec() -> NetworkSpec {
    NetworkSpec {
        env: "staging".into(),
        config_name: None,
        firewalls: vec![FirewallRequest {
            name: "staging-web".into(),
            inbound_rules: vec![ssh_rule("22", "0.0.0.0/0"), ssh_rule("443", "0.0.0.0/0")],
            outbound_rules: Vec::new(),
            tags: vec![WEB_TAG.into()],
            droplet_ids: Vec::new(),
        }],
        dns: Some(DnsSpec {
            domain: "example.com".into(),
            ttl: 300,
            template: "{host}.{env}".into(),
        }),
        project: Some(ProjectSpec {
            siblings: Vec::new(),
            name: "shop staging".into(),
            purpose: "Web Application".into(),
            description: String::new(),
        }),
        reserved_ips: BTreeMap::from([("staging-app-1".to_string(), "198.18.0.9".to_string())]),
    }
}

fn record(id: u64, name: &str, data: &str) -> DomainRecord {
    DomainRecord {
        id,
        kind: "A".into(),
        name: name.into(),
        data: data.into(),
        ttl: Some(300),
    }
}

fn live_firewall(rules: Vec<InboundRule>) -> Firewall {
    Firewall {
        id: "fw-1".into(),
        name: "staging-web".into(),
        status: "succeeded".into(),
        inbound_rules: rules,
        outbound_rules: Vec::new(),
        droplet_ids: Vec::new(),
        tags: vec![WEB_TAG.into()],
    }
}

fn ip(holder: Option<u64>) -> ReservedIp {
    serde_json::from_value(json!({"ip": "198.18.0.9", "region": {"slug": "nyc1"}, "droplet": holder.map(|id| json!({"id": id}))})).unwrap()
}

fn run(
    live: &NetLive,
    droplets: &[Droplet],
    pending: &[&str],
    former: &[Droplet],
    destroy: bool,
) -> Result<NetPlan, Vec<NetConflict>> {
    let spec = spec();
    let desired: Vec<DesiredHost> = if destroy {
        Vec::new()
    } else {
        vec![host("app-1")]
    };
    let pending: BTreeSet<String> = pending.iter().map(|s| s.to_string()).collect();
    diff(&Inputs {
        spec: &spec,
        live,
        desired: &desired,
        droplets,
        pending: &pending,
        former,
        destroy,
    })
}

fn actions(plan: &NetPlan) -> Vec<(NetKind, NetAction, String)> {
    plan.entries
        .iter()
        .map(|e| (e.kind, e.action, e.name.clone()))
        .collect()
}

#[test]
fn a_new_host_is_planned_without_steps_until_its_droplet_exists() {
    let live = NetLive {
        records: Some(Vec::new()),
        reserved_ips: vec![ip(None)],
        ..NetLive::default()
    };
    let plan = run(&live, &[], &["staging-app-1"], &[], false).unwrap();
    assert_eq!(
        actions(&plan),
        [
            (NetKind::Project, NetAction::Create, "shop staging".into()),
            (NetKind::Project, NetAction::Move, "example.com".into()),
            (NetKind::Project, NetAction::Assign, "staging-app-1".into()),
            (NetKind::Firewall, NetAction::Create, "staging-web".into()),
            (NetKind::Record, NetAction::Create, "app-1.staging A".into()),
            (NetKind::ReservedIp, NetAction::Assign, "198.18.0.9".into()),
        ]
    );
    // The record and the address wait for the droplet: only the project and the firewall go out now.
    assert!(
        plan.steps
            .iter()
            .all(|s| !matches!(s, Step::CreateRecord(_) | Step::AssignIp { .. }))
    );
}

#[test]
fn a_steady_env_plans_nothing_whatever_the_rule_spelling() {
    let d = droplet(7, "staging-app-1", "203.0.113.5");
    let live = NetLive {
        firewalls: vec![live_firewall(vec![
            ssh_rule("443", "0.0.0.0/0"),
            ssh_rule("22", "0.0.0.0/0"),
            ssh_rule("22", "0.0.0.0/0"),
        ])],
        records: Some(vec![record(1, "app-1.staging", "203.0.113.5")]),
        project: Some(Project {
            id: "p".into(),
            name: "shop staging".into(),
            environment: None,
            purpose: None,
            is_default: false,
        }),
        project_urns: [
            "do:droplet:7".to_string(),
            "do:domain:example.com".to_string(),
        ]
        .into(),
        reserved_ips: vec![ip(Some(7))],
        ..NetLive::default()
    };
    let plan = run(
        &live,
        std::slice::from_ref(&d),
        &[],
        std::slice::from_ref(&d),
        false,
    )
    .unwrap();
    assert_eq!(plan, NetPlan::default());
    // One rule different: one whole PUT.
    let changed = NetLive {
        firewalls: vec![live_firewall(vec![ssh_rule("22", "0.0.0.0/0")])],
        ..live
    };
    let plan = run(
        &changed,
        std::slice::from_ref(&d),
        &[],
        std::slice::from_ref(&d),
        false,
    )
    .unwrap();
    assert_eq!(plan.entries[0].detail, "rules +1 -0");
    assert!(matches!(&plan.steps[..], [Step::ReplaceFirewall { id, .. }] if id == "fw-1"));
}

#[test]
fn after_a_replacement_the_record_and_address_follow_the_new_droplet() {
    let old = droplet(7, "staging-app-1", "203.0.113.5");
    let new = droplet(9, "staging-app-1", "203.0.113.6");
    let live = NetLive {
        records: Some(vec![record(1, "app-1.staging", "203.0.113.5")]),
        reserved_ips: vec![ip(Some(7))],
        ..NetLive::default()
    };
    let plan = run(
        &live,
        std::slice::from_ref(&new),
        &[],
        &[old, new.clone()],
        false,
    )
    .unwrap();
    assert!(plan.steps.contains(&Step::UpdateRecord {
        id: 1,
        request: crate::provider::domains::RecordRequest {
            kind: "A".into(),
            name: "app-1.staging".into(),
            data: "203.0.113.6".into(),
            ttl: 300
        },
    }));
    assert!(plan.steps.contains(&Step::AssignIp {
        ip: "198.18.0.9".into(),
        droplet_id: 9,
        droplet_name: "staging-app-1".into()
    }));
    // Without the old droplet among those the plan was made from, neither the record nor the address
    // is provably ours.
    let conflicts = run(
        &live,
        std::slice::from_ref(&new),
        &[],
        std::slice::from_ref(&new),
        false,
    )
    .unwrap_err();
    assert!(
        matches!(
            &conflicts[..],
            [
                NetConflict::Record { id: 1, .. },
                NetConflict::ReservedIp { droplet_id: 7, .. }
            ]
        ),
        "{conflicts:?}"
    );
}

#[test]
fn destroy_deletes_our_records_and_firewalls_only() {
    let d = droplet(7, "staging-app-1", "203.0.113.5");
    let mut theirs = live_firewall(Vec::new());
    theirs.id = "fw-2".into();
    theirs.name = "office".into();
    theirs.tags = vec!["office".into()];
    let live = NetLive {
        firewalls: vec![live_firewall(vec![ssh_rule("22", "0.0.0.0/0")]), theirs],
        records: Some(vec![
            record(1, "app-1.staging", "203.0.113.5"),
            record(2, "www", "203.0.113.5"),
            record(3, "app-1.staging", "198.51.100.1"),
        ]),
        ..NetLive::default()
    };
    let plan = run(
        &live,
        std::slice::from_ref(&d),
        &[],
        std::slice::from_ref(&d),
        true,
    )
    .unwrap();
    assert_eq!(
        plan.steps,
        [
            Step::DeleteFirewall {
                id: "fw-1".into(),
                name: "staging-web".into()
            },
            Step::DeleteRecord {
                id: 1,
                name: "app-1.staging A".into()
            },
        ]
    );
}

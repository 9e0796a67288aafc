//! Selecting hosts by name, droplet name or role, and locating them among live droplets.

use super::*;
use crate::provider::models::{ImageRef, NetworkV4, Networks, RegionRef};

fn host(name: &str, role: &str) -> DesiredHost {
    DesiredHost {
        role: role.into(),
        ..DesiredHost::example(name)
    }
}

fn droplet(id: u64, name: &str, status: &str, v4: &[(&str, &str)]) -> Droplet {
    Droplet {
        id,
        name: name.into(),
        status: status.to_string().into(),
        locked: false,
        memory: 0,
        vcpus: 0,
        disk: 0,
        size_slug: "s-1vcpu-1gb".into(),
        region: RegionRef {
            slug: "nyc1".into(),
            name: String::new(),
        },
        image: ImageRef {
            id: None,
            slug: None,
            name: None,
        },
        networks: Networks {
            v4: v4
                .iter()
                .map(|(ip, kind)| NetworkV4 {
                    ip_address: ip.to_string(),
                    kind: kind.to_string(),
                })
                .collect(),
            v6: vec![],
        },
        tags: vec![],
        created_at: String::new(),
        vpc_uuid: None,
        features: vec![],
    }
}

fn desired() -> Vec<DesiredHost> {
    vec![
        host("app-1", "app"),
        host("app-2", "app"),
        host("db-1", "db"),
    ]
}

fn names(hosts: &[&DesiredHost]) -> Vec<String> {
    hosts.iter().map(|h| h.name.clone()).collect()
}

#[test]
fn selects_by_host_droplet_name_role_or_all() {
    let d = desired();
    let pick = |s: Selection| names(&select(&d, "staging", &s).unwrap());
    assert_eq!(pick(Selection::Host("app-2".into())), ["app-2"]);
    assert_eq!(pick(Selection::Host("staging-db-1".into())), ["db-1"]);
    assert_eq!(pick(Selection::Role("app".into())), ["app-1", "app-2"]);
    assert_eq!(pick(Selection::All), ["app-1", "app-2", "db-1"]);
}

#[test]
fn unknown_host_and_role_say_what_exists() {
    let d = desired();
    let err = select(&d, "staging", &Selection::Host("app-3".into())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown host `app-3` in env `staging` (did you mean `app-1`?); its hosts are: app-1, app-2, db-1"
    );
    let err = select(&d, "staging", &Selection::Role("web".into())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no host in env `staging` has role `web`; its roles are: app, db"
    );
    let err = select(&[], "prod", &Selection::All).unwrap_err();
    assert_eq!(err.to_string(), "env `prod` defines no hosts");
}

#[test]
fn locates_public_or_private_addresses() {
    let d = desired();
    let hosts: Vec<&DesiredHost> = d.iter().take(1).collect();
    let live = [droplet(
        11,
        "staging-app-1",
        "active",
        &[("10.0.0.5", "private"), ("203.0.113.7", "public")],
    )];
    let public = locate(&hosts, &live, false).unwrap();
    assert_eq!(public[0].address, "203.0.113.7");
    assert_eq!(public[0].host_key_alias(), "stagecraft-droplet-11");
    assert_eq!(locate(&hosts, &live, true).unwrap()[0].address, "10.0.0.5");
}

#[test]
fn every_problem_is_reported_and_nothing_is_located() {
    let d = [
        host("a-1", "a"),
        host("b-1", "b"),
        host("c-1", "c"),
        host("d-1", "d"),
        host("e-1", "e"),
    ];
    let hosts: Vec<&DesiredHost> = d.iter().collect();
    let live = [
        droplet(1, "staging-b-1", "active", &[]),
        droplet(2, "staging-b-1", "active", &[]),
        droplet(3, "staging-c-1", "new", &[]),
        droplet(4, "staging-d-1", "active", &[("10.0.0.1", "private")]),
        droplet(5, "staging-e-1", "active", &[("203.0.113.1", "public")]),
    ];
    let problems = locate(&hosts, &live, false).unwrap_err();
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "a-1: no managed droplet `staging-a-1` exists; create it with `stagecraft apply`",
            "b-1: 2 managed droplets are named `staging-b-1` (ids 1, 2); delete the extra ones first",
            "c-1: droplet `staging-c-1` is `new`, not `active`",
            "d-1: droplet `staging-d-1` (id 4) has no public IPv4 address (try --private for the private one)",
        ]
    );
}

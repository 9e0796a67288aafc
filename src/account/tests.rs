//! Grouping the account's droplets and finding the name conflicts, on made-up droplets.

use super::*;

fn droplet(id: u64, name: &str, tags: &[&str]) -> Droplet {
    serde_json::from_value(serde_json::json!({
        "id": id, "name": name, "status": "active", "size_slug": "s",
        "region": {"slug": "nyc1"}, "image": {"slug": "x"}, "tags": tags,
    }))
    .unwrap()
}

fn host(env: &str, name: &str) -> DesiredHost {
    DesiredHost {
        env: env.into(),
        droplet_name: format!("{env}-{name}"),
        ..DesiredHost::example(name)
    }
}

#[test]
fn managed_droplets_are_grouped_by_config_and_env() {
    let droplets = vec![
        droplet(
            1,
            "staging-app-1",
            &["stagecraft", "stagecraft:env:staging"],
        ),
        droplet(
            2,
            "prod-web-1",
            &["stagecraft", "stagecraft:env:prod", "stagecraft:name:shop"],
        ),
        droplet(
            3,
            "staging-app-2",
            &["stagecraft", "stagecraft:env:staging"],
        ),
        droplet(4, "zeta", &[]),
        droplet(5, "alpha", &["web"]),
    ];
    let (groups, unmanaged) = group(&droplets);
    assert_eq!(
        groups,
        vec![
            ManagedGroup {
                config: None,
                env: "staging".into(),
                droplets: vec!["staging-app-1".into(), "staging-app-2".into()],
            },
            ManagedGroup {
                config: Some("shop".into()),
                env: "prod".into(),
                droplets: vec!["prod-web-1".into()],
            },
        ]
    );
    assert_eq!(
        unmanaged,
        Unmanaged {
            count: 2,
            first: vec!["alpha".into(), "zeta".into()],
        }
    );
}

#[test]
fn only_the_first_few_unmanaged_droplets_are_named() {
    let droplets: Vec<Droplet> = (1..=8)
        .map(|i| droplet(i, &format!("d-{i}"), &[]))
        .collect();
    let (_, unmanaged) = group(&droplets);
    assert_eq!(unmanaged.count, 8);
    assert_eq!(unmanaged.first.len(), UNMANAGED_SHOWN);
}

#[test]
fn a_desired_name_held_outside_the_env_and_duplicates_are_warned_about() {
    let droplets = vec![
        droplet(7, "staging-db-1", &["handmade"]),
        droplet(
            8,
            "staging-app-1",
            &["stagecraft", "stagecraft:env:staging"],
        ),
        droplet(9, "web-1", &[]),
        droplet(10, "WEB-1", &[]),
    ];
    let desired = vec![host("staging", "app-1"), host("staging", "db-1")];
    assert_eq!(
        conflicts(&droplets, &desired),
        vec![
            Warning::HoldsDesiredName {
                droplet_name: "staging-db-1".into(),
                ids: vec![7],
                env: "staging".into(),
                host: "db-1".into(),
            },
            Warning::DuplicateName {
                name: "web-1".into(),
                ids: vec![9, 10],
            },
        ]
    );
}

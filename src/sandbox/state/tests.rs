//! Tests of the state on its own: the lifecycle of droplets and actions, each action's effect on the
//! rendered droplet, and loading a state file written by an earlier build.

use serde_json::Value;

use super::*;
use crate::sandbox::catalogue;
use crate::sandbox::render;

pub(crate) fn settings() -> Settings {
    Settings {
        boot_ms: 1000,
        action_ms: 1000,
        public_ip: None,
    }
}

fn state() -> State {
    State::fresh(settings(), 0)
}

fn spec(names: &[&str], tags: &[&str]) -> CreateSpec {
    CreateSpec {
        names: names.iter().map(|s| s.to_string()).collect(),
        region: "nyc1".into(),
        size: "s-1vcpu-1gb".into(),
        image: 160232537,
        tags: tags.iter().map(|s| s.to_string()).collect(),
        ipv6: false,
        backups: false,
        monitoring: false,
        vpc_uuid: String::new(),
        ssh_keys: vec![],
        initial_status: None,
    }
}

fn resize_to(slug: &str) -> DropletAction {
    let size = catalogue::size(slug).unwrap_or_else(|| panic!("no size {slug}"));
    DropletAction::Resize { size, disk: true }
}

#[test]
fn boot_then_power_off_then_resize() {
    let mut s = state();
    let ids = s.create_droplets(&spec(&["a", "B"], &["t"]), 0);
    let id = ids[0].0;
    assert_eq!(s.data.droplets[&id].status, "new");
    s.settle(999);
    assert_eq!(s.data.droplets[&id].status, "new");
    s.settle(1000);
    assert_eq!(s.data.droplets[&id].status, "active");
    assert_eq!(s.data.actions[&ids[0].1].status, "completed");
    let resize = resize_to("s-2vcpu-4gb");
    assert_eq!(
        s.droplet_action(id, &resize, 1000),
        Err(ActionError::NotPoweredOff)
    );
    assert!(s.droplet_action(id, &DropletAction::PowerOff, 1000).is_ok());
    assert!(s.data.droplets[&id].locked);
    assert_eq!(
        s.droplet_action(id, &DropletAction::PowerOn, 1500),
        Err(ActionError::Locked)
    );
    s.settle(2000);
    assert_eq!(s.data.droplets[&id].status, "off");
    assert!(s.droplet_action(id, &resize, 2000).is_ok());
    s.settle(3000);
    let d = &s.data.droplets[&id];
    assert_eq!((d.size.as_str(), d.disk), ("s-2vcpu-4gb", 80));
    assert_eq!(s.droplet_ids_by_name("b").map(|x| x.len()), Some(1));
    assert_eq!(s.droplet_ids_by_tag("t").map(|x| x.len()), Some(2));
    assert_eq!(s.delete_by_tag("t"), 2);
    assert!(s.data.droplets.is_empty());
}

/// features, backup_ids, next_backup_window and networks.v6 of a rendered droplet.
type Shown = (Value, Value, Value, Value);
/// backups, ipv6 and monitoring as asked for at create.
type Flags = (bool, bool, bool);

/// The parts of the rendered droplet that the lifecycle actions change.
fn features_of(s: &mut State, id: u64) -> Shown {
    let d = render::droplet_value(s, id);
    (
        d["features"].clone(),
        d["backup_ids"].clone(),
        d["next_backup_window"].clone(),
        d["networks"]["v6"].clone(),
    )
}

const DAY: i64 = 86_400_000;

#[test]
fn each_action_shows_in_the_rendered_droplet() {
    use serde_json::json;
    let window = |day: i64| {
        json!({"start": crate::sandbox::clock::iso8601(day * DAY),
               "end": crate::sandbox::clock::iso8601(day * DAY + 23 * 3_600_000)})
    };
    let v6 = json!([{"ip_address": "2001:db8:64::2", "netmask": 64, "gateway": "2001:db8:64::1", "type": "public"}]);
    // (flags at create: backups, ipv6, monitoring; action; features, backup_ids, window, v6 after it)
    let cases: Vec<(Flags, Option<DropletAction>, Shown)> = vec![
        (
            (false, false, false),
            None,
            (
                json!(["private_networking"]),
                json!([]),
                Value::Null,
                json!([]),
            ),
        ),
        (
            (true, true, true),
            None,
            (
                json!(["backups", "private_networking", "ipv6", "monitoring"]),
                json!([]),
                window(1),
                v6.clone(),
            ),
        ),
        (
            (false, false, false),
            Some(DropletAction::EnableBackups),
            (
                json!(["backups", "private_networking"]),
                json!([]),
                window(1),
                json!([]),
            ),
        ),
        (
            (true, false, false),
            Some(DropletAction::DisableBackups),
            (
                json!(["private_networking"]),
                json!([]),
                Value::Null,
                json!([]),
            ),
        ),
        (
            (false, false, true),
            Some(DropletAction::EnableIpv6),
            (
                json!(["private_networking", "ipv6", "monitoring"]),
                json!([]),
                Value::Null,
                v6.clone(),
            ),
        ),
    ];
    for ((backups, ipv6, monitoring), action, want) in cases {
        let mut s = state();
        let spec = CreateSpec {
            backups,
            ipv6,
            monitoring,
            ..spec(&["web"], &[])
        };
        let (id, _) = s.create_droplets(&spec, 0)[0];
        s.settle(1000);
        if let Some(a) = &action {
            assert!(s.droplet_action(id, a, 1000).is_ok(), "{a:?}");
            s.settle(2000);
        }
        assert_eq!(
            features_of(&mut s, id),
            want,
            "{backups} {ipv6} {monitoring} {action:?}"
        );
    }
}

#[test]
fn a_new_droplet_shows_no_backup_window_and_ipv6_cannot_be_switched_off() {
    let mut s = state();
    let spec = CreateSpec {
        backups: true,
        ipv6: true,
        ..spec(&["web"], &[])
    };
    let (id, _) = s.create_droplets(&spec, 0)[0];
    let (_, _, window, v6) = features_of(&mut s, id);
    assert_eq!((window, v6), (Value::Null, serde_json::json!([])));
    assert_eq!(DropletAction::simple("disable_ipv6"), None);
}

#[test]
fn backups_are_taken_when_windows_end_and_dropped_when_disabled() {
    let mut s = state();
    let spec = CreateSpec {
        backups: true,
        ..spec(&["web"], &[])
    };
    let (id, _) = s.create_droplets(&spec, 0)[0];
    // The first window is day 1, 00:00 to 23:00.
    s.settle(DAY + 23 * 3_600_000 - 1);
    assert!(s.data.droplets[&id].backup_ids.is_empty());
    s.settle(DAY + 23 * 3_600_000);
    let (_, ids, window, _) = features_of(&mut s, id);
    assert_eq!(ids.as_array().map(Vec::len), Some(1));
    assert_eq!(window["start"], crate::sandbox::clock::iso8601(2 * DAY));
    // Thirty days later only the last week's backups are kept, newest last.
    s.settle(32 * DAY);
    let kept = s.data.droplets[&id].backup_ids.clone();
    assert_eq!(kept.len(), 7);
    assert!(kept.windows(2).all(|w| w[0] < w[1]));
    assert!(
        s.droplet_action(id, &DropletAction::DisableBackups, 32 * DAY)
            .is_ok()
    );
    s.settle(33 * DAY);
    let (_, ids, window, _) = features_of(&mut s, id);
    assert_eq!((ids, window), (serde_json::json!([]), Value::Null));
}

#[test]
fn loads_the_state_file_of_an_earlier_build() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/earlier-build/sandbox-state.json"
    );
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let data: crate::sandbox::model::Data =
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    let raw: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let mut s = State::new(data, settings());
    let ids: Vec<u64> = s.data.droplets.keys().copied().collect();
    assert_eq!(ids, vec![400_000_001, 400_000_002]);
    for id in ids {
        let stored = &raw["droplets"][id.to_string()];
        let d = render::droplet_value(&mut s, id);
        for key in [
            "id",
            "name",
            "status",
            "tags",
            "vpc_uuid",
            "size_slug",
            "disk",
        ] {
            let want = if key == "size_slug" {
                &stored["size"]
            } else {
                &stored[key]
            };
            assert_eq!(&d[key], want, "{id} {key}");
        }
        assert_eq!(d["region"]["slug"], stored["region"]);
        assert_eq!(d["image"]["id"], stored["image"]);
        let has = |f: &str| {
            d["features"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == f))
        };
        for flag in ["backups", "ipv6", "monitoring"] {
            assert_eq!(has(flag), stored[flag] == true, "{id} {flag}");
        }
        assert_eq!(
            d["next_backup_window"].is_object(),
            stored["backups"] == true
        );
        assert_eq!(
            d["networks"]["v6"].as_array().map(Vec::len),
            Some(usize::from(stored["ipv6"] == true))
        );
    }
    // Written back, it loads again to the same droplets.
    let again: crate::sandbox::model::Data =
        serde_json::from_slice(&s.to_json_bytes().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.droplets.len(), 2);
    assert_eq!(again.next_droplet_id, 400_000_003);
}

//! Droplets made outside stagecraft: tagged into the env by hand (adopted by the plan), or taken in with
//! `stagecraft adopt HOST --id ID` after their settings are checked.

use serde_json::{Value, json};

use super::{droplet, ids, tags};
use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![
        case!(hand_tagged_droplets_are_adopted_in_place),
        case!(adopt_by_id_checks_the_settings_then_tags),
    ]
}

/// Creates a droplet through the API, as a person with doctl would.
fn create_by_hand(sb: &TestSandbox, name: &str, size: &str, tags: Value) -> u64 {
    let reply = sb.post(
        "/v2/droplets",
        json!({"name": name, "region": "nyc1", "size": size, "image": "ubuntu-22-04-x64", "tags": tags}),
    );
    assert_eq!(reply.status, 202, "{}", reply.raw);
    reply.json["droplet"]["id"].as_u64().unwrap()
}

fn hand_tagged_droplets_are_adopted_in_place() {
    let sb = TestSandbox::start();
    let managed = TestSandbox::managed("staging", "app");
    let a = create_by_hand(&sb, "staging-app-1", "s-1vcpu-1gb", managed.clone());
    // A second one, smaller than the host wants: adopted, then resized in place.
    let b = create_by_hand(&sb, "staging-app-2", "s-1vcpu-1gb", managed);
    let hosts = "          app-1: { user_data: \"#cloud-config\\n\" }\n          app-2: { size: s-1vcpu-2gb }\n";
    let project = Project::new(&config_with_hosts(&sb.url, hosts));
    let plan = project.run(&["plan"]).success();
    plan.assert_stdout_has("~ staging-app-1  adopt");
    plan.assert_stdout_has("~ staging-app-2  adopt");
    plan.assert_stdout_has("size: s-1vcpu-1gb -> s-1vcpu-2gb  (power off, resize, power on)");
    plan.assert_stdout_has("user data and SSH keys cannot be seen");
    plan.assert_stdout_has("2 to adopt");
    assert!(!plan.stdout.contains("replace\n"), "{plan:?}");
    let applied = project.run(&["apply", "--auto-approve"]).success();
    applied.assert_no_canary();
    assert_eq!(
        ids(&sb),
        [
            ("staging-app-1".to_string(), a),
            ("staging-app-2".to_string(), b)
        ],
        "ids kept"
    );
    for name in ["staging-app-1", "staging-app-2"] {
        let d = droplet(&sb, name);
        for prefix in ["stagecraft:ud:", "stagecraft:keys:", "stagecraft:tags:"] {
            assert!(tags(&d).iter().any(|t| t.starts_with(prefix)), "{d}");
        }
    }
    assert_eq!(droplet(&sb, "staging-app-2")["size_slug"], "s-1vcpu-2gb");
    project.run(&["plan", "--detailed-exitcode"]).success();
}

fn adopt_by_id_checks_the_settings_then_tags() {
    let sb = TestSandbox::start();
    let wrong = create_by_hand(&sb, "staging-db-1", "s-2vcpu-4gb", json!(["team-db"]));
    let project = Project::new(&config_with_hosts(&sb.url, "          db-1: {}\n"));
    // Today a name conflict.
    project
        .run(&["plan"])
        .code(1)
        .assert_stderr_has("not managed by stagecraft");
    let id = wrong.to_string();
    let out = project.run(&["adopt", "db-1", "--id", &id]).code(1);
    out.assert_stderr_has("does not match host `db-1`");
    out.assert_stderr_has("size: the droplet has s-2vcpu-4gb, the host wants s-1vcpu-1gb");
    assert_eq!(
        tags(&droplet(&sb, "staging-db-1")),
        ["team-db"],
        "nothing changed"
    );
    // The config agrees with the droplet now: adopted, with the env and role tags.
    project.write(
        "stagecraft.yml",
        &config_with_hosts(&sb.url, "          db-1: { size: s-2vcpu-4gb }\n"),
    );
    let out = project.run(&["adopt", "db-1", "--id", &id]).success();
    out.assert_stdout_has(&format!("Adopted `staging-db-1` (id {id}) into `staging`"));
    let d = droplet(&sb, "staging-db-1");
    for tag in [
        "stagecraft",
        "stagecraft:env:staging",
        "stagecraft:role:db",
        "team-db",
    ] {
        assert!(tags(&d).contains(&tag), "{d}");
    }
    // Once more: already managed.
    project
        .run(&["adopt", "db-1", "--id", &id])
        .code(1)
        .assert_stderr_has("already managed");
    project
        .run(&["plan"])
        .success()
        .assert_stdout_has("~ staging-db-1  adopt");
    project.run(&["apply", "--auto-approve"]).success();
    assert_eq!(ids(&sb), [("staging-db-1".to_string(), wrong)]);
    assert!(
        tags(&droplet(&sb, "staging-db-1")).contains(&"team-db"),
        "a hand-made tag stays"
    );
    project.run(&["plan", "--detailed-exitcode"]).success();
}

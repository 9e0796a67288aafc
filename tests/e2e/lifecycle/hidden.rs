//! What a droplet never shows back: SSH keys (recorded, never a reason to rebuild unless asked) and user
//! data (a replacement, unless ignored), each behind its own hash tag.

use serde_json::json;

use super::{change_fields, droplet, ids, tags};
use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![
        case!(a_new_ssh_key_is_recorded_in_place_and_replaces_only_when_asked),
        case!(changed_user_data_replaces_unless_ignored),
    ]
}

fn keys_tag(sb: &TestSandbox) -> String {
    let app = droplet(sb, "staging-app-1");
    let found: Vec<&str> = tags(&app)
        .into_iter()
        .filter(|t| t.starts_with("stagecraft:keys:"))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].to_string()
}

fn a_new_ssh_key_is_recorded_in_place_and_replaces_only_when_asked() {
    let sb = TestSandbox::start();
    let added = sb.post(
        "/v2/account/keys",
        json!({"name": "deploy-key", "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3RrZXl0ZXN0b2V5dGVzdGtleXRlc3RrZXl0ZXN0 deploy"}),
    );
    assert_eq!(added.status, 201, "{}", added.raw);
    let project = Project::new(&config_with_hosts(&sb.url, "          app-1: {}\n"));
    project.run(&["apply", "--auto-approve"]).success();
    let before = ids(&sb);
    let old_tag = keys_tag(&sb);
    let two_keys = config_with_hosts(&sb.url, "          app-1: {}\n").replace(
        "ssh_key_name: my-ssh-key",
        "ssh_keys: [my-ssh-key, deploy-key]",
    );
    project.write("stagecraft.yml", &two_keys);
    let plan = project.run(&["plan"]).success();
    plan.assert_stdout_has("~ staging-app-1  update in place");
    plan.assert_stdout_has("(applies to new droplets only)");
    let json = project.run(&["plan", "--json"]).success();
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(
        change_fields(&parsed, "to_update", "staging-app-1")
            .contains(&("ssh_keys".into(), "new_droplets_only".into())),
        "{parsed}"
    );
    project.run(&["apply", "--auto-approve"]).success();
    assert_eq!(ids(&sb), before, "not replaced");
    assert_ne!(keys_tag(&sb), old_tag, "the hash tag moved");
    project.run(&["plan", "--detailed-exitcode"]).success();

    // Opting into rebuilds: back to one key, and this time the droplet is replaced.
    let rebuild = config_with_hosts(&sb.url, "          app-1: {}\n").replace(
        "      apply:\n",
        "      on_change: { ssh_keys: replace }\n      apply:\n",
    );
    project.write("stagecraft.yml", &rebuild);
    let json = project.run(&["plan", "--json"]).success();
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(
        change_fields(&parsed, "to_replace", "staging-app-1")
            .contains(&("ssh_keys".into(), "replace".into())),
        "{parsed}"
    );
    project.run(&["apply", "--auto-approve"]).success();
    assert_ne!(ids(&sb), before, "replaced on request");
    project.run(&["plan", "--detailed-exitcode"]).success();
}

fn changed_user_data_replaces_unless_ignored() {
    let sb = TestSandbox::start();
    let with_data = |data: &str, extra: &str| {
        config_with_hosts(
            &sb.url,
            &format!("          app-1: {{ user_data: \"{data}\"{extra} }}\n"),
        )
    };
    let project = Project::new(&with_data("#cloud-config\\n", ""));
    project.run(&["apply", "--auto-approve"]).success();
    let before = ids(&sb);
    project.write(
        "stagecraft.yml",
        &with_data("#cloud-config\\nruncmd: [uptime]\\n", ""),
    );
    let text = project.run(&["plan"]).success();
    text.assert_stdout_has("-/+ staging-app-1  replace");
    text.assert_stdout_has("(forces replacement)");
    let json = project.run(&["plan", "--json"]).success();
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let fields = change_fields(&parsed, "to_replace", "staging-app-1");
    assert_eq!(
        fields[0],
        ("user_data".to_string(), "replace".to_string()),
        "{fields:?}"
    );
    assert!(
        fields[1..].iter().all(|(f, _)| f == "tags"),
        "only the hash tag moves too: {fields:?}"
    );
    project.run(&["apply", "--auto-approve"]).success();
    let replaced = ids(&sb);
    assert_ne!(replaced, before, "a new droplet runs the new user data");
    project.run(&["plan", "--detailed-exitcode"]).success();

    // Ignored: another change of user data leaves the droplet alone, and the plan is empty.
    project.write(
        "stagecraft.yml",
        &with_data(
            "#cloud-config\\nruncmd: [date]\\n",
            ", on_change: { user_data: ignore }",
        ),
    );
    project
        .run(&["plan", "--detailed-exitcode"])
        .success()
        .assert_stdout_has("No changes.");
    project.run(&["apply", "--auto-approve"]).success();
    assert_eq!(ids(&sb), replaced);
}

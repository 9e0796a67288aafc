//! Backups on and off and IPv6 on are droplet actions, never replacements; IPv6 off and monitoring are.

use super::{action_types, change_fields, droplet, features, ids};
use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![
        case!(backups_and_ipv6_change_in_place_and_the_next_plan_is_empty),
        case!(what_the_api_cannot_change_is_named_and_replaced),
    ]
}

fn backups_and_ipv6_change_in_place_and_the_next_plan_is_empty() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, "          db-1: {}\n"));
    project.run(&["apply", "--auto-approve"]).success();
    let before = ids(&sb);
    project.write(
        "stagecraft.yml",
        &config_with_hosts(&sb.url, "          db-1: { backups: true, ipv6: true }\n"),
    );
    let plan = project.run(&["plan"]).success();
    plan.assert_stdout_has("~ staging-db-1  update in place");
    plan.assert_stdout_has("backups: false -> true  (in place)");
    plan.assert_stdout_has("ipv6: false -> true  (in place)");
    let applied = project.run(&["apply", "--auto-approve"]).success();
    applied.assert_no_canary();
    assert_eq!(ids(&sb), before, "the same droplet");
    let db = droplet(&sb, "staging-db-1");
    assert!(
        features(&db).contains(&"backups") && features(&db).contains(&"ipv6"),
        "{db}"
    );
    assert!(!db["next_backup_window"].is_null(), "{db}");
    assert!(!db["networks"]["v6"].as_array().unwrap().is_empty(), "{db}");
    let sent = action_types(&sb);
    assert_eq!(
        sent,
        ["create", "enable_backups", "enable_ipv6"],
        "{sent:?}"
    );
    project
        .run(&["plan", "--detailed-exitcode"])
        .success()
        .assert_stdout_has("No changes.");

    // Backups off again: one action, same droplet.
    project.write(
        "stagecraft.yml",
        &config_with_hosts(&sb.url, "          db-1: { ipv6: true }\n"),
    );
    project.run(&["apply", "--auto-approve"]).success();
    assert_eq!(ids(&sb), before);
    assert!(!features(&droplet(&sb, "staging-db-1")).contains(&"backups"));
    assert_eq!(action_types(&sb).last().unwrap(), "disable_backups");
    project.run(&["plan", "--detailed-exitcode"]).success();
}

fn what_the_api_cannot_change_is_named_and_replaced() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(
        &sb.url,
        "          app-1: { ipv6: true }\n",
    ));
    project.run(&["apply", "--auto-approve"]).success();
    project.write(
        "stagecraft.yml",
        &config_with_hosts(
            &sb.url,
            "          app-1: { ipv6: false, monitoring: true }\n",
        ),
    );
    let text = project.run(&["plan"]).success();
    text.assert_stdout_has("-/+ staging-app-1  replace");
    text.assert_stdout_has("ipv6: true -> false  (forces replacement)");
    text.assert_stdout_has("monitoring: false -> true  (forces replacement)");
    let json = project.run(&["plan", "--json"]).success();
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let fields = change_fields(&plan, "to_replace", "staging-app-1");
    for field in ["ipv6", "monitoring"] {
        assert!(
            fields.contains(&(field.to_string(), "replace".to_string())),
            "{fields:?}"
        );
    }
    let old = ids(&sb);
    project.run(&["apply", "--auto-approve"]).success();
    assert_ne!(ids(&sb), old, "replaced");
    let app = droplet(&sb, "staging-app-1");
    assert!(features(&app).contains(&"monitoring") && !features(&app).contains(&"ipv6"));
    project.run(&["plan", "--detailed-exitcode"]).success();
}

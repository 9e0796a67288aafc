//! `status --account` against a seeded sandbox: other configs' and unmanaged droplets, domains with their
//! record counts, projects, firewalls, VPCs, reserved IPs and Functions namespaces, and the name conflicts.

use serde_json::{Value, json};

use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![case!(
        the_account_view_lists_what_else_is_there_and_warns_of_conflicts
    )]
}

fn seed_droplets(sb: &TestSandbox, count: usize, prefix: &str, tags: &[&str]) {
    sb.seed(json!({"droplets": count, "name_prefix": prefix, "tags": tags}));
}

fn the_account_view_lists_what_else_is_there_and_warns_of_conflicts() {
    let sb = TestSandbox::start();
    // This config's env, another config's env, hand-made droplets (one on a name this config wants, two
    // sharing a name) and the rest of an account.
    seed_droplets(
        &sb,
        2,
        "staging-app-",
        &["stagecraft", "stagecraft:env:staging"],
    );
    seed_droplets(
        &sb,
        3,
        "prod-shop-",
        &["stagecraft", "stagecraft:env:prod", "stagecraft:name:shop"],
    );
    seed_droplets(&sb, 1, "staging-db-", &["handmade"]);
    seed_droplets(&sb, 2, "legacy-", &[]);
    seed_droplets(&sb, 1, "legacy-", &[]);
    sb.seed(
        json!({"domains": 2, "projects": 1, "firewalls": 1, "vpcs": 1,
                   "reserved_ips": 2, "functions_namespaces": 1}),
    );
    let hosts = "          app: { role: app, count: 2 }\n          db-1: { role: db }\n";
    let project = Project::new(&config_with_hosts(&sb.url, hosts));

    let out = project.run(&["status", "--account"]).no_canary().success();
    let text = &out.stdout;
    for line in [
        "Droplets: 9 in the account",
        "managed    (unnamed config)   env staging         2  staging-app-1, staging-app-2",
        "managed    shop               env prod            3  prod-shop-1, prod-shop-2, prod-shop-3",
        "unmanaged     4  legacy-1, legacy-1, legacy-2, staging-db-1",
        "Domains (2):",
        "example-1.com  4 records",
        "Reserved IPs (2):",
        "198.18.0.1  nyc1, unassigned",
        "Functions namespaces (1):",
        "! droplet `staging-db-1` (id ",
        "holds the name host `db-1` wants",
        "! 2 droplets are named `legacy-1`",
    ] {
        out.assert_stdout_has(line);
    }
    assert!(text.contains("Projects (2):") && text.contains("Default  Development  (default)"));
    assert!(text.contains("Firewalls (1):") && text.contains("firewall-1  succeeded, 0 droplets"));
    assert!(
        text.contains("VPCs (13):") && text.contains("vpc-13  nyc1 172.16.12.0/24"),
        "{text}"
    );

    let out = project
        .run(&["--json", "status", "--account"])
        .no_canary()
        .success();
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["droplets"]["total"], 9);
    assert_eq!(doc["droplets"]["unmanaged"]["count"], 4);
    assert_eq!(doc["droplets"]["managed"][1]["config"], "shop");
    assert_eq!(
        doc["domains"][1],
        json!({"name": "example-2.com", "records": 4})
    );
    assert_eq!(doc["reserved_ips"][0]["region"], "nyc1");
    assert_eq!(doc["functions_namespaces"][0]["label"], "namespace-1");
    let kinds: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["holds_desired_name", "duplicate_name"]);
    // The namespace's access key is a secret: never shown.
    let raw = sb.get("/v2/functions/namespaces");
    let key = raw.json["namespaces"][0]["key"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!key.is_empty());
    assert!(!out.stdout.contains(&key) && !text.contains(&key));
    assert!(!project.data_files_text().contains(&key), "nor logged");
}

//! `plan` and `validate` end to end: the real binary against the sandbox over HTTP.

use serde_json::json;

use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{CANARY, Project, config_with_hosts};
use crate::{case, snapshot};

pub fn tests() -> Vec<Case> {
    vec![
        case!(a_fresh_env_plans_creates_in_text_and_json_byte_identically),
        case!(drift_and_leftovers_plan_as_update_replace_and_destroy),
        case!(detailed_exitcode_is_zero_without_changes),
        case!(an_unmanaged_droplet_with_a_desired_name_is_a_conflict),
        case!(older_duplicates_are_planned_for_deletion_keeping_the_oldest),
        case!(hosts_are_listed_in_natural_order),
        case!(another_configs_droplets_in_the_same_env_are_left_alone),
        case!(validate_checks_the_catalogue_and_names_file_positions),
        case!(a_plan_lists_only_the_env_not_the_account),
        case!(a_saved_plan_carries_fingerprints),
    ]
}

const THREE_HOSTS: &str = "          app-1: { role: app }\n          app-2: { role: app }\n          db-1: { role: db, size: s-2vcpu-4gb }\n";

fn a_fresh_env_plans_creates_in_text_and_json_byte_identically() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, THREE_HOSTS));
    let text = project.run(&["plan"]).success();
    snapshot!("plan_fresh_text", text.transcript(&project));
    let json = project.run(&["plan", "--json"]).success();
    snapshot!("plan_fresh_json", json.transcript(&project));
    // Same config and live state: byte-identical output.
    assert_eq!(project.run(&["plan"]).stdout, text.stdout);
    assert_eq!(project.run(&["plan", "--json"]).stdout, json.stdout);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed["format_version"], 2);
    assert_eq!(parsed["to_create"].as_array().unwrap().len(), 3);
    assert_eq!(sb.count("POST /v2/droplets"), 0, "plan sends GETs only");
    text.assert_no_canary();
    json.assert_no_canary();
    assert!(
        !project.data_files_text().contains(CANARY),
        "the token reached the audit log"
    );
    assert!(
        project
            .data_files_text()
            .contains("/v2/droplets?tag_name=stagecraft:env:staging"),
        "the audit log records requests"
    );
}

fn drift_and_leftovers_plan_as_update_replace_and_destroy() {
    let sb = TestSandbox::start();
    let before = format!("{THREE_HOSTS}          old-1: {{ role: old }}\n");
    // One request at a time, so that the droplet ids in the snapshot do not depend on which create lands first.
    let project =
        Project::new(&config_with_hosts(&sb.url, &before)).env("STAGECRAFT_MAX_IN_FLIGHT", "1");
    project.run(&["apply", "--auto-approve"]).success();
    // A droplet stagecraft does not manage, which the plan must not mention.
    sb.seed(json!({"droplets": 5, "name_prefix": "someone-else-"}));
    let after = "          app-1: { role: app, size: s-2vcpu-2gb }\n          app-2: { role: app, tags: [team-b] }\n          app-3: { role: app }\n          db-1: { role: db, size: s-2vcpu-4gb, region: nyc3 }\n";
    project.write("stagecraft.yml", &config_with_hosts(&sb.url, after));
    let out = project.run(&["plan", "--detailed-exitcode"]).code(2);
    assert!(!out.stdout.contains("someone-else"), "{out:?}");
    snapshot!("plan_drift_text", out.transcript(&project));
    let json = project.run(&["plan", "--json"]);
    snapshot!("plan_drift_json", json.transcript(&project));
}

fn detailed_exitcode_is_zero_without_changes() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, "          app-1: {}\n"));
    project.run(&["apply", "--auto-approve"]).success();
    let out = project.run(&["plan", "--detailed-exitcode"]).success();
    assert!(out.stdout.starts_with("No changes."), "{out:?}");
}

fn an_unmanaged_droplet_with_a_desired_name_is_a_conflict() {
    let sb = TestSandbox::start();
    let seeded = sb.seed(json!({"droplets": 1, "name_prefix": "staging-app-", "tags": ["web"]}));
    let project = Project::new(&config_with_hosts(&sb.url, THREE_HOSTS));
    let out = project.run(&["plan"]).code(1);
    let id = seeded["droplets"]["first_id"].as_u64().unwrap();
    assert!(
        out.stderr.contains(&format!(
            "droplet `staging-app-1` (id {id}) exists but is not managed"
        )),
        "{out:?}"
    );
    snapshot!("plan_conflict_unmanaged", out.transcript(&project));
}

fn older_duplicates_are_planned_for_deletion_keeping_the_oldest() {
    let sb = TestSandbox::start();
    sb.seed(json!({"droplets": 1, "name_prefix": "staging-app-", "tags": TestSandbox::managed("staging", "app")}));
    sb.seed(json!({"droplets": 1, "name_prefix": "staging-app-", "tags": TestSandbox::managed("staging", "app")}));
    // The seed's image, so that the kept one is only adopted.
    let project = Project::new(&config_with_hosts(
        &sb.url,
        "          app-1: { role: app, image: ubuntu-24-04-x64 }\n",
    ));
    let out = project.run(&["plan"]).success();
    snapshot!("plan_duplicates", out.transcript(&project));
    project.run(&["apply", "--auto-approve"]).success();
    let left: Vec<u64> = sb
        .droplets()
        .iter()
        .map(|d| d["id"].as_u64().unwrap())
        .collect();
    assert_eq!(left, [400000001], "the oldest stays");
    project.run(&["plan", "--detailed-exitcode"]).success();
}

fn another_configs_droplets_in_the_same_env_are_left_alone() {
    let sb = TestSandbox::start();
    let named = |name: &str, hosts: &str| {
        config_with_hosts(&sb.url, hosts).replacen("cloud:", &format!("name: {name}\ncloud:"), 1)
    };
    let shop = Project::new(&named("shop", "          app-1: {}\n          web-1: {}\n"));
    let blog = Project::new(&named("blog", "          app-1: {}\n          db-1: {}\n"));
    shop.run(&["apply", "--auto-approve"]).success();
    // The blog wants app-1 too: a conflict, reported, nothing touched.
    let out = blog.run(&["plan"]).code(1);
    out.assert_stderr_has("belongs to another config, `shop`");
    // Without that clash, each plans only its own, and destroys only its own.
    let blog = Project::new(&named("blog", "          db-1: {}\n"));
    blog.run(&["apply", "--auto-approve"]).success();
    shop.run(&["plan", "--detailed-exitcode"]).success();
    blog.run(&["plan", "--detailed-exitcode"]).success();
    blog.run(&["destroy", "--auto-approve"]).success();
    assert_eq!(sb.names(), ["staging-app-1", "staging-web-1"]);
    // A config without `name:` sees neither (they carry a name tag); adding `name:` to it takes its own
    // unnamed droplets in place.
    let old = Project::new(&config_with_hosts(&sb.url, "          db-2: {}\n"));
    old.run(&["apply", "--auto-approve"]).success();
    let before: Vec<u64> = sb
        .droplets()
        .iter()
        .map(|d| d["id"].as_u64().unwrap())
        .collect();
    old.write("stagecraft.yml", &named("blog", "          db-2: {}\n"));
    old.run(&["plan"])
        .success()
        .assert_stdout_has("+stagecraft:name:blog");
    old.run(&["apply", "--auto-approve"]).success();
    let after: Vec<u64> = sb
        .droplets()
        .iter()
        .map(|d| d["id"].as_u64().unwrap())
        .collect();
    assert_eq!(before, after);
}

fn validate_checks_the_catalogue_and_names_file_positions() {
    let sb = TestSandbox::start();
    let hosts = "          app-1: { size: s-1vcpu-1gbb }\n          app-2: { region: nyc2 }\n          app-3: { image: ubuntu-99-04-x64 }\n          app-4: { region: sfo3 }\n";
    let project = Project::new(
        &config_with_hosts(&sb.url, hosts)
            .replace("ssh_key_name: my-ssh-key", "ssh_key_name: my-ssh-kee"),
    );
    let out = project.run(&["validate"]).code(1);
    snapshot!("validate_catalogue_errors", out.transcript(&project));
    let ok = Project::new(&config_with_hosts(&sb.url, THREE_HOSTS));
    let out = ok.run(&["validate"]).success();
    snapshot!("validate_ok", out.transcript(&ok));
}

fn a_plan_lists_only_the_env_not_the_account() {
    // 50 managed hosts in an account of 10,000 droplets: the droplet listing costs ceil(50/200) = 1 request.
    let sb = TestSandbox::start();
    sb.seed(json!({"droplets": 9950, "name_prefix": "other-"}));
    sb.seed(json!({"droplets": 50, "name_prefix": "staging-app-", "tags": TestSandbox::managed("staging", "app")}));
    let project = Project::new(&config_with_hosts(
        &sb.url,
        "          app: { count: 50, role: app }\n",
    ));
    sb.clear_requests();
    project.run(&["plan", "--json"]).success();
    let counters = sb.counters();
    let total = counters.total();
    println!("plan of 50 hosts in an account of 10,000 droplets: {total} requests: {counters}");
    assert_eq!(sb.count("GET /v2/droplets"), 1, "{counters}");
    assert!(total <= 6, "{counters}");
}

fn a_saved_plan_carries_fingerprints() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, THREE_HOSTS));
    project.run(&["plan", "--out", "plan.json"]).success();
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.path().join("plan.json")).unwrap())
            .unwrap();
    assert_eq!(saved["live_fingerprint"].as_str().unwrap().len(), 16);
    assert_eq!(saved["config_fingerprint"].as_str().unwrap().len(), 16);
}

fn hosts_are_listed_in_natural_order() {
    let sb = TestSandbox::start();
    let hosts: String = [10, 2, 1, 9]
        .iter()
        .map(|i| format!("          web-{i}: {{}}\n"))
        .collect();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts));
    let text = project.run(&["plan"]).success().stdout;
    let order: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("+ "))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "staging-web-1",
            "staging-web-2",
            "staging-web-9",
            "staging-web-10"
        ]
    );
}

//! Bad configs: every problem reported at once with file:line:column, before any API call.

use crate::support::harness::Case;
use crate::support::{CANARY, Project, config_with_hosts};
use crate::{case, snapshot};

pub fn tests() -> Vec<Case> {
    vec![
        case!(unknown_keys_get_a_did_you_mean_and_all_are_reported),
        case!(a_token_in_the_file_is_refused),
        case!(invalid_host_names_and_tags),
        case!(wrong_types_and_values),
        case!(yaml_syntax_error),
        case!(an_environment_that_is_not_defined),
        case!(several_environments_and_none_chosen),
        case!(the_token_variable_is_not_set),
        case!(unreadable_user_data_file_allow_lists_and_policy),
        case!(a_missing_config_file),
        case!(durations_are_checked_where_they_are_written),
        case!(validate_offline_passes_on_the_example),
        case!(the_checked_in_schema_is_current),
    ]
}

// Port 9 (discard) on loopback: nothing listens, so any API call would fail loudly.
const NO_API: &str = "http://127.0.0.1:9";

fn check(name: &str, yaml: &str, args: &[&str]) {
    let project = Project::new(yaml);
    let out = project.run(args).code(1);
    assert!(out.stdout.is_empty(), "{out:?}");
    out.assert_no_canary();
    snapshot!(name, out.transcript(&project));
}

fn unknown_keys_get_a_did_you_mean_and_all_are_reported() {
    let yaml = config_with_hosts(
        NO_API,
        "          app-1: { role: app, sise: s-1vcpu-1gb }\n          db-1: { regoin: nyc1 }\n",
    )
    .replace("ssh_key_name:", "ssh_key_nme:");
    check("config_unknown_keys", &yaml, &["plan"]);
}

fn a_token_in_the_file_is_refused() {
    let yaml = config_with_hosts(NO_API, "          app-1: {}\n")
        .replace("token_env: DO_TOKEN", &format!("token_env: {CANARY}"));
    let project = Project::new(&yaml);
    let out = project.run(&["plan"]).code(1);
    assert!(
        out.stderr.contains("looks like a DigitalOcean API token"),
        "{out:?}"
    );
    // The error names the place, never repeats the value.
    out.assert_no_canary();
    snapshot!("config_token_in_file", out.transcript(&project));
}

fn invalid_host_names_and_tags() {
    let yaml = config_with_hosts(
        NO_API,
        "          app_1: {}\n          web-: { tags: [\"has space\", ok-tag] }\n          db-1: { role: \"a b\" }\n",
    );
    check("config_invalid_names_and_tags", &yaml, &["plan"]);
}

fn wrong_types_and_values() {
    let yaml = config_with_hosts(
        NO_API,
        "          app-1: { count: many, monitoring: maybe }\n          db-1: { size: 3 }\n",
    )
    .replace("provider: digitalocean", "provider: aws");
    check("config_wrong_types", &yaml, &["plan"]);
}

fn yaml_syntax_error() {
    check(
        "config_yaml_syntax",
        "cloud:\n  provider: [digitalocean\n  providers: {}\n",
        &["plan"],
    );
}

fn an_environment_that_is_not_defined() {
    let yaml = config_with_hosts(NO_API, "          app-1: {}\n");
    check("config_unknown_env", &yaml, &["plan", "--env", "stagign"]);
}

fn several_environments_and_none_chosen() {
    let yaml = config_with_hosts(
        NO_API,
        "          app-1: {}\n        production:\n          app-1: {}\n",
    );
    check("config_env_ambiguous", &yaml, &["plan"]);
}

fn the_token_variable_is_not_set() {
    let yaml = config_with_hosts(NO_API, "          app-1: {}\n");
    let project = Project::new(&yaml).without_env("DO_TOKEN");
    let out = project.run(&["plan"]).code(1);
    snapshot!("config_token_unset", out.transcript(&project));
}

fn unreadable_user_data_file_allow_lists_and_policy() {
    let yaml = config_with_hosts(NO_API, "          app-1: { user_data_file: missing.sh, size: s-8vcpu-16gb }\n          app-2: { region: sfo3 }\n")
        .replace("      default_region: nyc1\n", "      default_region: nyc1\n      regions: [nyc1]\n      sizes: [s-1vcpu-1gb]\n      policy: { max_droplets: 1, required_tags: [team] }\n");
    check("config_user_data_allow_lists_policy", &yaml, &["plan"]);
}

fn a_missing_config_file() {
    let project = Project::new("");
    let out = project.run(&["-c", "nowhere.yml", "plan"]).code(1);
    snapshot!("config_missing_file", out.transcript(&project));
}

fn durations_are_checked_where_they_are_written() {
    // One syntax everywhere; a value too long to wait for is refused at its line, not when apply starts.
    let yaml = config_with_hosts(NO_API, "          app-1: {}\n").replace(
        "        poll_interval: 10ms\n",
        "        poll_interval: 1.5s\n        timeout: 99999999h\n        delete_timeout: 10 minutes\n",
    );
    check("config_durations", &yaml, &["validate", "--offline"]);
    let yaml = config_with_hosts(NO_API, "          app-1: {}\n")
        .replace("poll_interval: 10ms", "timeout: 99999999h");
    check(
        "config_duration_too_long",
        &yaml,
        &["validate", "--offline"],
    );
}

fn validate_offline_passes_on_the_example() {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/stagecraft.yml"
    ))
    .unwrap();
    let project = Project::new(&example);
    let out = project.run(&["validate", "--offline"]).success();
    snapshot!("validate_offline_example", out.transcript(&project));
}

fn the_checked_in_schema_is_current() {
    let checked_in = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schemas/stagecraft.schema.json"
    ))
    .unwrap();
    assert_eq!(
        checked_in,
        stagecraft::cli::schema_text(),
        "schemas/stagecraft.schema.json is stale: run `cargo run -- schema > schemas/stagecraft.schema.json`"
    );
}

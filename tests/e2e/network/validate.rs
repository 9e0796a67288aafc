//! `validate` and `plan` check the networking keys: offline with file:line (ports, protocols, CIDRs,
//! roles, record names), then against the API (the domain and the reserved IPs exist, in the right region).

use super::{HOSTS, config, sandbox};
use crate::case;
use crate::support::Project;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;

pub fn tests() -> Vec<Case> {
    vec![
        case!(bad_networking_keys_are_reported_with_file_and_line),
        case!(a_missing_domain_or_reserved_ip_is_reported_against_the_api),
        case!(the_networking_example_validates_and_plans_against_the_sandbox),
    ]
}

fn bad_networking_keys_are_reported_with_file_and_line() {
    let bad = config("http://127.0.0.1:9", HOSTS)
        .replace("ports: \"443\"", "ports: \"99999\"")
        .replace(
            "ports: \"22\", from: [\"0.0.0.0/0\"",
            "ports: \"22\", from: [\"0.0.0.0/33\"",
        )
        .replace("from_roles: [app]", "from_roles: [web]")
        .replace("name: \"{host}.{env}\"", "name: \"{host}_x..{env}\"");
    let project = Project::new(&bad);
    let out = project.run(&["validate", "--offline"]).code(1);
    for (line, text) in [
        (18, "ports `99999`"),
        (17, "`0.0.0.0/33` is not an IPv4 or IPv6 address or CIDR"),
        (22, "role `web` is not the role of any host"),
        (25, "is not a valid record name"),
    ] {
        let want = format!("stagecraft.yml:{line}:");
        assert!(
            out.stderr
                .lines()
                .any(|l| l.contains(&want) && l.contains(text)),
            "{want} {text}\n{}",
            out.stderr
        );
    }
    // A protocol the API does not know is a schema error, with its line too.
    let sctp = config("http://127.0.0.1:9", HOSTS)
        .replace("protocol: tcp, ports: all", "protocol: sctp, ports: all");
    let out = Project::new(&sctp).run(&["validate", "--offline"]).code(1);
    assert!(
        out.stderr
            .lines()
            .any(|l| l.contains("stagecraft.yml:24:") && l.contains("sctp")),
        "{}",
        out.stderr
    );
}

fn a_missing_domain_or_reserved_ip_is_reported_against_the_api() {
    let sb = TestSandbox::start();
    let project = Project::new(&config(&sb.url, HOSTS));
    let out = project.run(&["validate"]).code(1);
    assert!(
        out.stderr
            .contains("the domain `example.com` is not in the account"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("reserved IP 198.18.7.7 is not in the account"),
        "{}",
        out.stderr
    );
    let plan = project.run(&["plan"]).code(1);
    assert!(
        plan.stderr.contains("stagecraft.yml:28:"),
        "{}",
        plan.stderr
    );
    drop(sb);
    let sb = sandbox();
    let project = Project::new(&config(&sb.url, HOSTS));
    project.run(&["validate"]).success();
}

fn the_networking_example_validates_and_plans_against_the_sandbox() {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/networking.yml"
    ))
    .unwrap();
    let sb = TestSandbox::start();
    sb.seed(serde_json::json!({"domain_names": ["example.com"], "reserved_ip_addresses": ["203.0.113.10"]}));
    let project = Project::new(&example.replace(
        "      default_region:",
        &format!("      api_url: {}\n      default_region:", sb.url),
    ));
    project.run(&["validate"]).success();
    let plan = project.run(&["plan"]).success();
    assert!(
        plan.stdout.contains("+ firewall shop-staging-web"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("+ record app-1.staging A"),
        "{}",
        plan.stdout
    );
}

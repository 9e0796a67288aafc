//! The whole life of a networked env: apply, an empty plan, a role change, a replacement, destroy.

use serde_json::json;

use super::{
    DOMAIN, HOSTS, config, droplet, firewall, firewalls, ip_holder, public_ip, records, sandbox,
};
use crate::case;
use crate::support::Project;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(an_env_with_firewalls_dns_and_a_project_applies_and_plans_empty),
        case!(a_role_change_moves_firewall_targets_and_a_replacement_hands_over),
        case!(destroy_removes_only_the_envs_records_and_firewalls),
        case!(a_domain_two_envs_share_stays_in_the_first_envs_project),
    ]
}

fn an_env_with_firewalls_dns_and_a_project_applies_and_plans_empty() {
    let sb = sandbox();
    let hosts = HOSTS.replace("app-2: { role: app }", "app-2: { role: app, ipv6: true }");
    let project = Project::new(&config(&sb.url, &hosts));
    let plan = project.run(&["plan"]).success();
    for line in [
        "+ project shop staging",
        "+ firewall staging-db",
        "+ firewall staging-web",
        "+ record app-1.staging A",
        "+ reserved_ip 198.18.7.7",
    ] {
        assert!(plan.stdout.contains(line), "{line}\n{}", plan.stdout);
    }
    let json = project.run(&["--json", "plan"]).success();
    let plan_json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    // In apply order: the project, firewalls, records, reserved IPs.
    let order = ["project", "firewall", "record", "reserved_ip"];
    let ranks: Vec<usize> = (plan_json["network"].as_array().unwrap().iter())
        .map(|e| order.iter().position(|k| e["kind"] == *k).unwrap())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    assert_eq!(
        plan_json["network"][0]["action"], "create",
        "the project before what goes in it"
    );
    assert_eq!(
        project.run(&["--json", "plan"]).success().stdout,
        json.stdout,
        "byte-deterministic"
    );

    project.run(&["apply", "--auto-approve"]).success();
    let all = firewalls(&sb);
    let web = firewall(&all, "staging-web").expect("staging-web");
    assert_eq!(web["status"], "succeeded");
    assert_eq!(web["tags"], json!(["stagecraft:group:staging:app"]));
    let db = firewall(&all, "staging-db").expect("staging-db");
    assert_eq!(
        db["inbound_rules"][0]["sources"]["tags"],
        json!(["stagecraft:group:staging:app"])
    );
    assert_eq!(db["outbound_rules"][0]["ports"], "0");
    let app1 = droplet(&sb, "staging-app-1");
    assert!(records(&sb).contains(&("A".into(), "app-1.staging".into(), public_ip(&app1))));
    assert_eq!(ip_holder(&sb), app1["id"].as_u64());
    // app-2 has IPv6: an AAAA record too, at its address in canonical form.
    let app2 = droplet(&sb, "staging-app-2");
    let v6 = app2["networks"]["v6"][0]["ip_address"].as_str().unwrap();
    let canonical = v6.parse::<std::net::Ipv6Addr>().unwrap().to_string();
    assert!(
        records(&sb).contains(&("AAAA".into(), "app-2.staging".into(), canonical)),
        "{:?}",
        records(&sb)
    );
    let p = &sb.get("/v2/projects").json["projects"];
    let shop = (p.as_array().unwrap().iter())
        .find(|p| p["name"] == "shop staging")
        .expect("project");
    let resources = sb
        .get(&format!(
            "/v2/projects/{}/resources",
            shop["id"].as_str().unwrap()
        ))
        .json;
    assert_eq!(
        resources["meta"]["total"], 4,
        "three droplets and the domain: {resources}"
    );
    // Steady: nothing to do, and one listing of each kind.
    sb.clear_requests();
    project.run(&["plan", "--detailed-exitcode"]).success();
    let counters = sb.counters();
    for route in [
        "GET /v2/firewalls",
        "GET /v2/domains/{id}/records",
        "GET /v2/projects",
        "GET /v2/projects/{id}/resources",
        "GET /v2/reserved_ips",
    ] {
        assert_eq!(counters.get(route), 1, "{route}");
    }
}

fn a_role_change_moves_firewall_targets_and_a_replacement_hands_over() {
    let sb = sandbox();
    let project = Project::new(&config(&sb.url, HOSTS));
    project.run(&["apply", "--auto-approve"]).success();
    // app-2 becomes a db: it carries the db group tag, so the db firewall covers it, the web one not.
    let changed = HOSTS.replace("app-2: { role: app }", "app-2: { role: db }");
    project.write("stagecraft.yml", &config(&sb.url, &changed));
    project.run(&["apply", "--auto-approve"]).success();
    let app2 = droplet(&sb, "staging-app-2");
    let covering: Vec<String> = (sb
        .get(&format!("/v2/droplets/{}/firewalls", app2["id"]))
        .json["firewalls"]
        .as_array()
        .unwrap()
        .iter())
    .map(|f| f["name"].as_str().unwrap().to_string())
    .collect();
    assert_eq!(covering, ["staging-db"]);
    project.run(&["plan", "--detailed-exitcode"]).success();

    // A new image replaces app-1: its record and reserved IP go to the new droplet before the old one goes.
    let old = droplet(&sb, "staging-app-1");
    let old_id = old["id"].as_u64().unwrap();
    let replaced = changed.replace(
        "reserved_ip: 198.18.7.7 }",
        "reserved_ip: 198.18.7.7, image: ubuntu-24-04-x64 }",
    );
    project.write("stagecraft.yml", &config(&sb.url, &replaced));
    sb.clear_requests();
    project.run(&["apply", "--auto-approve"]).success();
    let new = droplet(&sb, "staging-app-1");
    assert_ne!(new["id"], old["id"]);
    assert_eq!(ip_holder(&sb), new["id"].as_u64());
    let app1_records: Vec<_> = records(&sb)
        .into_iter()
        .filter(|r| r.1 == "app-1.staging")
        .collect();
    assert_eq!(
        app1_records,
        [(
            "A".to_string(),
            "app-1.staging".to_string(),
            public_ip(&new)
        )]
    );
    let log = sb.requests();
    let at = |method: &str, path: &str| {
        log.iter()
            .position(|e| e.method == method && e.path.starts_with(path))
            .unwrap_or_else(|| panic!("no {method} {path}"))
    };
    let deleted = at("DELETE", &format!("/v2/droplets/{old_id}"));
    assert!(
        at("POST", "/v2/reserved_ips/198.18.7.7/actions") < deleted,
        "the address moved first"
    );
    assert!(
        at("PUT", &format!("/v2/domains/{DOMAIN}/records/")) < deleted,
        "the record moved first"
    );
    project.run(&["plan", "--detailed-exitcode"]).success();
}

fn destroy_removes_only_the_envs_records_and_firewalls() {
    let sb = sandbox();
    sb.post(
        "/v2/domains/example.com/records",
        json!({"type": "A", "name": "www", "data": "203.0.113.77"}),
    );
    sb.post("/v2/firewalls", json!({"name": "office", "inbound_rules": [{"protocol": "tcp", "ports": "22", "sources": {"addresses": ["10.0.0.0/8"]}}]}));
    let project = Project::new(&config(&sb.url, HOSTS));
    project.run(&["apply", "--auto-approve"]).success();
    let destroy = project.run(&["destroy", "--auto-approve"]).success();
    assert!(
        destroy.stdout.contains("firewall staging-web"),
        "{}",
        destroy.stdout
    );
    assert!(sb.droplets().is_empty());
    let names: Vec<String> = firewalls(&sb)
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["office"]);
    let left: Vec<(String, String)> = records(&sb).into_iter().map(|r| (r.0, r.1)).collect();
    assert_eq!(
        left,
        [
            ("A".into(), "www".into()),
            ("NS".into(), "@".into()),
            ("NS".into(), "@".into()),
            ("NS".into(), "@".into())
        ]
    );
    // The project and the reserved IP stay (unassigned).
    let projects = sb.get("/v2/projects").json;
    assert!(
        projects["projects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "shop staging")
    );
    assert_eq!(ip_holder(&sb), None);
    assert_eq!(sb.get("/v2/reserved_ips/198.18.7.7").status, 200);
}

/// One DNS domain, a project per env: the domain goes into the first env's project and stays there, so
/// neither env's plan keeps moving it back.
fn a_domain_two_envs_share_stays_in_the_first_envs_project() {
    let sb = sandbox();
    let yaml = format!(
        "{}        production:\n          web-1: {{ role: app }}\n          db-1: {{ role: db }}\n",
        config(
            &sb.url,
            "          web-1: { role: app }\n          db-1: { role: db }\n"
        )
    );
    let project = Project::new(&yaml);
    for env in ["staging", "production"] {
        project
            .run(&["apply", "--env", env, "--auto-approve"])
            .success();
    }
    for env in ["staging", "production"] {
        let plan = project
            .run(&["plan", "--env", env, "--detailed-exitcode"])
            .success();
        assert!(
            plan.stdout.starts_with("No changes."),
            "{env}: {}",
            plan.stdout
        );
    }
    let projects = sb.get("/v2/projects").json;
    let staging = (projects["projects"].as_array().unwrap().iter())
        .find(|p| p["name"] == "shop staging")
        .expect("the staging project")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let held = sb.get(&format!("/v2/projects/{staging}/resources")).json;
    assert!(
        (held["resources"].as_array().unwrap().iter())
            .any(|r| r["urn"] == format!("do:domain:{DOMAIN}")),
        "{held}"
    );
}

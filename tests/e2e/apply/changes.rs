//! Changes to existing droplets: resize in place, replace, and tag edits made in place.

use stagecraft::provider::{Client, ClientOptions, Token};

use super::tags_of;
use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{CANARY, Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![
        case!(resize_in_place_and_replace_converge),
        case!(tag_edits_are_made_in_place_and_tags_added_by_hand_survive),
    ]
}

fn resize_in_place_and_replace_converge() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(
        &sb.url,
        "          app-1: {}\n          db-1: {}\n",
    ));
    project.run(&["apply", "--auto-approve"]).success();
    let ids_before: Vec<u64> = sb
        .droplets()
        .iter()
        .map(|d| d["id"].as_u64().unwrap())
        .collect();
    project.write(
        "stagecraft.yml",
        &config_with_hosts(
            &sb.url,
            "          app-1: { size: s-2vcpu-2gb }\n          db-1: { region: nyc3 }\n",
        ),
    );
    project.run(&["apply", "--auto-approve"]).success();
    let droplets = sb.droplets();
    let app = droplets
        .iter()
        .find(|d| d["name"] == "staging-app-1")
        .unwrap();
    assert_eq!(app["size_slug"], "s-2vcpu-2gb");
    assert_eq!(app["status"], "active");
    assert!(
        ids_before.contains(&app["id"].as_u64().unwrap()),
        "resized in place"
    );
    let db = droplets
        .iter()
        .find(|d| d["name"] == "staging-db-1")
        .unwrap();
    assert_eq!(db["region"]["slug"], "nyc3");
    assert!(
        !ids_before.contains(&db["id"].as_u64().unwrap()),
        "replaced by a new droplet"
    );
    assert_eq!(
        sb.names(),
        vec!["staging-app-1", "staging-db-1"],
        "the old droplet was deleted"
    );
    project.run(&["plan", "--detailed-exitcode"]).success();
}

fn tag_edits_are_made_in_place_and_tags_added_by_hand_survive() {
    let sb = TestSandbox::start();
    let tagged = |tags: &str| {
        format!("          app-1: {{ tags: [{tags}] }}\n          app-2: {{ tags: [{tags}] }}\n")
    };
    let project = Project::new(&config_with_hosts(&sb.url, &tagged("team-a, keep")));
    project.run(&["apply", "--auto-approve"]).success();
    let ids = |sb: &TestSandbox| -> Vec<u64> {
        sb.droplets()
            .iter()
            .map(|d| d["id"].as_u64().unwrap())
            .collect()
    };
    let before = ids(&sb);
    // Someone attaches a tag-based firewall to app-1 by hand.
    let client = Client::new(ClientOptions::new(&sb.url, Token::new(CANARY))).unwrap();
    let app_1 = sb
        .droplets()
        .iter()
        .find(|d| d["name"] == "staging-app-1")
        .map(|d| d["id"].as_u64().unwrap())
        .unwrap();
    client.create_tag("fw-web").unwrap();
    client.tag_droplets("fw-web", &[app_1], true).unwrap();
    project
        .run(&["plan", "--detailed-exitcode"])
        .because("a tag added by hand is not drift")
        .success();

    project.write(
        "stagecraft.yml",
        &config_with_hosts(&sb.url, &tagged("team-b, keep")),
    );
    let plan = project.run(&["plan"]);
    assert!(
        plan.stdout.contains("~ staging-app-1  update in place")
            && plan.stdout.contains("-team-a")
            && plan.stdout.contains("+team-b")
            && plan.stdout.contains("(tagged in place)")
            && plan.stdout.contains("0 to replace"),
        "{plan:?}"
    );
    assert!(!plan.stdout.contains("fw-web"), "{plan:?}");

    sb.clear_requests();
    let out = project.run(&["apply", "--auto-approve"]).success();
    assert!(
        out.stdout.contains("ok      staging-app-1  retag"),
        "{out:?}"
    );
    // One request per tag for both droplets: team-b and the new tags tag added, team-a and the old one removed.
    assert_eq!(sb.count("POST /v2/tags/{id}/resources"), 2);
    assert_eq!(
        sb.count("POST /v2/tags"),
        2,
        "only the new tags are created"
    );
    assert_eq!(sb.count("DELETE /v2/tags/{id}/resources"), 2);
    assert_eq!(
        sb.count("POST /v2/droplets")
            + sb.count("DELETE /v2/droplets/{id}")
            + sb.count("POST /v2/droplets/{id}/actions"),
        0,
        "no droplet was created, deleted or powered off for a tag"
    );
    assert_eq!(ids(&sb), before);
    for droplet in sb.droplets() {
        let tags = tags_of(&droplet);
        assert!(
            tags.contains(&"team-b") && tags.contains(&"keep"),
            "{tags:?}"
        );
        assert!(!tags.contains(&"team-a"), "{tags:?}");
        for prefix in ["stagecraft:ud:", "stagecraft:keys:", "stagecraft:tags:"] {
            assert_eq!(
                tags.iter().filter(|t| t.starts_with(prefix)).count(),
                1,
                "{tags:?}"
            );
        }
        if droplet["id"] == app_1 {
            assert!(
                tags.contains(&"fw-web"),
                "the hand-added tag stays: {tags:?}"
            );
        }
    }
    project.run(&["plan", "--detailed-exitcode"]).success();

    // app-2 now wants the tag app-1 carries: it exists, so only the new tags tag is created.
    project.write(
        "stagecraft.yml",
        &config_with_hosts(
            &sb.url,
            "          app-1: { tags: [team-b, keep] }\n          app-2: { tags: [team-b, keep, fw-web] }\n",
        ),
    );
    sb.clear_requests();
    project.run(&["apply", "--auto-approve"]).success();
    assert_eq!(sb.count("POST /v2/tags"), 1, "fw-web was not created again");
    assert_eq!(sb.count("POST /v2/tags/{id}/resources"), 2);
}

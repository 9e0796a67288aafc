//! Replacements wait for readiness: the old droplet goes only once the new one is ready, a new one that
//! never is leaves the old one running (and the next apply finishes the job), and `max_replacing` rolls.

use super::World;
use crate::case;
use crate::support::Project;
use crate::support::booting::CloudInit;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(a_new_droplet_that_never_gets_ready_keeps_the_old_one),
        case!(max_replacing_one_replaces_one_host_at_a_time),
    ]
}

const READY: &str = "{ cloud_init: true, timeout: 60s }";

fn ids(w: &World) -> Vec<(String, u64)> {
    w.api.ids()
}

fn a_new_droplet_that_never_gets_ready_keeps_the_old_one() {
    let w = World::new(
        "a_new_droplet_that_never_gets_ready_keeps_the_old_one",
        true,
    );
    let project = w.project(READY, "          app-1: { user_data: \"v1\" }\n");
    project.run(&["apply", "--auto-approve"]).success();
    let [(_, old)] = ids(&w)[..] else {
        panic!("one droplet: {:?}", ids(&w))
    };

    // New user data replaces the droplet; its boot fails.
    project.write(
        "stagecraft.yml",
        &w.config(READY, "", "          app-1: { user_data: \"v2\" }\n"),
    );
    w.booting.cloud_init(CloudInit::Error);
    let out = project.run(&["apply", "--auto-approve"]).code(1);
    let both = ids(&w);
    assert_eq!(both.len(), 2, "old and new: {both:?}");
    assert!(both.iter().any(|(_, id)| *id == old), "the old one is kept");
    let new = both
        .iter()
        .map(|(_, id)| *id)
        .find(|id| *id != old)
        .unwrap();
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(
        text.contains(&format!("new droplet {new} is not ready")),
        "{text}"
    );
    assert!(
        text.contains(&format!("The old droplet ({old}) keeps running")),
        "{text}"
    );
    assert!(
        !w.api
            .requests()
            .iter()
            .any(|r| r.method == "DELETE" && r.path == format!("/v2/droplets/{old}")),
        "the old droplet was never asked to go"
    );

    // The boot is fixed: the next apply waits for the new droplet, then deletes the old one.
    w.booting.cloud_init(CloudInit::Done);
    let out = project.run(&["apply", "--auto-approve"]).success();
    out.assert_stderr_has("new droplet ready; deleting the old one");
    assert_eq!(ids(&w), vec![("staging-app-1".to_string(), new)]);
    project.run(&["plan", "--detailed-exitcode"]).success();
}

fn max_replacing_one_replaces_one_host_at_a_time() {
    let w = World::new("max_replacing_one_replaces_one_host_at_a_time", true);
    let hosts = |data: &str| format!("          app: {{ count: 3, user_data: \"{data}\" }}\n");
    let config = |data: &str| {
        w.config(READY, "", &hosts(data)).replace(
            "        poll_interval: 10ms\n",
            "        poll_interval: 10ms\n        max_replacing: 1\n",
        )
    };
    let project = Project::new(&config("v1"));
    project.run(&["apply", "--auto-approve"]).success();
    let old: Vec<u64> = ids(&w).into_iter().map(|(_, id)| id).collect();
    w.api.clear_requests();

    project.write("stagecraft.yml", &config("v2"));
    let out = project.run(&["apply", "--auto-approve"]).success();
    out.assert_stderr_has("replace waiting for an earlier group to be ready");
    // Creates and deletes in the order sent: each old droplet goes before the next new one is made.
    let order: Vec<String> = (w.api.requests().iter())
        .filter_map(|r| match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/v2/droplets") => Some("create".to_string()),
            ("DELETE", path) => path
                .strip_prefix("/v2/droplets/")
                .map(|id| format!("delete {id}")),
            _ => None,
        })
        .collect();
    let deletes: Vec<String> = order
        .iter()
        .filter(|o| o.starts_with("delete"))
        .cloned()
        .collect();
    assert_eq!(deletes.len(), 3, "{order:?}");
    let shape: Vec<&str> = order.iter().map(|o| &o[..6]).collect();
    assert_eq!(
        shape,
        ["create", "delete", "create", "delete", "create", "delete"],
        "{order:?}"
    );
    let now: Vec<u64> = ids(&w).into_iter().map(|(_, id)| id).collect();
    assert_eq!(now.len(), 3);
    assert!(
        now.iter().all(|id| !old.contains(id)),
        "all replaced: {old:?} -> {now:?}"
    );
}

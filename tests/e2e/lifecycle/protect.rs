//! `protect: true`: the droplet is never deleted or replaced, whatever the config says later, until
//! protection is lifted by an apply of `protect: false`.

use super::{droplet, ids, tags};
use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![case!(
        a_protected_droplet_survives_leaving_the_config_until_unprotected
    )]
}

fn a_protected_droplet_survives_leaving_the_config_until_unprotected() {
    let sb = TestSandbox::start();
    let config = |hosts: &str| config_with_hosts(&sb.url, hosts);
    let project = Project::new(&config(
        "          app-1: {}\n          db-1: { protect: true }\n",
    ));
    project.run(&["apply", "--auto-approve"]).success();
    assert!(tags(&droplet(&sb, "staging-db-1")).contains(&"stagecraft:protect"));
    let before = ids(&sb);

    // The host leaves the config: the plan shows the delete as blocked; apply and destroy send nothing.
    project.write("stagecraft.yml", &config("          app-1: {}\n"));
    let plan = project.run(&["plan"]).success();
    plan.assert_stdout_has("- staging-db-1  destroy  (blocked: the droplet is protected)");
    plan.assert_stdout_has("1 blocked by protection.");
    sb.clear_requests();
    for verb in ["apply", "destroy"] {
        let out = project.run(&[verb, "--auto-approve"]).code(1);
        out.assert_stderr_has(&format!("refusing to {verb} `staging`"));
        out.assert_stderr_has("staging-db-1 (id");
    }
    let writes: u64 = sb.requests().iter().filter(|r| r.method != "GET").count() as u64;
    assert_eq!(writes, 0, "nothing sent: {:?}", sb.requests());
    assert_eq!(ids(&sb), before);

    // A region change would replace it: blocked too, even with the host back in the config.
    project.write(
        "stagecraft.yml",
        &config("          app-1: {}\n          db-1: { protect: true, region: nyc3 }\n"),
    );
    project
        .run(&["plan"])
        .success()
        .assert_stdout_has("replace  (blocked: the droplet is protected)");
    project.run(&["apply", "--auto-approve"]).code(1);

    // Unprotect (an apply of that alone), then the host can go.
    project.write(
        "stagecraft.yml",
        &config("          app-1: {}\n          db-1: { protect: false }\n"),
    );
    // The plan shows it without -v: protection is the user's setting, not stagecraft's bookkeeping.
    project
        .run(&["plan"])
        .success()
        .assert_stdout_has("tags: -stagecraft:protect  (tagged in place)");
    project.run(&["apply", "--auto-approve"]).success();
    assert!(!tags(&droplet(&sb, "staging-db-1")).contains(&"stagecraft:protect"));
    project.write("stagecraft.yml", &config("          app-1: {}\n"));
    project.run(&["apply", "--auto-approve"]).success();
    assert_eq!(sb.names(), ["staging-app-1"]);
}

//! Droplets made by the build before the lifecycle rules (one `stagecraft:spec:` hash) are recognised
//! from a state file that build left, and retagged in place: never replaced.

use super::{action_types, droplet, ids, tags};
use crate::case;
use crate::support::Project;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;

pub fn tests() -> Vec<Case> {
    vec![case!(an_earlier_builds_droplets_are_retagged_not_replaced)]
}

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/earlier-build/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn an_earlier_builds_droplets_are_retagged_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, fixture("sandbox-state.json")).unwrap();
    let sb = TestSandbox::with(|o| o.state_file = Some(state));
    let before = ids(&sb);
    assert_eq!(before.len(), 2);
    let config = fixture("stagecraft.yml").replace(
        "      token_env: DO_TOKEN\n",
        &format!(
            "      token_env: DO_TOKEN\n      api_url: {}\n      apply: {{ poll_interval: 10ms }}\n",
            sb.url
        ),
    );
    let project = Project::new(&config);
    // -v: stagecraft's own tags are what changes here.
    let plan = project.run(&["-v", "plan"]).success();
    plan.assert_stdout_has("~ staging-app-1  update in place");
    plan.assert_stdout_has("~ staging-db-1   update in place");
    assert!(
        !plan.stdout.contains("-/+") && !plan.stdout.contains("adopt"),
        "{plan:?}"
    );
    plan.assert_stdout_has("-stagecraft:spec:42c57709a2");
    project.run(&["apply", "--auto-approve"]).success();
    assert_eq!(ids(&sb), before, "the same droplets");
    assert_eq!(
        action_types(&sb),
        ["create", "create"],
        "no droplet action, only tags"
    );
    for name in ["staging-app-1", "staging-db-1"] {
        let d = droplet(&sb, name);
        let tags = tags(&d);
        assert!(
            !tags.iter().any(|t| t.starts_with("stagecraft:spec:")),
            "{tags:?}"
        );
        assert!(
            tags.iter().any(|t| t.starts_with("stagecraft:ud:")),
            "{tags:?}"
        );
    }
    project.run(&["plan", "--detailed-exitcode"]).success();
}

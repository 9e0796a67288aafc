//! User mistakes: unknown hosts and roles, droplets not ours or not active, no ssh, several envs; each
//! clear, and nothing run.

use super::{APP_AND_DB, known_hosts, run, seed, setup};
use crate::case;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![case!(user_mistakes_are_clear_and_run_nothing)]
}

fn user_mistakes_are_clear_and_run_nothing() {
    let (_sshd, api, project) = setup("user_mistakes_are_clear_and_run_nothing");
    let out = run(&project, &["exec", "app-9", "--", "true"]).code(1);
    out.assert_stderr_has("unknown host `app-9` in env `staging` (did you mean `app-1`?)");
    let out = run(&project, &["exec", "--role", "web", "--", "true"]).code(1);
    out.assert_stderr_has("no host in env `staging` has role `web`");

    // A droplet with the right name but no env tag is not ours: refused, for a fan-out too.
    seed(&api, 1, "staging-cache-", &["handmade"], "active");
    seed(
        &api,
        1,
        "staging-worker-",
        &["stagecraft", "stagecraft:env:staging"],
        "off",
    );
    let hosts = format!(
        "{APP_AND_DB}          cache-1: {{ role: cache }}\n          worker-1: {{ role: worker }}\n"
    );
    let sshd_config = std::fs::read_to_string(project.config_path()).unwrap();
    project.write("stagecraft.yml", &(sshd_config.replace(APP_AND_DB, &hosts)));
    let out = run(&project, &["exec", "cache-1", "--", "true"]).code(1);
    out.assert_stderr_has("is not managed by stagecraft");
    let out = run(&project, &["exec", "--all", "--", "echo", "ran"]).code(1);
    assert!(out.stdout.is_empty(), "nothing ran: {}", out.stdout);
    out.assert_stderr_has("nothing was run: 2 hosts cannot be reached");
    out.assert_stderr_has("worker-1: droplet `staging-worker-1` is `off`, not `active`");
    assert!(!known_hosts(&project).exists(), "no connection was made");

    // Without ssh on PATH: a clear error before anything else.
    let empty = tempfile::tempdir().unwrap();
    let out = project
        .run_with(&["exec", "app-1", "--", "true"], |c| {
            c.env("PATH", empty.path());
        })
        .code(1);
    assert!(
        out.stderr.contains("`ssh` was not found on PATH"),
        "{out:?}"
    );

    // Several envs and none chosen.
    let two_envs = std::fs::read_to_string(project.config_path())
        .unwrap()
        .replace(
            "        staging:\n",
            "        prod:\n          web-1: { role: web }\n        staging:\n",
        );
    project.write("stagecraft.yml", &two_envs);
    let out = run(&project, &["exec", "app-1", "--", "true"]).code(1);
    out.assert_stderr_has("defines several environments (prod, staging)");
    run(
        &project,
        &["--env", "staging", "exec", "app-1", "--", "true"],
    )
    .success();
    project
        .run_with(&["exec", "app-1", "--", "true"], |c| {
            c.env("STAGECRAFT_ENV", "staging");
        })
        .success();
}

//! API refusals through the real binary, table-driven: each names the request, the status, the API's
//! message and the request id the API gave, says what to do about it, and is never retried when a retry
//! cannot help.

use serde_json::json;

use crate::case;
use crate::support::Project;
use crate::support::config_with_hosts;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::sandbox_client::LoggedRequest;

pub fn tests() -> Vec<Case> {
    vec![
        case!(a_refused_listing_says_what_to_do_per_status_and_is_sent_once),
        case!(a_refused_delete_fails_that_host_and_the_next_apply_finishes),
        case!(a_refused_droplet_action_fails_that_host_with_the_request_id),
        case!(a_refused_new_tag_fails_every_host_it_was_for_and_json_says_why),
    ]
}

/// The one request the sandbox's fault refused; a refusal that cannot be helped is never retried.
fn refused_once(sb: &TestSandbox) -> LoggedRequest {
    let mut refused: Vec<LoggedRequest> = sb
        .requests()
        .into_iter()
        .filter(|r| r.fault.is_some())
        .collect();
    assert_eq!(refused.len(), 1, "sent once, not retried: {refused:?}");
    refused.remove(0)
}

fn a_refused_listing_says_what_to_do_per_status_and_is_sent_once() {
    const HINTS: [&str; 3] = [
        "check that the variable named by `token_env` holds a valid DigitalOcean token",
        "the token lacks a scope this command needs",
        "DigitalOcean had a server error; running the command again is safe",
    ];
    // (status, the error id and message the API gives, what the user is told to do, if anything)
    let cases = [
        (
            401,
            "unauthorized: Unable to authenticate you.",
            Some(HINTS[0]),
        ),
        (403, "forbidden: You do not have permission", Some(HINTS[1])),
        (
            404,
            "not_found: The resource you requested could not be found.",
            None,
        ),
        (501, "example_error: some error message", Some(HINTS[2])),
    ];
    for (status, id, hint) in cases {
        let sb = TestSandbox::start();
        sb.fault(
            json!({"method": "GET", "path": "/v2/droplets", "kind": "status", "status": status}),
        );
        let project = Project::new(&config_with_hosts(&sb.url, "          app-1: {}\n"));
        let out = project.run(&["plan"]).code(1).no_canary();
        let refused = refused_once(&sb);
        out.assert_stderr_has("GET /v2/droplets?tag_name=stagecraft:env:staging");
        out.assert_stderr_has(&format!("returned HTTP {status} {id}"));
        out.assert_stderr_has(&format!("(request id {})", refused.request_id));
        for other in HINTS.iter().filter(|h| Some(**h) != hint) {
            assert!(!out.stderr.contains(other), "HTTP {status}: {out:?}");
        }
        if let Some(hint) = hint {
            out.assert_stderr_has(hint);
        }
        assert!(
            out.stdout.is_empty(),
            "no plan from a failed listing: {out:?}"
        );
    }
}

fn a_refused_delete_fails_that_host_and_the_next_apply_finishes() {
    let sb = TestSandbox::start();
    let three = "          app-1: {}\n          app-2: {}\n          app-3: {}\n";
    let project = Project::new(&config_with_hosts(&sb.url, three));
    project.run(&["apply", "--auto-approve"]).success();
    // app-2 and app-3 leave the config; the API refuses the first delete it is sent.
    project.write(
        "stagecraft.yml",
        &config_with_hosts(&sb.url, "          app-1: {}\n"),
    );
    sb.fault(json!({"method": "DELETE", "path": "/v2/droplets/{id}", "kind": "status", "status": 403, "times": 1}));
    let out = project
        .run_with(&["apply", "--auto-approve"], |c| {
            c.env("STAGECRAFT_MAX_IN_FLIGHT", "1");
        })
        .code(1)
        .no_canary();
    let failed: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("FAILED"))
        .collect();
    assert_eq!(failed.len(), 1, "{out:?}");
    assert!(failed[0].contains("delete"), "{out:?}");
    assert!(out.stdout.contains("HTTP 403 forbidden"), "{out:?}");
    // The other delete was not held back by the refusal.
    assert_eq!(sb.names().len(), 2, "{out:?}");
    project.run(&["apply", "--auto-approve"]).success();
    assert_eq!(sb.names(), ["staging-app-1"]);
}

fn a_refused_droplet_action_fails_that_host_with_the_request_id() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, "          app-1: {}\n"));
    project.run(&["apply", "--auto-approve"]).success();
    let id = sb.droplets()[0]["id"].as_u64().unwrap();
    // A bigger size is a resize in place, made of droplet actions; the API refuses the first.
    project.write(
        "stagecraft.yml",
        &config_with_hosts(&sb.url, "          app-1: { size: s-2vcpu-2gb }\n"),
    );
    let actions = format!("/v2/droplets/{id}/actions");
    sb.fault(
        json!({"method": "POST", "path": actions, "kind": "status", "status": 422, "times": 1}),
    );
    let out = project
        .run(&["apply", "--auto-approve"])
        .code(1)
        .no_canary();
    let refused = refused_once(&sb);
    assert!(out.stdout.contains("FAILED  staging-app-1"), "{out:?}");
    assert!(
        out.stdout
            .contains(&format!("POST {actions} returned HTTP 422")),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains(&format!("(request id {})", refused.request_id)),
        "{out:?}"
    );
    assert_eq!(sb.droplets()[0]["size_slug"], "s-1vcpu-1gb", "not resized");
    // Nothing is lost: the next apply resizes the same droplet.
    project.run(&["apply", "--auto-approve"]).success();
    let after = &sb.droplets()[0];
    assert_eq!(
        (after["id"].as_u64(), &after["size_slug"]),
        (Some(id), &json!("s-2vcpu-2gb"))
    );
}

fn a_refused_new_tag_fails_every_host_it_was_for_and_json_says_why() {
    let sb = TestSandbox::start();
    let tagged = |tag: &str| {
        config_with_hosts(
            &sb.url,
            &format!(
                "          app-1: {{ tags: [{tag}] }}\n          app-2: {{ tags: [{tag}] }}\n"
            ),
        )
    };
    let project = Project::new(&tagged("team-a"));
    project.run(&["apply", "--auto-approve"]).success();
    // Moving both hosts to a tag no droplet carries yet: new tags must be made first, and that is refused.
    project.write("stagecraft.yml", &tagged("team-b"));
    sb.fault(
        json!({"method": "POST", "path": "/v2/tags", "kind": "status", "status": 403, "times": 1}),
    );
    let out = project
        .run(&["--json", "apply", "--auto-approve"])
        .code(1)
        .no_canary();
    let refused = refused_once(&sb);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
    let results = report["results"].as_array().expect("results");
    assert_eq!(results.len(), 2, "{report:#}");
    for result in results {
        assert_eq!(result["ok"], false, "{result}");
        assert_eq!(
            result["request_id"].as_str(),
            Some(refused.request_id.as_str()),
            "{result}"
        );
        let error = result["error"].as_str().unwrap();
        // The first new tag: `team-b` or the hash tag that stands for the user's tags.
        assert!(error.starts_with("adding tag "), "{error}");
        assert!(error.contains("HTTP 403 forbidden"), "{error}");
    }
    // Nothing was half done: no droplet lost its old tag or got the new one.
    for droplet in sb.droplets() {
        let tags = crate::apply::tags_of(&droplet);
        assert!(
            tags.contains(&"team-a") && !tags.contains(&"team-b"),
            "{tags:?}"
        );
    }
    let out = project
        .run(&["--json", "apply", "--auto-approve"])
        .success();
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["ok"] == true && r.get("error").is_none()),
        "{report:#}"
    );
}

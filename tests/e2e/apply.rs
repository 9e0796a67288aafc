//! `apply` and `destroy` end to end against the sandbox over real HTTP: round trips, idempotence, the
//! fault matrix (in-process with a fake clock, so retries never sleep), crashes, locks and saved plans.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use stagecraft::apply::{ApplyOptions, NoActions, Progress};
use stagecraft::clock::FakeClock;
use stagecraft::config::Config;
use stagecraft::provider::{Client, ClientOptions, Token};

use crate::snapshot;
use crate::support::sandbox::TestSandbox;
use crate::support::{CANARY, Project, config_with_hosts};

fn hosts(n: usize) -> String {
    (1..=n)
        .map(|i| format!("          app-{i}: {{ role: app }}\n"))
        .collect()
}

#[derive(Default)]
struct Recorder(Vec<String>);

impl Progress for Recorder {
    fn update(&mut self, droplet_name: &str, state: &str) {
        self.0.push(format!("{droplet_name}: {state}"));
    }
}

/// Plans and applies in this process with a fake clock: retry back-offs and polls cost no real time.
fn apply_in_process(
    sb: &TestSandbox,
    yaml: &str,
) -> (stagecraft::apply::Report, FakeClock, Recorder) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stagecraft.yml");
    let config = Config::parse(&path, yaml).unwrap();
    let clock = FakeClock::new();
    let mut options = ClientOptions::new(&sb.url, Token::new(CANARY));
    options.clock = Arc::new(clock.clone());
    options.timeout = Duration::from_secs(5);
    let client = Client::new(options).unwrap();
    let planned = stagecraft::plan::make(&client, &config, "staging").unwrap();
    let apply_options = ApplyOptions {
        poll_interval: Duration::from_secs(5),
        timeout: Duration::from_secs(600),
        delete_timeout: Duration::from_secs(600),
        resize_disk: false,
        clock: Arc::new(clock.clone()),
    };
    let mut progress = Recorder::default();
    let report = stagecraft::apply::execute(
        &client,
        &planned,
        &apply_options,
        &mut progress,
        &mut NoActions,
    );
    (report, clock, progress)
}

fn tags_of(droplet: &Value) -> Vec<&str> {
    droplet["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect()
}

fn expected_names(n: usize) -> Vec<String> {
    let mut names: Vec<String> = (1..=n).map(|i| format!("staging-app-{i}")).collect();
    names.sort();
    names
}

#[test]
fn create_then_delete_round_trip_and_a_second_apply_sends_nothing() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(3)));
    let out = project.run(&["apply", "--auto-approve"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(sb.names(), expected_names(3));
    assert!(
        out.stdout.contains("Apply complete: 3 done, 0 failed"),
        "{out:?}"
    );
    out.assert_no_canary();
    for d in sb.droplets() {
        let tags = tags_of(&d);
        assert!(
            tags.contains(&"stagecraft")
                && tags.contains(&"stagecraft:env:staging")
                && tags.contains(&"stagecraft:role:app"),
            "{tags:?}"
        );
        assert!(
            tags.iter().any(|t| t.starts_with("stagecraft:spec:")),
            "{tags:?}"
        );
    }
    // Idempotent: nothing to do, no POST or DELETE sent.
    sb.clear_requests();
    let again = project.run(&["apply", "--auto-approve"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.starts_with("No changes."), "{again:?}");
    assert_eq!(
        sb.count("POST /v2/droplets") + sb.count("DELETE /v2/droplets/{id}"),
        0,
        "{}",
        sb.counters()
    );
    // Shrink the env: only the host removed from the config goes.
    project.write("stagecraft.yml", &config_with_hosts(&sb.url, &hosts(2)));
    let out = project.run(&["apply", "--auto-approve"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(sb.names(), expected_names(2));
    // Destroy: every managed droplet of the env, and nothing else.
    sb.seed(json!({"droplets": 2, "name_prefix": "not-ours-"}));
    sb.seed(json!({"droplets": 1, "name_prefix": "production-app-", "tags": TestSandbox::managed("production", "app")}));
    let out = project.run(&["destroy", "--auto-approve"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        sb.names(),
        vec!["not-ours-1", "not-ours-2", "production-app-1"]
    );
}

#[test]
fn creates_are_batched_by_ten_and_waiting_costs_one_list_per_tick() {
    let sb = TestSandbox::start();
    let (report, clock, _) = apply_in_process(&sb, &config_with_hosts(&sb.url, &hosts(25)));
    assert_eq!(report.failed(), 0, "{report:?}");
    assert_eq!(sb.names(), expected_names(25));
    assert_eq!(sb.count("POST /v2/droplets"), 3, "{}", sb.counters());
    assert_eq!(
        sb.count("GET /v2/droplets/{id}"),
        0,
        "no per-droplet polling: {}",
        sb.counters()
    );
    // The sandbox boots at once, so one poll tick sees everything active.
    assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
}

#[test]
fn without_a_terminal_or_auto_approve_apply_refuses() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(1)));
    let out = project.run(&["apply"]);
    assert_eq!(out.code, 1);
    snapshot!("apply_refuses_without_tty", out.transcript(&project));
    assert!(sb.names().is_empty());
}

#[test]
fn a_429_with_retry_after_on_create_is_waited_out() {
    let sb = TestSandbox::start();
    sb.fault(json!({"method": "POST", "path": "/v2/droplets", "kind": "status", "status": 429, "retry_after": 7, "times": 1}));
    let (report, clock, _) = apply_in_process(&sb, &config_with_hosts(&sb.url, &hosts(3)));
    assert_eq!(report.failed(), 0, "{report:?}");
    assert_eq!(sb.names(), expected_names(3));
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
}

#[test]
fn a_burst_of_503s_on_listing_is_retried_with_back_off() {
    let sb = TestSandbox::start();
    sb.fault(json!({"method": "GET", "path": "/v2/droplets", "kind": "status", "status": 503, "times": 3}));
    let (report, clock, _) = apply_in_process(&sb, &config_with_hosts(&sb.url, &hosts(3)));
    assert_eq!(report.failed(), 0, "{report:?}");
    assert_eq!(sb.names(), expected_names(3));
    let secs: Vec<u64> = clock.sleeps().iter().map(Duration::as_secs).collect();
    assert_eq!(secs, vec![2, 4, 8]);
}

#[test]
fn a_dropped_connection_on_a_list_is_retried() {
    let sb = TestSandbox::start();
    sb.fault(
        json!({"method": "GET", "path": "/v2/droplets", "kind": "drop", "times": 2, "after": 1}),
    );
    let (report, _, _) = apply_in_process(&sb, &config_with_hosts(&sb.url, &hosts(3)));
    assert_eq!(report.failed(), 0, "{report:?}");
    assert_eq!(sb.names(), expected_names(3));
}

#[test]
fn a_create_whose_reply_was_lost_is_adopted_not_duplicated() {
    let sb = TestSandbox::start();
    sb.fault(json!({"method": "POST", "path": "/v2/droplets", "kind": "reply_lost", "times": 1}));
    let (report, _, progress) = apply_in_process(&sb, &config_with_hosts(&sb.url, &hosts(12)));
    assert_eq!(report.failed(), 0, "{report:?}");
    assert_eq!(
        sb.names(),
        expected_names(12),
        "exactly the desired droplets, no duplicates"
    );
    assert!(
        progress.0.iter().any(|l| l.contains("adopted")),
        "{:?}",
        progress.0
    );
    // Two batches (10 + 2): the lost one was never sent again.
    assert_eq!(sb.count("POST /v2/droplets"), 2, "{}", sb.counters());
}

#[test]
fn a_503_on_create_is_looked_into_before_anything_is_resent() {
    let sb = TestSandbox::start();
    sb.fault(json!({"method": "POST", "path": "/v2/droplets", "kind": "status", "status": 503, "times": 1}));
    let (report, _, _) = apply_in_process(&sb, &config_with_hosts(&sb.url, &hosts(3)));
    assert_eq!(report.failed(), 0, "{report:?}");
    assert_eq!(sb.names(), expected_names(3));
    assert_eq!(
        sb.count("POST /v2/droplets"),
        2,
        "the 503 did nothing, so it was sent again once: {}",
        sb.counters()
    );
}

#[test]
fn a_refused_create_is_reported_per_host_with_the_api_message_and_request_id() {
    let sb = TestSandbox::start();
    sb.fault(json!({"method": "POST", "path": "/v2/droplets", "kind": "status", "status": 422, "times": 1}));
    let project = Project::new(&config_with_hosts(
        &sb.url,
        "          app-1: {}\n          db-1: { size: s-2vcpu-4gb }\n",
    ));
    let out = project.run(&["apply", "--auto-approve"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("FAILED  staging-app-1  create"),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("HTTP 422 unprocessable_entity"),
        "{out:?}"
    );
    assert!(out.stdout.contains("(request id "), "{out:?}");
    assert!(
        out.stdout.contains("ok      staging-db-1   create"),
        "independent work carried on: {out:?}"
    );
    // The next apply finishes the job.
    let again = project.run(&["apply", "--auto-approve"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(sb.names(), vec!["staging-app-1", "staging-db-1"]);
}

#[test]
fn resize_in_place_and_replace_converge() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(
        &sb.url,
        "          app-1: {}\n          db-1: {}\n",
    ));
    assert_eq!(project.run(&["apply", "--auto-approve"]).code, 0);
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
    let out = project.run(&["apply", "--auto-approve"]);
    assert_eq!(out.code, 0, "{out:?}");
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
    let plan = project.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{plan:?}");
}

#[test]
fn tag_edits_are_made_in_place_and_tags_added_by_hand_survive() {
    let sb = TestSandbox::start();
    let tagged = |tags: &str| {
        format!("          app-1: {{ tags: [{tags}] }}\n          app-2: {{ tags: [{tags}] }}\n")
    };
    let project = Project::new(&config_with_hosts(&sb.url, &tagged("team-a, keep")));
    assert_eq!(project.run(&["apply", "--auto-approve"]).code, 0);
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
    assert_eq!(
        project.run(&["plan", "--detailed-exitcode"]).code,
        0,
        "a tag added by hand is not drift"
    );

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
    let out = project.run(&["apply", "--auto-approve"]);
    assert_eq!(out.code, 0, "{out:?}");
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
        assert_eq!(
            tags.iter()
                .filter(|t| t.starts_with("stagecraft:spec:"))
                .count(),
            1,
            "{tags:?}"
        );
        if droplet["id"] == app_1 {
            assert!(
                tags.contains(&"fw-web"),
                "the hand-added tag stays: {tags:?}"
            );
        }
    }
    let plan = project.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{plan:?}");

    // app-2 now wants the tag app-1 carries: it exists, so only the new tags tag is created.
    project.write(
        "stagecraft.yml",
        &config_with_hosts(
            &sb.url,
            "          app-1: { tags: [team-b, keep] }\n          app-2: { tags: [team-b, keep, fw-web] }\n",
        ),
    );
    sb.clear_requests();
    let out = project.run(&["apply", "--auto-approve"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(sb.count("POST /v2/tags"), 1, "fw-web was not created again");
    assert_eq!(sb.count("POST /v2/tags/{id}/resources"), 2);
}

#[test]
fn an_unmanaged_droplet_is_never_touched() {
    let sb = TestSandbox::start();
    sb.seed(json!({"droplets": 1, "name_prefix": "staging-app-", "tags": ["handmade"]}));
    sb.seed(json!({"droplets": 3, "name_prefix": "staging-web-"}));
    let before = sb.droplets();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(2)));
    sb.clear_requests();
    let out = project.run(&["apply", "--auto-approve"]);
    assert_eq!(
        out.code, 1,
        "a desired name held by someone else's droplet is a conflict: {out:?}"
    );
    assert!(out.stderr.contains("not managed by stagecraft"), "{out:?}");
    assert_eq!(
        sb.count("POST /v2/droplets")
            + sb.count("DELETE /v2/droplets/{id}")
            + sb.count("POST /v2/droplets/{id}/actions"),
        0
    );
    let out = project.run(&["destroy", "--auto-approve"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(sb.droplets(), before);
}

#[test]
fn a_second_concurrent_apply_fails_clearly_instead_of_racing() {
    let sb = TestSandbox::with(|o| o.boot_time = Duration::from_secs(3600));
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(2)));
    let mut first = project
        .command(&[
            "apply",
            "--auto-approve",
            "--poll-interval",
            "50ms",
            "--timeout",
            "1h",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(first.stderr.take().unwrap()).lines();
    // Once the first apply reports progress it holds the lock.
    lines.next().unwrap().unwrap();
    let second = project.run(&["apply", "--auto-approve"]);
    assert_eq!(second.code, 1, "{second:?}");
    assert!(
        second
            .stderr
            .contains("another stagecraft apply or destroy is running on environment `staging`"),
        "{second:?}"
    );
    sb.control("POST", "/_sandbox/advance", json!({"seconds": 3600}));
    let status = first.wait().unwrap();
    assert!(status.success());
    assert_eq!(sb.names(), expected_names(2));
}

#[test]
fn a_saved_plan_applies_and_a_stale_one_is_refused() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(2)));
    assert_eq!(project.run(&["plan", "--out", "plan.json"]).code, 0);
    let out = project.run(&["apply", "plan.json"]);
    assert_eq!(
        out.code, 0,
        "a saved plan needs no second approval: {out:?}"
    );
    assert_eq!(sb.names(), expected_names(2));

    project.write("stagecraft.yml", &config_with_hosts(&sb.url, &hosts(3)));
    assert_eq!(project.run(&["plan", "--out", "plan.json"]).code, 0);
    // Someone changes the env in between.
    sb.seed(json!({"droplets": 1, "name_prefix": "staging-extra-", "tags": TestSandbox::managed("staging", "app")}));
    let out = project.run(&["apply", "plan.json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("is stale: the live droplets changed"),
        "{out:?}"
    );
    assert_eq!(sb.names().len(), 3, "nothing was applied");
}

/// SIGKILLs a 20-host apply at 20 different moments (after the k-th progress line), re-runs it each time,
/// and checks it converges with zero duplicates.
#[test]
fn a_crash_at_any_moment_followed_by_apply_converges_without_duplicates() {
    let sb = TestSandbox::with(|o| o.boot_time = Duration::from_millis(300));
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(20)));
    // A small deterministic generator: the same 20 moments on every run.
    let mut seed: u64 = 0x5eed;
    for round in 0..20 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let kill_after = (seed >> 33) % 45;
        sb.control("POST", "/_sandbox/reset", Value::Null);
        if round % 2 == 1 {
            // Half the rounds start from a partly built env.
            sb.seed(json!({"droplets": 5, "name_prefix": "staging-app-", "start": 3, "tags": TestSandbox::managed("staging", "app")}));
        }
        let mut child = project
            .command(&["apply", "--auto-approve", "--poll-interval", "20ms"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        for _ in 0..kill_after {
            if lines.next().is_none() {
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        let out = project.run(&["apply", "--auto-approve", "--poll-interval", "20ms"]);
        let names = sb.names();
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(
            unique.len(),
            names.len(),
            "round {round} (killed after {kill_after} lines) left duplicates: {names:?}"
        );
        // Seeded droplets without a spec tag are replaced; either way the env converges to 20 names.
        if out.code != 0 {
            let third = project.run(&["apply", "--auto-approve", "--poll-interval", "20ms"]);
            assert_eq!(third.code, 0, "round {round}: {out:?}\n{third:?}");
        }
        assert_eq!(
            sb.names(),
            expected_names(20),
            "round {round} (killed after {kill_after} lines)"
        );
        let plan = project.run(&["plan", "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "round {round}: {plan:?}");
    }
}

#[test]
fn apply_with_db_records_every_action_in_sqlite() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(2)));
    let db = project.path().join("ops.sqlite3");
    let url = format!("sqlite:{}", db.display());
    let out = project.run(&["apply", "--auto-approve", "--db", &url]);
    assert_eq!(out.code, 0, "{out:?}");
    project.write("stagecraft.yml", &config_with_hosts(&sb.url, &hosts(1)));
    assert_eq!(
        project.run(&["apply", "--auto-approve", "--db", &url]).code,
        0
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn.prepare("SELECT droplet_name, action, status, droplet_id IS NOT NULL, do_action_id IS NOT NULL FROM do_actions ORDER BY id").unwrap();
    let rows: Vec<(String, String, String, bool, bool)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "staging-app-1".into(),
                "create".into(),
                "success".into(),
                true,
                true
            ),
            (
                "staging-app-2".into(),
                "create".into(),
                "success".into(),
                true,
                true
            ),
            (
                "staging-app-2".into(),
                "delete".into(),
                "success".into(),
                true,
                false
            ),
        ]
    );
    let dump: String = conn
        .query_row(
            "SELECT group_concat(coalesce(error, '') || droplet_name) FROM do_actions",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!dump.contains("canary"));
}

#[test]
fn apply_with_db_records_actions_in_postgres() {
    let Some(db) = crate::support::postgres::test_db("apply_with_db") else {
        return;
    };
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(&sb.url, &hosts(2)));
    let out = project.run(&["apply", "--auto-approve", "--db", &db.url]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        !out.stderr.contains(&db.url) && !out.stdout.contains(&db.url),
        "the DSN (with its password) was printed"
    );
    assert_eq!(db.count("SELECT count(*) FROM ops.do_actions WHERE action = 'create' AND status = 'success' AND do_action_id IS NOT NULL"), 2);
    assert_eq!(
        db.count("SELECT count(*) FROM ops.do_actions WHERE status = 'pending'"),
        0
    );
}

/// The README's quick start, with the sandbox booting at once so the test does not wait.
#[test]
fn the_readme_quick_start_works_offline_with_no_token() {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/stagecraft.yml"
    ))
    .unwrap();
    let project = Project::new(&example)
        .without_env("DO_TOKEN")
        .env("STAGECRAFT_SANDBOX_BOOT_TIME", "0s");
    let out = project.run(&[
        "--sandbox",
        "apply",
        "--env",
        "staging",
        "--auto-approve",
        "--poll-interval",
        "0s",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("Apply complete: 2 done, 0 failed"),
        "{out:?}"
    );
    let plan = project.run(&["--sandbox", "plan", "--env", "staging"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(
        plan.stdout
            .starts_with("No changes. Environment `staging` matches the config (2 droplets)."),
        "{plan:?}"
    );
    let status = project.run(&["--sandbox", "status"]);
    assert!(
        status.stdout.contains("staging-app-1  active"),
        "{status:?}"
    );
    let destroy = project.run(&[
        "--sandbox",
        "destroy",
        "--auto-approve",
        "--poll-interval",
        "0s",
    ]);
    assert_eq!(destroy.code, 0, "{destroy:?}");
}

//! The fault matrix, in this process with a fake clock so that retries never sleep: batching, 429s,
//! 503s, dropped connections, lost replies and refused creates.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use stagecraft::apply::{ApplyOptions, NoActions, Progress};
use stagecraft::clock::FakeClock;
use stagecraft::config::Config;
use stagecraft::provider::{Client, ClientOptions, Token};

use super::{expected_names, hosts};
use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{CANARY, Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![
        case!(creates_are_batched_by_ten_and_waiting_costs_one_list_per_tick),
        case!(a_429_with_retry_after_on_create_is_waited_out),
        case!(a_burst_of_503s_on_listing_is_retried_with_back_off),
        case!(a_dropped_connection_on_a_list_is_retried),
        case!(a_create_whose_reply_was_lost_is_adopted_not_duplicated),
        case!(a_503_on_create_is_looked_into_before_anything_is_resent),
        case!(a_refused_create_is_reported_per_host_with_the_api_message_and_request_id),
    ]
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
        kind: stagecraft::apply::RunKind::Apply,
        clock: Arc::new(clock.clone()),
        readiness: None,
        max_replacing: None,
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

/// A sandbox with the fault `rule` in place and `n` app hosts applied in this process, which must end
/// with exactly the desired droplets and no failure.
fn apply_despite(rule: Value, n: usize) -> (TestSandbox, FakeClock, Recorder) {
    let sb = TestSandbox::start();
    sb.fault(rule);
    let (report, clock, progress) = apply_in_process(&sb, &config_with_hosts(&sb.url, &hosts(n)));
    assert_eq!(report.failed(), 0, "{report:?}");
    assert_eq!(
        sb.names(),
        expected_names(n),
        "exactly the desired droplets, no duplicates"
    );
    (sb, clock, progress)
}

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

fn a_429_with_retry_after_on_create_is_waited_out() {
    let (_, clock, _) = apply_despite(
        json!({"method": "POST", "path": "/v2/droplets", "kind": "status", "status": 429, "retry_after": 7, "times": 1}),
        3,
    );
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
}

fn a_burst_of_503s_on_listing_is_retried_with_back_off() {
    let (_, clock, _) = apply_despite(
        json!({"method": "GET", "path": "/v2/droplets", "kind": "status", "status": 503, "times": 3}),
        3,
    );
    let secs: Vec<u64> = clock.sleeps().iter().map(Duration::as_secs).collect();
    assert_eq!(secs, vec![2, 4, 8]);
}

fn a_dropped_connection_on_a_list_is_retried() {
    apply_despite(
        json!({"method": "GET", "path": "/v2/droplets", "kind": "drop", "times": 2, "after": 1}),
        3,
    );
}

fn a_create_whose_reply_was_lost_is_adopted_not_duplicated() {
    let (sb, _, progress) = apply_despite(
        json!({"method": "POST", "path": "/v2/droplets", "kind": "reply_lost", "times": 1}),
        12,
    );
    assert!(
        progress.0.iter().any(|l| l.contains("adopted")),
        "{:?}",
        progress.0
    );
    // Two batches (10 + 2): the lost one was never sent again.
    assert_eq!(sb.count("POST /v2/droplets"), 2, "{}", sb.counters());
}

fn a_503_on_create_is_looked_into_before_anything_is_resent() {
    let (sb, _, _) = apply_despite(
        json!({"method": "POST", "path": "/v2/droplets", "kind": "status", "status": 503, "times": 1}),
        3,
    );
    assert_eq!(
        sb.count("POST /v2/droplets"),
        2,
        "the 503 did nothing, so it was sent again once: {}",
        sb.counters()
    );
}

fn a_refused_create_is_reported_per_host_with_the_api_message_and_request_id() {
    let sb = TestSandbox::start();
    sb.fault(json!({"method": "POST", "path": "/v2/droplets", "kind": "status", "status": 422, "times": 1}));
    // One request at a time: the fault hits the first create, app-1's.
    let project = Project::new(&config_with_hosts(
        &sb.url,
        "          app-1: {}\n          db-1: { size: s-2vcpu-4gb }\n",
    ))
    .env("STAGECRAFT_MAX_IN_FLIGHT", "1");
    let out = project.run(&["apply", "--auto-approve"]).code(1);
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
    project.run(&["apply", "--auto-approve"]).success();
    assert_eq!(sb.names(), vec!["staging-app-1", "staging-db-1"]);
}

//! Waits that end badly, in this process on a fake clock (a ten-minute deadline costs no real time): a
//! droplet that never boots, a listing that keeps failing, and a replaced droplet the API will not
//! delete. Each ends as that host's failure, with the reason, and never as "done".

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use stagecraft::apply::{ActionKind, ApplyOptions, NoActions, Progress, Report, RunKind};
use stagecraft::clock::FakeClock;
use stagecraft::config::Config;
use stagecraft::provider::{Client, ClientOptions, Token};

use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{CANARY, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![
        case!(a_droplet_that_never_boots_fails_at_the_deadline_with_its_status),
        case!(the_next_apply_waits_for_that_droplet_instead_of_making_another),
        case!(a_listing_that_keeps_failing_is_never_read_as_done),
        case!(the_options_that_would_never_end_or_burn_the_rate_limit_are_refused),
    ]
}

struct Quiet;

impl Progress for Quiet {
    fn update(&mut self, _droplet_name: &str, _state: &str) {}
}

fn options(clock: &FakeClock) -> ApplyOptions {
    ApplyOptions {
        poll_interval: Duration::from_secs(5),
        timeout: Duration::from_secs(600),
        delete_timeout: Duration::from_secs(300),
        resize_disk: false,
        kind: RunKind::Apply,
        clock: Arc::new(clock.clone()),
        readiness: None,
        max_replacing: None,
    }
}

/// Plans `hosts` against the sandbox, lets `between` act on it (a fault, say), then applies; all of it in
/// this process on `clock`.
fn plan_then_apply(
    sb: &TestSandbox,
    hosts: &str,
    clock: &FakeClock,
    between: impl FnOnce(),
) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::parse(
        &dir.path().join("stagecraft.yml"),
        &config_with_hosts(&sb.url, hosts),
    )
    .unwrap();
    let mut client_options = ClientOptions::new(&sb.url, Token::new(CANARY));
    client_options.clock = Arc::new(clock.clone());
    let client = Client::new(client_options).unwrap();
    let planned = stagecraft::plan::make(&client, &config, "staging").unwrap();
    between();
    stagecraft::apply::execute(
        &client,
        &planned,
        &options(clock),
        &mut Quiet,
        &mut NoActions,
    )
}

fn a_droplet_that_never_boots_fails_at_the_deadline_with_its_status() {
    let sb = TestSandbox::with(|o| o.boot_time = Duration::from_secs(24 * 3600));
    let clock = FakeClock::new();
    let report = plan_then_apply(&sb, "          app-1: {}\n", &clock, || {});
    assert_eq!(report.failed(), 1, "{report:?}");
    let error = report.results[0].error().unwrap();
    assert!(
        error.contains(
            "timed out after 600s waiting (droplet status `new`); run apply again to finish"
        ),
        "{error}"
    );
    // It waited out the deadline on the clock, polling, and no longer.
    let waited: Duration = clock.sleeps().iter().sum();
    assert!(
        waited >= Duration::from_secs(600) && waited <= Duration::from_secs(610),
        "{waited:?}"
    );
    // The droplet was made: the next apply finds it instead of making another.
    assert_eq!(sb.names(), ["staging-app-1"]);
}

fn the_next_apply_waits_for_that_droplet_instead_of_making_another() {
    let sb = TestSandbox::with(|o| o.boot_time = Duration::from_secs(3600));
    let clock = FakeClock::new();
    let first = plan_then_apply(&sb, "          app-1: {}\n", &clock, || {});
    assert_eq!(first.failed(), 1, "timed out: {first:?}");
    // Planned while the droplet still boots; it comes up before the apply looks again.
    let next = plan_then_apply(&sb, "          app-1: {}\n", &clock, || {
        sb.advance(3600);
    });
    assert_eq!(next.failed(), 0, "{next:?}");
    assert_eq!(next.results.len(), 1, "{next:?}");
    assert_eq!(next.results[0].action, ActionKind::Wait, "{next:?}");
    assert!(next.results[0].public_ipv4.is_some(), "{next:?}");
    assert_eq!(sb.names(), ["staging-app-1"], "no second droplet");
}

fn a_listing_that_keeps_failing_is_never_read_as_done() {
    // Two droplets leave the config (app-3 stays); every listing after planning is refused, so "not
    // listed" must not be taken for "deleted".
    let sb = TestSandbox::start();
    let clock = FakeClock::new();
    let report = plan_then_apply(
        &sb,
        "          app-1: {}\n          app-2: {}\n          app-3: {}\n",
        &clock,
        || {},
    );
    assert_eq!(report.failed(), 0, "{report:?}");
    let report = plan_then_apply(&sb, "          app-3: {}\n", &clock, || {
        sb.fault(json!({"method": "GET", "path": "/v2/droplets", "kind": "status", "status": 403}));
    });
    assert_eq!(report.failed(), 2, "{report:?}");
    for result in &report.results {
        let error = result.error().unwrap();
        assert!(
            error.contains("timed out after 300s; the last listing failed: ")
                && error.contains("HTTP 403"),
            "{error}"
        );
    }
}

fn the_options_that_would_never_end_or_burn_the_rate_limit_are_refused() {
    let clock = FakeClock::new();
    let with = |edit: fn(&mut ApplyOptions)| {
        let mut o = options(&clock);
        edit(&mut o);
        o
    };
    // (options, the API is local, what the refusal says; "" = accepted)
    let cases: [(ApplyOptions, bool, &str); 6] = [
        (options(&clock), false, ""),
        (
            with(|o| o.poll_interval = Duration::from_millis(10)),
            true,
            "",
        ),
        (
            with(|o| o.poll_interval = Duration::from_millis(10)),
            false,
            "it must be at least 1s against DigitalOcean",
        ),
        (
            with(|o| o.poll_interval = Duration::from_millis(1)),
            true,
            "it must be at least 10ms, or polling",
        ),
        (
            with(|o| o.timeout = Duration::ZERO),
            false,
            "the timeout is 0ns; it must be above 0 and below a day (24h)",
        ),
        (
            with(|o| o.delete_timeout = Duration::from_secs(24 * 3600)),
            false,
            "the delete timeout is 86400s; it must be above 0",
        ),
    ];
    for (options, local, says) in cases {
        match options.check(local) {
            Ok(()) => assert_eq!(says, "", "accepted"),
            Err(e) => assert!(!says.is_empty() && e.contains(says), "{e} ({says:?})"),
        }
    }
}

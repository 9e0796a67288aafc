//! Whole runs: first run and rerun, deletions and revivals, a type failing after its retries, 4xx
//! failures, and row-at-a-time writes matching batched ones.

use std::time::Duration;

use serde_json::json;

use super::*;
use crate::provider::Collection;

#[test]
fn first_run_writes_every_type_and_a_rerun_changes_no_counts() {
    let (api, db, clock) = world(450);
    let first = ingest(&api, &db, &clock);
    assert_eq!(first.status, RunStatus::Success, "{first:?}");
    assert_eq!(first.rows, 450 + 2 + 450 + 3 + 1 + 1);
    assert_eq!(first.resources[0].pages, 3);
    assert_eq!(
        db.count("SELECT count(*) FROM do_droplets WHERE deleted_at IS NULL"),
        450
    );
    assert_eq!(db.count("SELECT count(*) FROM do_firewalls"), 450);
    assert_eq!(
        db.count("SELECT count(*) FROM do_droplets WHERE public_ipv4 = '203.0.113.1' AND region = 'nyc3' AND memory_mb = 1024"),
        450
    );
    clock.advance(Duration::from_secs(60));
    let second = ingest(&api, &db, &clock);
    assert_eq!(second.status, RunStatus::Success);
    assert_eq!(second.rows, first.rows);
    assert_eq!(second.deleted, 0);
    assert_eq!(db.count("SELECT count(*) FROM do_droplets"), 450);
    assert_eq!(
        db.count("SELECT count(*) FROM do_ingest_runs WHERE status = 'success'"),
        2
    );
    assert_eq!(db.count("SELECT count(*) FROM run_events"), 12);
    // first_seen_at stays from run 1, last_seen moves to run 2.
    assert_eq!(
        db.count(&format!("SELECT count(*) FROM do_droplets WHERE last_seen_run_id = {} AND first_seen_at < last_seen_at", second.run_id)),
        450
    );
    // No sleeping: nothing failed.
    assert!(clock.sleeps().is_empty());
}

#[test]
fn a_resource_gone_from_a_complete_listing_is_marked_deleted_and_revived_when_back() {
    let (api, db, clock) = world(5);
    ingest(&api, &db, &clock);
    api.edit(|a| {
        a.items
            .get_mut(&Resource::Droplets)
            .unwrap()
            .retain(|d| d["id"] != 3)
    });
    let run = ingest(&api, &db, &clock);
    assert_eq!(run.deleted, 1);
    assert_eq!(
        db.count("SELECT count(*) FROM do_droplets WHERE deleted_at IS NOT NULL"),
        1
    );
    assert_eq!(
        db.count("SELECT do_id FROM do_droplets WHERE deleted_at IS NOT NULL"),
        3
    );
    assert_eq!(
        db.count("SELECT count(*) FROM do_droplets"),
        5,
        "never dropped"
    );
    api.edit(|a| {
        a.items
            .get_mut(&Resource::Droplets)
            .unwrap()
            .push(droplet(3))
    });
    ingest(&api, &db, &clock);
    assert_eq!(
        db.count("SELECT count(*) FROM do_droplets WHERE deleted_at IS NOT NULL"),
        0
    );
}

#[test]
fn a_type_failing_after_the_retry_budget_is_partial_and_leaves_earlier_data_intact() {
    let (api, db, clock) = world(10);
    let first = ingest(&api, &db, &clock);
    // Run 2: firewall page 1 answers (with a renamed firewall and one gone), page 2 keeps failing with 503.
    api.edit(|a| {
        let fws = a.items.get_mut(&Resource::Firewalls).unwrap();
        fws[0]["name"] = json!("renamed");
        fws.remove(1);
        a.faults
            .insert(Collection::Firewalls.path().into(), (503, 2));
        a.items
            .get_mut(&Resource::Droplets)
            .unwrap()
            .push(droplet(99));
    });
    let second = ingest(&api, &db, &clock);
    assert_eq!(second.status, RunStatus::Partial);
    let fw = second
        .resources
        .iter()
        .find(|r| r.resource == "firewalls")
        .unwrap();
    assert_eq!(fw.status, ResourceStatus::Partial);
    assert_eq!(fw.rows, 0);
    // Pages 2 and 3 go out together once page 1 gives the total, each tried once and retried five times
    // (page 3 is not sent if page 2 has already failed by then: the listing is over).
    assert!(
        fw.errors == 12 || fw.errors == 6,
        "one attempt and five retries per page: {fw:?}"
    );
    let pages_tried = fw.errors as usize / 6;
    assert!(fw.error.as_deref().unwrap().contains("503"), "{fw:?}");
    assert!(
        second
            .last_error
            .as_deref()
            .unwrap()
            .starts_with("firewalls: ")
    );
    // The client's backoff for a 5xx, through the injected clock: 2, 4, 8, 16, 32 seconds, for each page
    // tried (their waits interleave).
    let mut waits: Vec<u64> = clock.sleeps().iter().map(Duration::as_secs).collect();
    waits.sort_unstable();
    let backoff: Vec<u64> = [2, 4, 8, 16, 32]
        .iter()
        .flat_map(|w| std::iter::repeat_n(*w, pages_tried))
        .collect();
    assert_eq!(waits, backoff);
    // The failed type's page 1 was rolled back; nothing marked deleted; earlier types written.
    assert_eq!(
        db.count("SELECT count(*) FROM do_firewalls WHERE name = 'renamed'"),
        0
    );
    assert_eq!(
        db.count("SELECT count(*) FROM do_firewalls WHERE deleted_at IS NOT NULL"),
        0
    );
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM do_firewalls WHERE last_seen_run_id = {}",
            first.run_id
        )),
        450
    );
    assert_eq!(db.count("SELECT count(*) FROM do_droplets"), 11);
    // Later types still ran.
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM do_vpcs WHERE last_seen_run_id = {}",
            second.run_id
        )),
        3
    );
    let (status, error): (String, String) = db
        .conn()
        .query_row(
            &format!(
                "SELECT status, last_error FROM do_ingest_runs WHERE id = {}",
                second.run_id
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(status, "partial");
    assert!(error.contains(Collection::Firewalls.path()), "{error}");
    assert_eq!(
        db.count(
            "SELECT error_count FROM run_events WHERE resource = 'firewalls' AND status = 'partial'"
        ),
        fw.errors as i64
    );
}

#[test]
fn a_4xx_is_not_retried_and_every_type_failing_is_an_error() {
    let api = FakeApi::new(account(1));
    api.edit(|a| {
        for r in Resource::ALL {
            a.faults.insert(r.collection().path().into(), (403, 1));
        }
    });
    let db = Db::new();
    let clock = FakeClock::new();
    let client = api.client(&clock);
    let summary = run(
        &client,
        &clock,
        &db.options(WriteMode::Batched),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(summary.status, RunStatus::Error);
    assert_eq!(summary.resources_failed, 6);
    assert_eq!(
        client.request_count(),
        6,
        "one request per type, no retries"
    );
    assert!(clock.sleeps().is_empty());
    assert_eq!(
        db.count("SELECT count(*) FROM do_ingest_runs WHERE status = 'error'"),
        1
    );
}

#[test]
fn an_unreadable_object_stops_its_listing_early_and_the_type_keeps_the_last_good_run() {
    let (api, db, clock) = world(4000);
    let first = ingest(&api, &db, &clock);
    assert_eq!(first.resources[0].pages, 20);
    api.edit(|a| a.items.get_mut(&Resource::Droplets).unwrap()[10] = json!({"name": "no id"}));
    let second = ingest(&api, &db, &clock);
    let droplets = &second.resources[0];
    assert_eq!(droplets.status, ResourceStatus::Partial, "{droplets:?}");
    let error = droplets.error.as_deref().unwrap();
    assert!(error.contains(Collection::Droplets.path()), "{error}");
    assert!(
        error.contains("a droplet without an integer `id`"),
        "{error}"
    );
    // The writer failed on page 1: the fetching, at most 8 pages (the requests in flight) ahead of it,
    // stopped instead of listing all 20.
    assert!(droplets.pages <= 9, "{droplets:?}");
    assert_eq!(
        second.resources[1].status,
        ResourceStatus::Success,
        "the run goes on"
    );
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM do_droplets WHERE last_seen_run_id = {} AND deleted_at IS NULL",
            first.run_id
        )),
        4000
    );
}

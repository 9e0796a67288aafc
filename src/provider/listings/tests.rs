//! Several listings against a scripted API over real HTTP that answers each request after a random delay,
//! on a thread of its own, so replies come back out of order.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;

use super::plan::Mode;
use super::*;
use crate::provider::budget::Limits;
use crate::provider::{ClientOptions, Token};

/// Answers `(status, body)` for a request's path and query.
type Script = dyn Fn(&str) -> (u16, String) + Send + Sync;

/// A loopback HTTP server running `script` for every request after 0-`jitter_ms` ms; counts requests.
struct Api {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl Api {
    fn start(
        jitter_ms: u64,
        script: impl Fn(&str) -> (u16, String) + Send + Sync + 'static,
    ) -> Api {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let script: Arc<Script> = Arc::new(script);
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        std::thread::spawn(move || {
            for (n, conn) in listener.incoming().enumerate() {
                let Ok(conn) = conn else { continue };
                let (script, counted) = (script.clone(), counted.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(conn.try_clone().unwrap());
                    let mut conn = conn;
                    let mut seed = n as u64 * 7919 + 17;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let target = line.split(' ').nth(1).unwrap_or("/").to_string();
                        loop {
                            let mut header = String::new();
                            if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                                break;
                            }
                        }
                        counted.fetch_add(1, Ordering::SeqCst);
                        seed = seed
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        if jitter_ms > 0 {
                            std::thread::sleep(Duration::from_millis(
                                (seed >> 33) % (jitter_ms + 1),
                            ));
                        }
                        let (status, body) = script(&target);
                        let head = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        );
                        if conn.write_all(head.as_bytes()).is_err()
                            || conn.write_all(body.as_bytes()).is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
        Api { url, requests }
    }

    fn client(&self, max_in_flight: usize) -> Client {
        let mut options = ClientOptions::new(&self.url, Token::new("dop_v1_listings_test"));
        options.limits = Limits {
            max_in_flight,
            ..Limits::default()
        };
        Client::new(options).unwrap()
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn page_number(target: &str) -> usize {
    target
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("page="))
        .map_or(1, |n| n.parse().unwrap())
}

/// Droplets 1..=total, `per` to a page, with `meta.total` (and a `next` link, as the API gives both).
fn numbered(target: &str, total: usize, per: usize) -> (u16, String) {
    let page = page_number(target);
    let ids: Vec<usize> = ((page - 1) * per + 1..=(page * per).min(total)).collect();
    let next = (page * per < total).then(|| {
        format!(
            "http://elsewhere/v2/droplets?page={}&per_page=200",
            page + 1
        )
    });
    let body = json!({"droplets": ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
                      "links": {"pages": {"next": next}}, "meta": {"total": total}});
    (200, body.to_string())
}

/// The ids on each page of listing `index`, as the reader got them, and the failure that ended it.
fn read_all(
    listings: &Listings<'_>,
    index: usize,
    key: &str,
) -> (Vec<Vec<u64>>, Option<ProviderError>) {
    let mut pages = Vec::new();
    while let Some(page) = listings.next_page(index) {
        match page {
            Ok(page) => {
                assert_eq!(page.number, pages.len() + 1);
                let body: serde_json::Value = serde_json::from_str(page.text()).unwrap();
                pages.push(
                    body[key]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|d| d["id"].as_u64().unwrap())
                        .collect(),
                );
            }
            Err(e) => return (pages, Some(e)),
        }
    }
    (pages, None)
}

fn ids(pages: &[Vec<u64>]) -> Vec<u64> {
    pages.concat()
}

#[test]
fn several_listings_come_whole_and_in_page_order_under_random_latency() {
    let api = Api::start(15, |target| {
        if target.starts_with("/v2/droplets") {
            numbered(target, 23, 2)
        } else if target.starts_with("/v2/firewalls") {
            // No `meta`: followed link by link, as the API's links say.
            let page = page_number(target);
            let next = (page < 4).then(|| format!("/v2/firewalls?per_page=200&page={}", page + 1));
            (200, json!({"firewalls": [{"id": page as u64 * 100}], "links": {"pages": {"next": next}}}).to_string())
        } else {
            (
                200,
                json!({"databases": [{"id": 7}, {"id": 8}]}).to_string(),
            )
        }
    });
    let client = api.client(4);
    let collections = [
        Collection::Droplets,
        Collection::Firewalls,
        Collection::Databases,
    ];
    let (droplets, firewalls, databases, stats) = client.read_listings(&collections, |l| {
        let d = read_all(l, 0, "droplets");
        let f = read_all(l, 1, "firewalls");
        let b = read_all(l, 2, "databases");
        (d, f, b, (0..3).map(|i| l.finish(i)).collect::<Vec<_>>())
    });
    assert!(droplets.1.is_none() && firewalls.1.is_none() && databases.1.is_none());
    assert_eq!(droplets.0.len(), 12);
    assert_eq!(ids(&droplets.0), (1..=23).collect::<Vec<u64>>());
    assert_eq!(ids(&firewalls.0), [100, 200, 300, 400]);
    assert_eq!(ids(&databases.0), [7, 8]);
    assert_eq!(
        stats[0],
        ListingStats {
            pages: 12,
            attempts: 12
        }
    );
    assert_eq!(
        stats[1],
        ListingStats {
            pages: 4,
            attempts: 4
        }
    );
    assert_eq!(api.requests(), 17, "no page asked for twice");
}

#[test]
fn a_slow_reader_holds_back_the_fetching_to_the_window() {
    let api = Api::start(0, |target| {
        if target.starts_with("/v2/droplets") {
            numbered(target, 60, 2)
        } else {
            numbered(target, 1, 1)
        }
    });
    let ahead = 3;
    let client = api.client(ahead);
    client.read_listings(&[Collection::Droplets, Collection::Vpcs], |l| {
        for taken in 1..=30 {
            let page = l.next_page(0).unwrap().unwrap();
            assert_eq!(page.number, taken);
            // Let the workers run ahead as far as they may.
            std::thread::sleep(Duration::from_millis(5));
            let asked = api.requests();
            assert!(
                asked <= 2 + (taken - 1) + ahead,
                "{asked} requests with {taken} pages taken"
            );
        }
        assert!(l.next_page(0).is_none());
    });
}

#[test]
fn a_failed_page_fails_its_listing_only() {
    let api = Api::start(5, |target| {
        if target.starts_with("/v2/droplets") && page_number(target) == 3 {
            (
                404,
                json!({"id": "not_found", "message": "gone"}).to_string(),
            )
        } else if target.starts_with("/v2/droplets") {
            numbered(target, 20, 2)
        } else {
            (
                200,
                json!({"vpcs": [{"id": 1}], "meta": {"total": 1}}).to_string(),
            )
        }
    });
    let client = api.client(8);
    client.read_listings(&[Collection::Droplets, Collection::Vpcs], |l| {
        let (_, failure) = read_all(l, 0, "droplets");
        match failure {
            Some(ProviderError::PartialListing {
                page: 3, source, ..
            }) => {
                assert_eq!(source.status(), Some(404))
            }
            other => panic!("{other:?}"),
        }
        assert!(l.next_page(0).is_none(), "a failed listing ends");
        let (vpcs, failure) = read_all(l, 1, "vpcs");
        assert!(failure.is_none());
        assert_eq!(ids(&vpcs), [1]);
    });
}

#[test]
fn a_listing_that_grew_while_paged_is_followed_past_its_count_and_a_link_loop_fails() {
    // Page 3 of 3 says two more items came meanwhile: page 4 is read too.
    let api = Api::start(0, |target| {
        let total = if page_number(target) <= 2 { 6 } else { 8 };
        numbered(target, total, 2)
    });
    let client = api.client(8);
    let (pages, failure) =
        client.read_listings(&[Collection::Droplets], |l| read_all(l, 0, "droplets"));
    assert!(failure.is_none());
    assert_eq!(ids(&pages), (1..=8).collect::<Vec<u64>>());

    let api = Api::start(0, |target| {
        let page = page_number(target);
        (200, json!({"vpcs": [{"id": page}], "links": {"pages": {"next": "/v2/vpcs?per_page=200&page=2"}}}).to_string())
    });
    let client = api.client(8);
    let (pages, failure) = client.read_listings(&[Collection::Vpcs], |l| read_all(l, 0, "vpcs"));
    assert!(ids(&pages).len() <= 1, "{pages:?}");
    let failure = failure.unwrap().to_string();
    assert!(
        failure.contains("points back to a page already read"),
        "{failure}"
    );
}

#[test]
fn pages_of_later_listings_never_hold_up_the_readers_listing() {
    // Listing 1 got five pages ahead while the window was wide; then the reader turned out to be the
    // slower side and the window shrank to two.
    let mut state = State {
        lists: vec![
            List::new(Collection::Droplets),
            List::new(Collection::Firewalls),
        ],
        reading: 0,
        stopped: false,
        window: Window::measured(8, Duration::from_millis(1), Duration::from_millis(20)),
    };
    for list in &mut state.lists {
        list.sent = 1;
        list.arrived.insert(1, String::new());
    }
    state.lists[0].mode = Mode::Numbered { last: 50, per: 200 };
    state.lists[1].mode = Mode::Numbered { last: 9, per: 200 };
    state.lists[1].sent = 6;
    for n in 2..=6 {
        state.lists[1].arrived.insert(n, String::new());
    }
    assert_eq!(state.window.size(), 2);
    let job = state.next_job().expect("the reader's listing has room");
    assert_eq!((job.list, job.number), (0, 2));
    let job = state
        .next_job()
        .expect("one page written while the next comes");
    assert_eq!((job.list, job.number), (0, 3));
    assert!(
        state.next_job().is_none(),
        "the window is full; listing 1 waits"
    );
}

//! Pagination: links, totals, clamping, and the time to serve a 200-droplet page.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{start, start_with};
use crate::case;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(pagination_links_and_totals),
        case!(page_200_of_10000_median).ignored(),
    ]
}

fn pagination_links_and_totals() {
    let sb = start();
    sb.seed(json!({"droplets": 45, "tags": ["stagecraft:env:pg"], "name_prefix": "pg-"}));
    sb.seed(json!({"droplets": 5, "name_prefix": "other"}));
    let path = "/v2/droplets?tag_name=stagecraft:env:pg";
    let p1 = sb.get(path);
    assert_eq!(p1.json["meta"]["total"], 45);
    assert_eq!(p1.json["droplets"].as_array().map(Vec::len), Some(20));
    assert_eq!(p1.link("first"), None);
    assert_eq!(p1.link("prev"), None);
    let next = p1.link("next").unwrap_or_default();
    assert!(next.starts_with(&sb.url), "{next}");
    assert!(next.contains("tag_name=stagecraft:env:pg"), "{next}");
    assert!(p1.link("last").is_some_and(|l| l.contains("page=3")));
    let p2 = sb.get(next.trim_start_matches(&sb.url));
    for k in ["first", "prev", "next", "last"] {
        assert!(p2.link(k).is_some(), "page 2 lacks {k}");
    }
    assert_eq!(p2.json["meta"]["total"], 45);
    let p3 = sb.get(
        p2.link("next")
            .unwrap_or_default()
            .trim_start_matches(&sb.url),
    );
    assert_eq!(p3.json["droplets"].as_array().map(Vec::len), Some(5));
    assert_eq!(p3.link("next"), None);
    assert_eq!(p3.link("last"), None);
    // Following next from the start visits every droplet once.
    let mut seen = BTreeSet::new();
    let mut url = Some(format!("{path}&per_page=7"));
    while let Some(u) = url {
        let r = sb.get(&u);
        for d in r.json["droplets"].as_array().cloned().unwrap_or_default() {
            assert!(seen.insert(d["id"].as_u64().unwrap_or(0)));
        }
        url = r
            .link("next")
            .map(|n| n.trim_start_matches(&sb.url).to_string());
    }
    assert_eq!(seen.len(), 45);
    // per_page above 200 clamps; everything fits, so no page links.
    let all = sb.get("/v2/droplets?per_page=500");
    assert_eq!(all.json["droplets"].as_array().map(Vec::len), Some(50));
    assert_eq!(all.json["links"], json!({}));
    sb.shutdown();
}

/// Median time to serve a 200-droplet page from a 10,000-droplet account. Run with
/// `cargo test --release --test e2e -- --ignored --nocapture page_200_of_10000`.
#[allow(clippy::print_stdout)] // a measurement is the point of this test
fn page_200_of_10000_median() {
    let sb = start_with(|o| {
        o.rate_limit_per_minute = 1_000_000;
        o.rate_limit_per_hour = 1_000_000;
    });
    sb.seed(json!({"droplets": 10000, "tags": ["stagecraft", "stagecraft:env:staging", "stagecraft:role:app"], "name_prefix": "staging-app-"}));
    let measure = |label: &str, rounds: usize| {
        let mut times = Vec::new();
        for round in 0..rounds {
            let page = round % 50 + 1;
            let path =
                format!("/v2/droplets?tag_name=stagecraft:env:staging&per_page=200&page={page}");
            // Timed: request, full response body received; JSON parsing by the client is not.
            let t = Instant::now();
            let body = sb.get_text(&path);
            times.push(t.elapsed());
            let v: Value = serde_json::from_str(&body).unwrap_or_default();
            assert_eq!(v["droplets"].as_array().map(Vec::len), Some(200));
        }
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "{label}: median {median:?} over {rounds} requests (min {:?}, max {:?})",
            times[0],
            times[times.len() - 1]
        );
        median
    };
    measure("cold (first render of each page)", 50);
    let warm = measure("warm", 200);
    assert!(warm < Duration::from_millis(5), "median {warm:?}");
    sb.shutdown();
}

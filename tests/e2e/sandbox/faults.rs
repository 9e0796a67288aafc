//! Injected faults (status, latency, drop, reply lost), the request log and the counters.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{create_body, start};
use crate::case;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![case!(faults_status_latency_drop_and_reply_lost)]
}

fn faults_status_latency_drop_and_reply_lost() {
    let sb = start();
    // status: the first matching request gets 503 + retry-after, and nothing is created.
    sb.fault(
        json!({"method": "POST", "path": "/v2/droplets", "kind": "status", "status": 503, "retry_after": 1, "times": 1}),
    );
    let r = sb.post("/v2/droplets", create_body("f-1"));
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(sb.get("/v2/droplets?name=f-1").json["meta"]["total"], 0);
    assert_eq!(sb.post("/v2/droplets", create_body("f-1")).status, 202);
    sb.clear_faults();
    // after: skip the first match.
    sb.fault(
        json!({"method": "GET", "path": "/v2/account", "kind": "status", "status": 500, "times": 1, "after": 1}),
    );
    assert_eq!(sb.get("/v2/account").status, 200);
    assert_eq!(sb.get("/v2/account").status, 500);
    assert_eq!(sb.get("/v2/account").status, 200);
    // latency.
    sb.fault(json!({"path": "/v2/regions", "kind": "latency", "latency_ms": 200, "times": 1}));
    let t = Instant::now();
    assert_eq!(sb.get("/v2/regions").status, 200);
    assert!(t.elapsed() >= Duration::from_millis(200));
    // A create that gets no answer under fault `kind`: how many droplets named `name` exist after it.
    let unanswered_create = |kind: &str, name: &str| {
        sb.fault(json!({"method": "POST", "path": "/v2/droplets", "kind": kind, "times": 1}));
        let body = create_body(name).to_string();
        assert!(
            sb.try_call("POST", "/v2/droplets", Some(&body), true)
                .is_err()
        );
        sb.get(&format!("/v2/droplets?name={name}")).json["meta"]["total"].clone()
    };
    // drop: no response and no effect.
    assert_eq!(unanswered_create("drop", "f-2"), 0);
    // reply_lost: no response, but the droplet exists.
    assert_eq!(unanswered_create("reply_lost", "f-3"), 1);
    // The log tells what happened.
    let posts: Vec<(Option<u16>, Option<String>)> = sb
        .requests()
        .into_iter()
        .filter(|e| e.method == "POST")
        .map(|e| (e.status, e.fault))
        .collect();
    let fault = |kind: &str| Some(kind.to_string());
    assert_eq!(
        posts,
        vec![
            (Some(503), fault("status")),
            (Some(202), None),
            (None, fault("drop")),
            (Some(202), fault("reply_lost")),
        ]
    );
    let counters = sb.counters();
    assert_eq!(counters.get("POST /v2/droplets"), 4);
    assert_eq!(counters.get("GET /v2/account"), 3);
    // clear_requests insists on its 204.
    sb.clear_requests();
    assert!(sb.counters().is_empty());
    sb.shutdown();
}

//! Requests in parallel: pages handed on in order whatever order they arrive in, plans byte-identical at
//! any concurrency, and a destroy by tag only when every droplet carrying the tag is to go.

use serde_json::json;

use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::{Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![
        case!(pages_arriving_out_of_order_give_the_same_plan_at_any_concurrency),
        case!(destroy_deletes_by_tag_only_when_every_droplet_with_it_goes),
    ]
}

fn pages_arriving_out_of_order_give_the_same_plan_at_any_concurrency() {
    let sb = TestSandbox::start();
    // 450 droplets of the env: three pages of its listing.
    sb.seed(json!({"droplets": 450, "name_prefix": "staging-app-", "tags": TestSandbox::managed("staging", "app")}));
    let project = Project::new(&config_with_hosts(
        &sb.url,
        "          app-1: {}\n          web-1: {}\n",
    ));
    let plan = |in_flight: &str| {
        project
            .run_with(&["plan", "--json"], |c| {
                c.env("STAGECRAFT_MAX_IN_FLIGHT", in_flight);
            })
            .success()
            .stdout
    };
    let sequential = plan("1");
    // The second page of each listing is held back, so the third arrives first.
    sb.fault(json!({"method": "GET", "path": "/v2/droplets", "kind": "latency", "latency_ms": 300, "after": 1, "times": 1}));
    let parallel = plan("8");
    assert_eq!(sequential, parallel, "the same plan, byte for byte");
    let parsed: serde_json::Value = serde_json::from_str(&parallel).unwrap();
    assert_eq!(
        parsed["to_delete"].as_array().unwrap().len(),
        449,
        "every page was read"
    );
}

fn destroy_deletes_by_tag_only_when_every_droplet_with_it_goes() {
    let sb = TestSandbox::start();
    let project = Project::new(&config_with_hosts(
        &sb.url,
        "          app-1: {}\n          app-2: {}\n",
    ));
    project.run(&["apply", "--auto-approve"]).success();
    sb.clear_requests();
    project.run(&["destroy", "--auto-approve"]).success();
    assert_eq!(
        sb.count("DELETE /v2/droplets"),
        1,
        "one request for the tag: {:?}",
        sb.counters()
    );
    assert_eq!(sb.count("DELETE /v2/droplets/{id}"), 0);
    assert!(sb.names().is_empty());

    // Another config's droplet carries the env tag too: deletes go by id, and it stays.
    let named = |name: &str, hosts: &str| {
        config_with_hosts(&sb.url, hosts).replacen("cloud:", &format!("name: {name}\ncloud:"), 1)
    };
    let shop = Project::new(&named("shop", "          app-1: {}\n          app-2: {}\n"));
    let blog = Project::new(&named("blog", "          db-1: {}\n"));
    shop.run(&["apply", "--auto-approve"]).success();
    blog.run(&["apply", "--auto-approve"]).success();
    sb.clear_requests();
    shop.run(&["destroy", "--auto-approve"]).success();
    assert_eq!(sb.count("DELETE /v2/droplets"), 0, "{:?}", sb.counters());
    assert_eq!(sb.count("DELETE /v2/droplets/{id}"), 2);
    assert_eq!(sb.names(), ["staging-db-1"]);
}

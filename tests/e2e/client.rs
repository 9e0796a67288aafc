//! The DigitalOcean client against mockito: pagination variants, the retry schedule on a fake
//! clock, error envelopes, partial listings, rate-limit pacing and the audit log.

use std::sync::Arc;
use std::time::Duration;

use mockito::{Matcher, Server};
use serde_json::{Value, json};
use stagecraft::clock::{Clock, FakeClock};
use stagecraft::provider::audit::AuditLog;
use stagecraft::provider::{Client, ClientOptions, Droplet, ProviderError, Token};

use crate::case;
use crate::support::CANARY;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(every_links_variant_of_the_spec_ends_the_listing_correctly),
        case!(follows_next_links_across_pages_keeping_only_path_and_query),
        case!(a_429_waits_retry_after_or_sixty_seconds),
        case!(server_errors_back_off_2_4_8_16_32_then_give_up),
        case!(a_422_is_not_retried_and_its_envelope_reaches_the_user),
        case!(tagging_survives_an_existing_tag_and_retries_like_a_read),
        case!(a_create_is_never_retried_on_an_ambiguous_failure),
        case!(a_failed_page_aborts_the_whole_listing),
        case!(sends_bearer_auth_and_user_agent_and_audits_without_the_token),
        case!(rate_limit_headers_are_read_case_insensitively_and_slow_the_client_down),
        case!(plain_http_is_refused_except_on_loopback),
    ]
}

fn client(server: &Server, clock: &FakeClock) -> Client {
    let mut options = ClientOptions::new(&server.url(), Token::new(CANARY));
    options.clock = Arc::new(clock.clone());
    options.timeout = Duration::from_secs(5);
    Client::new(options).unwrap()
}

fn example(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/do-api-examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn droplets(ids: std::ops::Range<u64>) -> Vec<Value> {
    let template = example("droplet_get.json")["droplet"].clone();
    ids.map(|id| {
        let mut d = template.clone();
        d["id"] = json!(id);
        d["name"] = json!(format!("d-{id}"));
        d
    })
    .collect()
}

fn secs(list: &[u64]) -> Vec<Duration> {
    list.iter().map(|s| Duration::from_secs(*s)).collect()
}

fn every_links_variant_of_the_spec_ends_the_listing_correctly() {
    // The spec's examples show no links, `{}`, `{"pages": {}}`, and forward links; all must work.
    for links in [None, Some(json!({})), Some(json!({"pages": {}}))] {
        let mut server = Server::new();
        let mut body = json!({"droplets": droplets(1..4), "meta": {"total": 3}});
        if let Some(links) = links.clone() {
            body["links"] = links;
        }
        let mock = server
            .mock("GET", "/v2/droplets")
            .match_query(Matcher::UrlEncoded("per_page".into(), "200".into()))
            .with_body(body.to_string())
            .expect(1)
            .create();
        let clock = FakeClock::new();
        let got: Vec<Droplet> = client(&server, &clock)
            .list_all("/v2/droplets", "droplets")
            .unwrap();
        assert_eq!(got.len(), 3, "links = {links:?}");
        mock.assert();
    }
}

fn follows_next_links_across_pages_keeping_only_path_and_query() {
    let mut server = Server::new();
    let page2 = "https://api.digitalocean.com/v2/droplets?page=2&per_page=200&tag_name=stagecraft:env:staging";
    let first = server
        .mock("GET", "/v2/droplets")
        .match_query(Matcher::Exact("tag_name=stagecraft:env:staging&per_page=200".into()))
        .with_body(json!({"droplets": droplets(1..201), "links": {"pages": {"next": page2, "last": page2}}, "meta": {"total": 250}}).to_string())
        .create();
    let second = server
        .mock("GET", "/v2/droplets")
        .match_query(Matcher::UrlEncoded("page".into(), "2".into()))
        .with_body(json!({"droplets": droplets(201..251), "links": {"pages": {"first": "x", "prev": "y"}}, "meta": {"total": 250}}).to_string())
        .expect(1)
        .create();
    let clock = FakeClock::new();
    let c = client(&server, &clock);
    let got: Vec<Droplet> = c
        .list_all("/v2/droplets?tag_name=stagecraft:env:staging", "droplets")
        .unwrap();
    assert_eq!(got.len(), 250);
    assert_eq!(c.request_count(), 2);
    first.assert();
    second.assert();
}

fn a_429_waits_retry_after_or_sixty_seconds() {
    for (header, expected) in [(Some("7"), 7), (None, 60)] {
        let mut server = Server::new();
        let mut limited = server
            .mock("GET", "/v2/account")
            .with_status(429)
            .with_body(example("error_too_many_requests.json").to_string());
        if let Some(value) = header {
            limited = limited.with_header("Retry-After", value);
        }
        let limited = limited.expect(1).create();
        let ok = server
            .mock("GET", "/v2/account")
            .with_body(example("account_get_composed.json").to_string())
            .expect(1)
            .create();
        let clock = FakeClock::new();
        let account: stagecraft::provider::Account = client(&server, &clock)
            .get("/v2/account", "account")
            .unwrap();
        assert!(!account.uuid.is_empty());
        assert_eq!(clock.sleeps(), secs(&[expected]));
        limited.assert();
        ok.assert();
    }
}

fn server_errors_back_off_2_4_8_16_32_then_give_up() {
    let mut server = Server::new();
    let failing = server
        .mock("GET", "/v2/regions")
        .match_query(Matcher::Any)
        .with_status(503)
        .with_body(example("error_server_error.json").to_string())
        .expect(6)
        .create();
    let clock = FakeClock::new();
    let err = client(&server, &clock)
        .list_all::<stagecraft::provider::Region>("/v2/regions", "regions")
        .unwrap_err();
    assert_eq!(clock.sleeps(), secs(&[2, 4, 8, 16, 32]));
    assert!(matches!(err, ProviderError::PartialListing { .. }), "{err}");
    assert_eq!(err.status(), Some(503));
    failing.assert();

    let mut server = Server::new();
    let _fail = server
        .mock("GET", "/v2/sizes")
        .match_query(Matcher::Any)
        .with_status(502)
        .expect(2)
        .create();
    let mut sizes = example("sizes_list.json");
    sizes["links"] = json!({});
    sizes["meta"]["total"] = json!(sizes["sizes"].as_array().unwrap().len());
    let ok = server
        .mock("GET", "/v2/sizes")
        .match_query(Matcher::Any)
        .with_body(sizes.to_string())
        .create();
    let clock = FakeClock::new();
    let sizes: Vec<stagecraft::provider::Size> = client(&server, &clock)
        .list_all("/v2/sizes", "sizes")
        .unwrap();
    assert!(!sizes.is_empty());
    assert_eq!(clock.sleeps(), secs(&[2, 4]));
    ok.assert();
}

fn a_422_is_not_retried_and_its_envelope_reaches_the_user() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/v2/droplets")
        .with_status(422)
        .with_body(example("error_unprocessable_entity.json").to_string())
        .expect(1)
        .create();
    let clock = FakeClock::new();
    let err = client(&server, &clock)
        .post("/v2/droplets", &json!({"name": "x"}))
        .unwrap_err();
    mock.assert();
    assert!(clock.sleeps().is_empty());
    let text = err.to_string();
    let body = example("error_unprocessable_entity.json");
    assert!(text.contains("HTTP 422"), "{text}");
    assert!(text.contains(body["message"].as_str().unwrap()), "{text}");
    assert!(
        text.contains(body["request_id"].as_str().unwrap()),
        "{text}"
    );
    assert!(!err.is_ambiguous());
}

fn tagging_survives_an_existing_tag_and_retries_like_a_read() {
    let mut server = Server::new();
    let create = server
        .mock("POST", "/v2/tags")
        .match_body(Matcher::Json(json!({"name": "team-b"})))
        .with_status(422)
        .with_body(example("error_unprocessable_entity.json").to_string())
        .expect(1)
        .create();
    let flaky = server
        .mock("POST", "/v2/tags/team-b/resources")
        .with_status(503)
        .expect(1)
        .create();
    let assign = server
        .mock("POST", "/v2/tags/team-b/resources")
        .match_body(Matcher::Json(json!({"resources": [
            {"resource_id": "7", "resource_type": "droplet"},
            {"resource_id": "8", "resource_type": "droplet"},
        ]})))
        .with_status(204)
        .expect(1)
        .create();
    let unassign = server
        .mock("DELETE", "/v2/tags/stagecraft:spec:ab/resources")
        .match_body(Matcher::Json(json!({"resources": [
            {"resource_id": "7", "resource_type": "droplet"},
        ]})))
        .with_status(204)
        .expect(1)
        .create();
    let clock = FakeClock::new();
    let client = client(&server, &clock);
    client.create_tag("team-b").unwrap();
    client.tag_droplets("team-b", &[7, 8], true).unwrap();
    client
        .tag_droplets("stagecraft:spec:ab", &[7], false)
        .unwrap();
    for mock in [create, flaky, assign, unassign] {
        mock.assert();
    }
    assert_eq!(clock.sleeps(), secs(&[2]), "the 503 was retried once");
}

fn a_create_is_never_retried_on_an_ambiguous_failure() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/v2/droplets")
        .with_status(503)
        .expect(1)
        .create();
    let clock = FakeClock::new();
    let err = client(&server, &clock)
        .post("/v2/droplets", &json!({"name": "x"}))
        .unwrap_err();
    mock.assert();
    assert!(err.is_ambiguous(), "{err}");
}

fn a_failed_page_aborts_the_whole_listing() {
    let mut server = Server::new();
    let next = format!("{}/v2/droplets?page=2&per_page=200", server.url());
    let _first = server
        .mock("GET", "/v2/droplets")
        .match_query(Matcher::Exact("per_page=200".into()))
        .with_body(json!({"droplets": droplets(1..201), "links": {"pages": {"next": next}}, "meta": {"total": 400}}).to_string())
        .create();
    let _second = server
        .mock("GET", "/v2/droplets")
        .match_query(Matcher::UrlEncoded("page".into(), "2".into()))
        .with_status(404)
        .with_body(example("error_not_found.json").to_string())
        .create();
    let clock = FakeClock::new();
    let mut pages_seen = 0;
    let result = client(&server, &clock).list_pages("/v2/droplets", "droplets", |_| {
        pages_seen += 1;
        Ok::<(), ProviderError>(())
    });
    let err = result.unwrap_err();
    assert!(
        matches!(err, ProviderError::PartialListing { page: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("partial"), "{err}");
    assert_eq!(pages_seen, 1);
}

fn sends_bearer_auth_and_user_agent_and_audits_without_the_token() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/v2/account")
        .match_header("authorization", format!("Bearer {CANARY}").as_str())
        .match_header(
            "user-agent",
            Matcher::Regex(r"^stagecraft/\d+\.\d+\.\d+$".into()),
        )
        .with_header("x-request-id", "req-123")
        .with_body(example("account_get_composed.json").to_string())
        .create();
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("audit.jsonl");
    let clock = FakeClock::new();
    let mut options = ClientOptions::new(&server.url(), Token::new(CANARY));
    options.clock = Arc::new(clock.clone());
    options.audit = Some(Arc::new(AuditLog::open(&log_path).unwrap()));
    let c = Client::new(options).unwrap();
    let _: stagecraft::provider::Account = c.get("/v2/account", "account").unwrap();
    mock.assert();
    assert!(!format!("{c:?}").contains("canary"));
    let log = std::fs::read_to_string(&log_path).unwrap();
    let entry: Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(entry["method"], "GET");
    assert_eq!(entry["path"], "/v2/account");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["attempt"], 1);
    assert_eq!(entry["request_id"], "req-123");
    assert!(entry["time"].as_str().unwrap().ends_with('Z'));
    assert!(!log.contains("canary"), "{log}");
}

fn rate_limit_headers_are_read_case_insensitively_and_slow_the_client_down() {
    let mut server = Server::new();
    let clock = FakeClock::new();
    let now = clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let _m = server
        .mock("GET", "/v2/account")
        .with_header("RateLimit-Remaining", "0")
        .with_header("rateLimit-reset", &(now + 4).to_string())
        .with_body(example("account_get_composed.json").to_string())
        .expect(2)
        .create();
    let c = client(&server, &clock);
    let _: stagecraft::provider::Account = c.get("/v2/account", "account").unwrap();
    assert!(clock.sleeps().is_empty());
    let _: stagecraft::provider::Account = c.get("/v2/account", "account").unwrap();
    assert_eq!(
        clock.sleeps(),
        secs(&[4]),
        "the second request waits for the window to reset"
    );
}

fn plain_http_is_refused_except_on_loopback() {
    let err = Client::new(ClientOptions::new(
        "http://api.example.com",
        Token::new(CANARY),
    ))
    .unwrap_err();
    assert!(err.to_string().contains("must use https"), "{err}");
}

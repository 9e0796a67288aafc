//! Replies that are not what the API promises, against mockito on a fake clock: a success that is not
//! JSON, an error page that is not JSON, a delete of what is already gone, a droplet that no longer
//! exists, and a reply that never came, which the audit log records with its error.

use std::sync::Arc;
use std::time::Duration;

use mockito::Server;
use serde_json::{Value, json};
use stagecraft::clock::FakeClock;
use stagecraft::provider::audit::AuditLog;
use stagecraft::provider::{Client, ClientOptions, ProviderError, Token};

use crate::case;
use crate::support::CANARY;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(a_reply_that_breaks_the_api_contract_is_named_for_what_it_is),
        case!(a_delete_or_lookup_of_what_is_gone_is_not_an_error),
        case!(a_reply_that_never_came_is_audited_with_its_error),
    ]
}

fn client(url: &str, clock: &FakeClock, audit: Option<Arc<AuditLog>>) -> Client {
    let mut options = ClientOptions::new(url, Token::new(CANARY));
    options.clock = Arc::new(clock.clone());
    options.timeout = Duration::from_secs(5);
    options.audit = audit;
    Client::new(options).unwrap()
}

fn a_reply_that_breaks_the_api_contract_is_named_for_what_it_is() {
    let mut server = Server::new();
    let clock = FakeClock::new();
    let c = client(&server.url(), &clock, None);
    // (status, body, requests sent: a broken 2xx to a read is retried like a lost reply, what it says)
    let cases = [
        (200, "<html>maintenance</html>", 6, "the reply was not JSON"),
        (
            418,
            "<html>I'm a teapot</html>",
            1,
            "returned HTTP 418 unknown_error: (no message)",
        ),
        (200, "{\"something_else\": []}", 1, "unexpected response"),
    ];
    for (status, body, sent, says) in cases {
        server.reset();
        let mock = server
            .mock("GET", "/v2/account")
            .with_status(status)
            .with_body(body)
            .expect(sent)
            .create();
        let error = c
            .get::<Value>("/v2/account", "account")
            .expect_err(body)
            .to_string();
        mock.assert();
        assert!(error.contains(says), "HTTP {status} {body}: {error}");
        assert!(error.contains("GET /v2/account"), "{error}");
        assert!(!error.contains("canary"), "{error}");
    }
    // A 2xx that is not JSON reads as "no usable reply": the request may have taken effect.
    server.reset();
    server
        .mock("POST", "/v2/tags")
        .with_body("not json")
        .create();
    let e = c.post("/v2/tags", &json!({"name": "x"})).unwrap_err();
    assert!(e.is_ambiguous(), "{e}");
    assert!(matches!(e, ProviderError::Transport { .. }), "{e:?}");
}

fn a_delete_or_lookup_of_what_is_gone_is_not_an_error() {
    let mut server = Server::new();
    let clock = FakeClock::new();
    let c = client(&server.url(), &clock, None);
    let not_found = json!({"id": "not_found", "message": "The resource you were accessing could not be found."});
    let gone = server
        .mock("DELETE", "/v2/droplets/7")
        .with_status(404)
        .with_body(not_found.to_string())
        .create();
    assert!(!c.delete_droplet(7).unwrap(), "already gone");
    gone.assert();
    let lookup = server
        .mock("GET", "/v2/droplets/7")
        .with_status(404)
        .with_body(not_found.to_string())
        .create();
    assert!(c.droplet(7).unwrap().is_none());
    lookup.assert();
    // Any other refusal of a delete is an error, with the API's words and request id.
    server
        .mock("DELETE", "/v2/droplets/8")
        .with_status(403)
        .with_header("x-request-id", "req-403")
        .with_body(json!({"id": "forbidden", "message": "You do not have permission."}).to_string())
        .create();
    let e = c.delete_droplet(8).unwrap_err();
    assert_eq!((e.status(), e.request_id()), (Some(403), Some("req-403")));
    assert!(!e.is_ambiguous(), "a 403 surely did nothing");
    assert!(
        e.to_string()
            .contains("forbidden: You do not have permission."),
        "{e}"
    );
}

fn a_reply_that_never_came_is_audited_with_its_error() {
    // A port that was just free: the connection is refused, on every retry.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("audit.jsonl");
    let clock = FakeClock::new();
    let audit = Arc::new(AuditLog::open(&log_path).unwrap());
    let c = client(&format!("http://127.0.0.1:{port}"), &clock, Some(audit));
    let e = c.get::<Value>("/v2/account", "account").unwrap_err();
    assert!(e.is_ambiguous(), "{e}");
    assert!(e.to_string().contains("no usable reply"), "{e}");
    let log = std::fs::read_to_string(&log_path).unwrap();
    let entries: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The first try and five retries, each with its error and no status.
    assert_eq!(entries.len(), 6, "{log}");
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(entry["attempt"], i as u64 + 1, "{log}");
        assert_eq!(entry["status"], Value::Null, "{log}");
        assert!(
            entry["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{log}"
        );
    }
}

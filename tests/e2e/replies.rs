//! Replies that are not what the API promises, against mockito on a fake clock: a success that is not
//! JSON, an error page that is not JSON, a delete of what is already gone, a droplet that no longer
//! exists, and a reply that never came, which the audit log records with its error.

use std::sync::Arc;
use std::time::Duration;

use mockito::Server;
use serde_json::{Value, json};
use stagecraft::clock::FakeClock;
use stagecraft::provider::audit::AuditLog;
use stagecraft::provider::{Account, Client, ClientOptions, ProviderError, Token};

use crate::case;
use crate::support::CANARY;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(a_reply_that_breaks_the_api_contract_is_named_for_what_it_is),
        case!(a_delete_or_lookup_of_what_is_gone_is_not_an_error),
        case!(a_reply_that_never_came_is_audited_with_its_error),
        case!(what_the_api_may_leave_out_is_read_as_empty_and_a_wrong_shape_is_refused),
        case!(a_token_that_cannot_go_into_a_header_is_refused_by_where_not_what),
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
        (
            200,
            "{\"something_else\": []}",
            1,
            "unexpected response: the reply has no `account`",
        ),
        (
            200,
            "{\"account\": 5}",
            1,
            "unexpected response: `account`: invalid type",
        ),
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
            .get::<Account>("/v2/account", "account")
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

fn what_the_api_may_leave_out_is_read_as_empty_and_a_wrong_shape_is_refused() {
    let mut server = Server::new();
    let clock = FakeClock::new();
    let c = client(&server.url(), &clock, None);
    // A records page without `meta` still has its records: they are counted.
    server
        .mock("GET", "/v2/domains/example.com/records?per_page=1")
        .with_body(json!({"domain_records": [{"id": 1}, {"id": 2}, {"id": 3}]}).to_string())
        .create();
    assert_eq!(c.domain_record_count("example.com").unwrap(), 3);
    // No Functions namespaces at all may come as no key or null.
    for body in [json!({}), json!({"namespaces": null})] {
        server.reset();
        server
            .mock("GET", "/v2/functions/namespaces")
            .with_body(body.to_string())
            .create();
        assert!(c.functions_namespaces().unwrap().is_empty(), "{body}");
    }
    server.reset();
    server
        .mock("GET", "/v2/functions/namespaces")
        .with_body(json!({"namespaces": [5]}).to_string())
        .create();
    let e = c.functions_namespaces().unwrap_err().to_string();
    assert!(
        e.contains("GET /v2/functions/namespaces: unexpected response: `namespaces`: "),
        "{e}"
    );
}

fn a_token_that_cannot_go_into_a_header_is_refused_by_where_not_what() {
    // (token, why it is refused; "" = accepted)
    let cases = [
        (String::new(), "the API token is empty"),
        (
            format!("{CANARY}\u{e9}x"),
            "holds a non-ASCII character at character 66",
        ),
        (format!("\t{CANARY}"), "holds white space at character 1"),
        (format!("{CANARY}\r"), "holds a line break at its end"),
        (CANARY.to_string(), ""),
    ];
    for (token, says) in cases {
        let options = ClientOptions::new("http://127.0.0.1:9", Token::new(token.clone()));
        match Client::new(options) {
            Ok(_) => assert_eq!(says, "", "accepted {token:?}"),
            Err(e) => {
                let e = e.to_string();
                assert!(!says.is_empty() && e.contains(says), "{token:?}: {e}");
                assert!(!e.contains("canarycanary"), "the token leaked: {e}");
            }
        }
    }
}

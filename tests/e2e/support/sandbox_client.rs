//! A typed HTTP client for a running sandbox, shared by the e2e tests and the benchmark: the `/v2/` API
//! with the bearer token, and one method per `/_sandbox/` control endpoint, each checking its status.
//!
//! It speaks HTTP only (no stagecraft types), so it serves an in-process sandbox and a `sandbox serve`
//! child process alike.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// One answer from the sandbox: status, headers, the body as text and as JSON (`null` when not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub raw: String,
    pub json: Value,
}

impl Reply {
    /// A response header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `links.pages.<key>` of a paginated list, if present.
    pub fn link(&self, key: &str) -> Option<String> {
        self.json["links"]["pages"][key]
            .as_str()
            .map(str::to_string)
    }
}

/// One entry of the sandbox's request log.
#[derive(Debug, Clone, Deserialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    /// `None` when the connection was closed without an answer.
    pub status: Option<u16>,
    /// The fault applied (`status`, `latency`, `drop`, `reply_lost`), if any.
    pub fault: Option<String>,
    pub request_id: String,
}

/// Requests per route template (`"GET /v2/droplets/{id}"`) since the log was last cleared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counters(pub Map<String, Value>);

impl Counters {
    /// Requests on `route`; 0 when there were none.
    pub fn get(&self, route: &str) -> u64 {
        self.0.get(route).and_then(Value::as_u64).unwrap_or(0)
    }

    /// Requests on every route together.
    pub fn total(&self) -> u64 {
        self.0.values().filter_map(Value::as_u64).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", Value::Object(self.0.clone()))
    }
}

pub struct SandboxClient {
    base: String,
    token: String,
    agent: ureq::Agent,
}

impl SandboxClient {
    /// A client for the sandbox at `base` (`http://127.0.0.1:PORT`, no `/v2`) that sends `token`.
    pub fn new(base: &str, token: &str) -> SandboxClient {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        SandboxClient {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            agent,
        }
    }

    /// The same sandbox, another bearer token.
    pub fn with_token(&self, token: &str) -> SandboxClient {
        SandboxClient {
            base: self.base.clone(),
            token: token.to_string(),
            agent: self.agent.clone(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// One request; `Err` only when no HTTP answer came (a dropped connection, say). `auth` sends the token.
    pub fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        auth: bool,
    ) -> Result<Reply, ureq::Error> {
        let url = format!("{}{path}", self.base);
        let bearer = format!("Bearer {}", self.token);
        let without_body = |request: ureq::RequestBuilder<ureq::typestate::WithoutBody>| {
            if auth {
                request.header("Authorization", &bearer)
            } else {
                request
            }
        };
        let with_body = |request: ureq::RequestBuilder<ureq::typestate::WithBody>| {
            let request = request.header("Content-Type", "application/json");
            if auth {
                request.header("Authorization", &bearer)
            } else {
                request
            }
        };
        let mut response = match (method, body) {
            ("GET", _) => without_body(self.agent.get(&url)).call(),
            ("HEAD", _) => without_body(self.agent.head(&url)).call(),
            ("DELETE", None) => without_body(self.agent.delete(&url)).call(),
            ("DELETE", Some(body)) => without_body(self.agent.delete(&url))
                .header("Content-Type", "application/json")
                .force_send_body()
                .send(body),
            ("PUT", body) => with_body(self.agent.put(&url)).send(body.unwrap_or("")),
            ("POST", body) => with_body(self.agent.post(&url)).send(body.unwrap_or("")),
            (other, _) => panic!("the sandbox client does not send {other}"),
        }?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let raw = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .unwrap_or_default();
        let json = serde_json::from_str(&raw).unwrap_or(Value::Null);
        Ok(Reply {
            status,
            headers,
            raw,
            json,
        })
    }

    /// An authenticated API call that must get an HTTP answer (of any status).
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string());
        self.try_call(method, path, body.as_deref(), true)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub fn get(&self, path: &str) -> Reply {
        self.call("GET", path, None)
    }

    pub fn post(&self, path: &str, body: Value) -> Reply {
        self.call("POST", path, Some(body))
    }

    pub fn delete(&self, path: &str) -> Reply {
        self.call("DELETE", path, None)
    }

    /// The body of an authenticated GET, read in full but not parsed: for timing the server alone.
    pub fn get_text(&self, path: &str) -> String {
        let mut response = self
            .agent
            .get(&format!("{}{path}", self.base))
            .header("Authorization", &format!("Bearer {}", self.token))
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// Every droplet in the account, read page by page with the API itself.
    pub fn droplets(&self) -> Vec<Value> {
        let mut all = Vec::new();
        for page in 1.. {
            let reply = self.get(&format!("/v2/droplets?per_page=200&page={page}"));
            assert_eq!(reply.status, 200, "list droplets: {}", reply.raw);
            let items = reply.json["droplets"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let done = items.len() < 200;
            all.extend(items);
            if done {
                break;
            }
        }
        all
    }

    /// Droplet ids by name, sorted by name.
    pub fn ids(&self) -> Vec<(String, u64)> {
        let mut ids: Vec<(String, u64)> = (self.droplets().iter())
            .map(|d| {
                (
                    d["name"].as_str().unwrap().into(),
                    d["id"].as_u64().unwrap(),
                )
            })
            .collect();
        ids.sort();
        ids
    }

    /// Droplet names in the account, sorted (duplicates kept, so tests can see them).
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .droplets()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    }

    /// A `/_sandbox/` call (no token) that must answer `expected`; the answer's JSON.
    fn control(&self, method: &str, path: &str, body: Option<Value>, expected: u16) -> Value {
        let path = format!("/_sandbox/{path}");
        let body = body.map(|b| b.to_string());
        let reply = self
            .try_call(method, &path, body.as_deref(), false)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert_eq!(
            reply.status, expected,
            "{method} {path}: HTTP {}: {}",
            reply.status, reply.raw
        );
        reply.json
    }

    /// Empties the account (catalogue, default VPCs and project, seeded keys stay) and the rate limits.
    pub fn reset(&self) {
        self.control("POST", "reset", None, 204);
    }

    /// Generates droplets and other objects (see the seed body in docs/sandbox.md); what was made, e.g.
    /// `{"droplets": {"count", "first_id", "last_id"}, "firewalls": {"count"}}`.
    pub fn seed(&self, body: Value) -> Value {
        self.control("POST", "seed", Some(body), 200)["seeded"].clone()
    }

    /// The request log since it was last cleared, in arrival order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        let log = self.control("GET", "requests", None, 200)["requests"].clone();
        serde_json::from_value(log).unwrap_or_else(|e| panic!("the request log: {e}"))
    }

    /// Clears the request log and the counters.
    pub fn clear_requests(&self) {
        self.control("DELETE", "requests", None, 204);
    }

    pub fn counters(&self) -> Counters {
        match self.control("GET", "counters", None, 200) {
            Value::Object(map) => Counters(map),
            other => panic!("counters: not an object: {other}"),
        }
    }

    /// Requests on one route since the last clear, e.g. `count("POST /v2/droplets")`.
    pub fn count(&self, route: &str) -> u64 {
        self.counters().get(route)
    }

    /// Adds a fault rule (`{"method", "path", "kind", "status", "times", "after", ...}`).
    pub fn fault(&self, rule: Value) {
        self.control("POST", "faults", Some(rule), 201);
    }

    /// The fault rules, with how many requests each has seen and fired on.
    pub fn faults(&self) -> Vec<Value> {
        let rules = self.control("GET", "faults", None, 200)["faults"].clone();
        rules.as_array().cloned().unwrap_or_default()
    }

    pub fn clear_faults(&self) {
        self.control("DELETE", "faults", None, 204);
    }

    /// Moves the sandbox clock forward (finishing due boots and actions); the status afterwards.
    pub fn advance(&self, seconds: u64) -> Value {
        self.control("POST", "advance", Some(json!({ "seconds": seconds })), 200)
    }

    /// `{"now", "now_ms", "clock_offset_seconds", "droplets", "actions", "persist_error"}`.
    pub fn status(&self) -> Value {
        self.control("GET", "status", None, 200)
    }
}

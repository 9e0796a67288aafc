//! A sandbox for one test, in this process, over real HTTP on loopback.

use std::time::Duration;

use serde_json::{Value, json};
use stagecraft::sandbox::{Sandbox, SandboxOptions, SeedKey};

use super::CANARY;

pub const KEY_NAME: &str = "my-ssh-key";

pub struct TestSandbox {
    pub sandbox: Option<Sandbox>,
    pub url: String,
    agent: ureq::Agent,
}

impl Drop for TestSandbox {
    fn drop(&mut self) {
        if let Some(s) = self.sandbox.take() {
            s.shutdown();
        }
    }
}

impl TestSandbox {
    /// Boots droplets at once and accepts the canary token.
    pub fn start() -> TestSandbox {
        Self::with(|_| {})
    }

    pub fn with(tweak: impl FnOnce(&mut SandboxOptions)) -> TestSandbox {
        let mut options = SandboxOptions {
            token: CANARY.into(),
            boot_time: Duration::ZERO,
            seed_ssh_keys: vec![SeedKey {
                name: KEY_NAME.into(),
                public_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3RrZXl0ZXN0a2V5dGVzdGtleXRlc3RrZXl0ZXN0 test".into(),
            }],
            ..SandboxOptions::default()
        };
        tweak(&mut options);
        let sandbox = Sandbox::start(options).expect("start the sandbox");
        let url = sandbox.base_url();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        TestSandbox {
            sandbox: Some(sandbox),
            url,
            agent,
        }
    }

    /// Calls a `/_sandbox/` control endpoint.
    pub fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.url);
        let mut response = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.to_string().as_bytes()),
        }
        .expect("sandbox control call");
        assert!(
            response.status().is_success(),
            "{method} {path}: {}",
            response.status()
        );
        let text = response.body_mut().read_to_string().unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub fn seed(&self, body: Value) -> Value {
        self.control("POST", "/_sandbox/seed", body)
    }

    pub fn fault(&self, rule: Value) {
        self.control("POST", "/_sandbox/faults", rule);
    }

    pub fn clear_requests(&self) {
        self.control("DELETE", "/_sandbox/requests", Value::Null);
    }

    /// Requests per route since the last clear, e.g. `count("POST /v2/droplets")`.
    pub fn count(&self, route: &str) -> u64 {
        self.control("GET", "/_sandbox/counters", Value::Null)[route]
            .as_u64()
            .unwrap_or(0)
    }

    pub fn counters(&self) -> Value {
        self.control("GET", "/_sandbox/counters", Value::Null)
    }

    /// Every droplet in the account, read with the API itself.
    pub fn droplets(&self) -> Vec<Value> {
        let mut all = Vec::new();
        let mut page = 1;
        loop {
            let mut response = self
                .agent
                .get(&format!(
                    "{}/v2/droplets?per_page=200&page={page}",
                    self.url
                ))
                .header("Authorization", &format!("Bearer {CANARY}"))
                .call()
                .expect("list droplets");
            let body: Value =
                serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
            let items = body["droplets"].as_array().cloned().unwrap_or_default();
            let done = items.len() < 200;
            all.extend(items);
            if done {
                return all;
            }
            page += 1;
        }
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

    pub fn managed(env: &str, role: &str) -> Value {
        json!([
            "stagecraft",
            format!("stagecraft:env:{env}"),
            format!("stagecraft:role:{role}")
        ])
    }
}

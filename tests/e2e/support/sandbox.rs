//! A sandbox for one test, in this process, over real HTTP on loopback, with its typed client.

use std::net::SocketAddr;
use std::ops::Deref;
use std::time::Duration;

use serde_json::{Value, json};
use stagecraft::sandbox::{Sandbox, SandboxOptions, SeedKey};

use super::CANARY;
use super::sandbox_client::SandboxClient;

pub const KEY_NAME: &str = "my-ssh-key";

/// A running sandbox; derefs to the client, so `sb.seed(..)`, `sb.get(..)` and the like talk to it.
pub struct TestSandbox {
    sandbox: Option<Sandbox>,
    pub url: String,
    client: SandboxClient,
}

impl Drop for TestSandbox {
    fn drop(&mut self) {
        if let Some(s) = self.sandbox.take() {
            s.shutdown();
        }
    }
}

impl Deref for TestSandbox {
    type Target = SandboxClient;

    fn deref(&self) -> &SandboxClient {
        &self.client
    }
}

impl TestSandbox {
    /// Boots droplets at once, accepts the canary token and holds the SSH key `my-ssh-key`.
    pub fn start() -> TestSandbox {
        Self::with(|_| {})
    }

    /// Like `start`, with `tweak` applied to the options first; the client sends the resulting token.
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
        let client_token = options.token.clone();
        let sandbox = Sandbox::start(options).unwrap_or_else(|e| panic!("start the sandbox: {e}"));
        let url = sandbox.base_url();
        TestSandbox {
            client: SandboxClient::new(&url, &client_token),
            sandbox: Some(sandbox),
            url,
        }
    }

    /// The address it listens on, for raw TCP.
    pub fn addr(&self) -> SocketAddr {
        self.sandbox.as_ref().expect("running").addr()
    }

    /// Stops it now (saving its state file, if it has one).
    pub fn shutdown(mut self) {
        if let Some(s) = self.sandbox.take() {
            s.shutdown();
        }
    }

    /// The tags `apply` gives a droplet of `role` in `env`.
    pub fn managed(env: &str, role: &str) -> Value {
        json!([
            "stagecraft",
            format!("stagecraft:env:{env}"),
            format!("stagecraft:role:{role}")
        ])
    }
}

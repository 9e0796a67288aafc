//! The sandbox end to end over real HTTP, one file per subject; shared here: the options these tests
//! start it with, a create body and the error-envelope check.

mod account;
mod actions;
mod conformance;
mod droplets;
mod faults;
mod network;
mod pagination;
mod server;

use std::net::Ipv4Addr;
use std::time::Duration;

use serde_json::{Value, json};
use stagecraft::sandbox::{SandboxOptions, SeedKey};

use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;
use crate::support::sandbox_client::Reply;

const TOKEN: &str = "test-token";
const PUBKEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJzZXh0cmFrZXlmb3J0ZXN0aW5nc2FuZGJveDEyMzQ1 me@laptop";

pub fn tests() -> Vec<Case> {
    [
        account::tests(),
        actions::tests(),
        conformance::tests(),
        droplets::tests(),
        faults::tests(),
        network::tests(),
        pagination::tests(),
        server::tests(),
    ]
    .concat()
}

/// A one-minute boot (so tests move the clock with `advance`), every droplet at 127.0.0.1, one seeded key.
fn options(o: &mut SandboxOptions) {
    o.token = TOKEN.into();
    o.boot_time = Duration::from_secs(60);
    o.public_ip = Some(Ipv4Addr::LOCALHOST);
    o.seed_ssh_keys = vec![SeedKey {
        name: "stagecraft".into(),
        public_key: PUBKEY.into(),
    }];
}

fn start() -> TestSandbox {
    TestSandbox::with(options)
}

/// `start` with `tweak` applied after the shared options.
fn start_with(tweak: impl FnOnce(&mut SandboxOptions)) -> TestSandbox {
    TestSandbox::with(|o| {
        options(o);
        tweak(o);
    })
}

fn create_body(name: &str) -> Value {
    json!({"name": name, "region": "nyc1", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64",
           "tags": ["stagecraft", "stagecraft:env:test"], "ssh_keys": []})
}

/// `r` is the error envelope: `status`, `id`, a message, a request id in the body and the header.
fn assert_error(r: &Reply, status: u16, id: &str) {
    assert_eq!(r.status, status, "body: {}", r.raw);
    assert_eq!(r.json["id"], id, "body: {}", r.raw);
    assert!(r.json["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(r.json["request_id"].is_string());
    assert!(r.header("x-request-id").is_some());
}

//! How to run a sandbox: the options `Sandbox::start` takes.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// An SSH key created at start if the account has no key of that name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedKey {
    pub name: String,
    pub public_key: String,
}

/// How to run the sandbox.
#[derive(Clone)]
pub struct SandboxOptions {
    /// Address to bind; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Loaded at start if present; written atomically after each mutating request and at shutdown.
    pub state_file: Option<PathBuf>,
    /// How long a new droplet stays `new`; droplet actions last as long.
    pub boot_time: Duration,
    /// The only bearer token accepted.
    pub token: String,
    /// If set, every droplet's public IPv4 is this address.
    pub public_ip: Option<Ipv4Addr>,
    pub seed_ssh_keys: Vec<SeedKey>,
    pub rate_limit_per_hour: u32,
    pub rate_limit_per_minute: u32,
}

impl std::fmt::Debug for SandboxOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens never appear in Debug output, not even the sandbox's own: logs and test failures
        // print these.
        f.debug_struct("SandboxOptions")
            .field("listen", &self.listen)
            .field("state_file", &self.state_file)
            .field("boot_time", &self.boot_time)
            .field("token", &"<redacted>")
            .field("public_ip", &self.public_ip)
            .field("seed_ssh_keys", &self.seed_ssh_keys)
            .field("rate_limit_per_hour", &self.rate_limit_per_hour)
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .finish()
    }
}

impl Default for SandboxOptions {
    fn default() -> SandboxOptions {
        SandboxOptions {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            state_file: None,
            boot_time: Duration::from_secs(2),
            token: "sandbox-token".into(),
            public_ip: None,
            seed_ssh_keys: Vec::new(),
            rate_limit_per_hour: 5000,
            rate_limit_per_minute: 250,
        }
    }
}

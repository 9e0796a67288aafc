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
    /// Added to every `/v2/` response, as a far-away API would be. Requests are served
    /// concurrently, so one slow answer holds up no other.
    pub latency: Duration,
    pub connections: ConnectionLimits,
}

/// What one client, or many, may hold of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections served at once, each by its own thread. A new connection beyond it closes the
    /// longest-idle one, or waits for a place while every connection is mid-request.
    pub max: usize,
    /// A kept-alive connection with no new request for this long is closed.
    pub idle_timeout: Duration,
    /// A request's head and body must have arrived this long after its first byte (however
    /// steadily it trickles in); then it is answered 408 and the connection closed.
    pub request_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            max: 512,
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
        }
    }
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
            .field("latency", &self.latency)
            .field("connections", &self.connections)
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
            latency: Duration::ZERO,
            connections: ConnectionLimits::default(),
        }
    }
}

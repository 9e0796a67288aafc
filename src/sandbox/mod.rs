//! (stub until the sandbox branch lands: same public API, refuses to start)

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {}

impl ServeArgs {
    pub fn to_options(&self) -> Result<SandboxOptions, String> {
        Ok(SandboxOptions::default())
    }
}

pub struct SeedKey {
    pub name: String,
    pub public_key: String,
}

pub struct SandboxOptions {
    pub listen: SocketAddr,
    pub state_file: Option<PathBuf>,
    pub boot_time: Duration,
    pub token: String,
    pub public_ip: Option<std::net::Ipv4Addr>,
    pub seed_ssh_keys: Vec<SeedKey>,
    pub rate_limit_per_hour: u32,
    pub rate_limit_per_minute: u32,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:0".parse().expect("valid"),
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

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox is not built yet")]
    NotBuilt,
}

pub struct Sandbox;

impl Sandbox {
    pub fn start(_opts: SandboxOptions) -> Result<Sandbox, SandboxError> {
        Err(SandboxError::NotBuilt)
    }
    pub fn base_url(&self) -> String {
        String::new()
    }
    pub fn addr(&self) -> SocketAddr {
        "127.0.0.1:0".parse().expect("valid")
    }
    pub fn shutdown(self) {}
    pub fn wait(self) {}
}

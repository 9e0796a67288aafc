//! `stagecraft sandbox serve` flags and their conversion to `SandboxOptions`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use super::SandboxOptions;
// The product's one duration syntax, so `--boot-time` reads like every other duration.
use crate::clock::parse_duration;

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// State file: loaded at start if present, saved after every change.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Time a new droplet takes to boot (and an action to complete), e.g. 2s, 500ms, 0s.
    #[arg(long, default_value = "2s", value_name = "DURATION", value_parser = parse_duration)]
    pub boot_time: Duration,
    /// The bearer token the sandbox accepts.
    #[arg(long, default_value = "sandbox-token")]
    pub token: String,
    /// Give every droplet this public IPv4 (e.g. 127.0.0.1 to make droplets reachable locally).
    #[arg(long, value_name = "IP")]
    pub public_ip: Option<Ipv4Addr>,
    /// Requests allowed per rolling hour.
    #[arg(long, default_value_t = 5000)]
    pub rate_limit_per_hour: u32,
    /// Requests allowed per rolling minute (burst limit).
    #[arg(long, default_value_t = 250)]
    pub rate_limit_per_minute: u32,
    /// Delay added to every /v2/ response, e.g. 150ms (requests are still served concurrently).
    #[arg(long, default_value = "0s", value_name = "DURATION", value_parser = parse_duration)]
    pub latency: Duration,
}

impl ServeArgs {
    pub fn to_options(&self) -> Result<SandboxOptions, String> {
        let listen: SocketAddr = self.listen.parse().map_err(|e| {
            format!(
                "--listen {:?}: {e} (expected e.g. 127.0.0.1:8080)",
                self.listen
            )
        })?;
        if self.token.trim().is_empty() {
            return Err("--token must not be empty".into());
        }
        if self.rate_limit_per_hour == 0 || self.rate_limit_per_minute == 0 {
            return Err("rate limits must be at least 1".into());
        }
        Ok(SandboxOptions {
            listen,
            state_file: self.state.clone(),
            boot_time: self.boot_time,
            token: self.token.clone(),
            public_ip: self.public_ip,
            seed_ssh_keys: Vec::new(),
            rate_limit_per_hour: self.rate_limit_per_hour,
            rate_limit_per_minute: self.rate_limit_per_minute,
            latency: self.latency,
            connections: Default::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_options_validates() {
        let mut a = ServeArgs {
            listen: "127.0.0.1:0".into(),
            state: None,
            boot_time: Duration::ZERO,
            token: "t".into(),
            public_ip: None,
            rate_limit_per_hour: 5000,
            rate_limit_per_minute: 250,
            latency: Duration::from_millis(150),
        };
        assert_eq!(
            a.to_options().map(|o| o.latency),
            Ok(Duration::from_millis(150))
        );
        a.listen = "nope".into();
        assert!(a.to_options().is_err());
    }
}
